//! Classic BPF as seccomp runs it: the checks `seccomp(2)` makes of a program (only
//! the instructions seccomp allows, loads of `struct seccomp_data` words, forward jumps
//! inside the program, scratch memory written before it is read, a `RET` at the end)
//! and the interpreter that runs it on one system call.

use veil_abi::Errno;

/// Most instructions one program may have (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = 4096;
/// `sizeof(struct seccomp_data)`.
pub const DATA_SIZE: u32 = 64;
/// Scratch memory words (`BPF_MEMWORDS`).
const MEMWORDS: usize = 16;

/// One `struct sock_filter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    /// The opcode.
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// The constant.
    pub k: u32,
}

impl Insn {
    /// An instruction from its 8 guest bytes.
    pub fn from_bytes(b: &[u8; 8]) -> Insn {
        Insn {
            code: u16::from_le_bytes([b[0], b[1]]),
            jt: b[2],
            jf: b[3],
            k: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
}

// Opcode parts (linux/bpf_common.h).
const LD: u16 = 0x00;
const LDX: u16 = 0x01;
const ST: u16 = 0x02;
const STX: u16 = 0x03;
const ALU: u16 = 0x04;
const JMP: u16 = 0x05;
const RET: u16 = 0x06;
const MISC: u16 = 0x07;
const W: u16 = 0x00;
const IMM: u16 = 0x00;
const ABS: u16 = 0x20;
const MEM: u16 = 0x60;
const LEN: u16 = 0x80;
const K: u16 = 0x00;
const X: u16 = 0x08;
const A: u16 = 0x10;
const ADD: u16 = 0x00;
const SUB: u16 = 0x10;
const MUL: u16 = 0x20;
const DIV: u16 = 0x30;
const OR: u16 = 0x40;
const AND: u16 = 0x50;
const LSH: u16 = 0x60;
const RSH: u16 = 0x70;
const NEG: u16 = 0x80;
const MOD: u16 = 0x90;
const XOR: u16 = 0xa0;
const JA: u16 = 0x00;
const JEQ: u16 = 0x10;
const JGT: u16 = 0x20;
const JGE: u16 = 0x30;
const JSET: u16 = 0x40;
const TAX: u16 = 0x00;
const TXA: u16 = 0x80;

/// Checks `prog` as seccomp does (`EINVAL` for anything it refuses).
pub fn check(prog: &[Insn]) -> Result<(), Errno> {
    if prog.is_empty() || prog.len() > MAX_INSNS {
        return Err(Errno::EINVAL);
    }
    // Which scratch words are surely written before each instruction.
    let mut written = vec![u16::MAX; prog.len()];
    written[0] = 0;
    for (pc, insn) in prog.iter().enumerate() {
        let code = insn.code;
        let mut mem = written[pc];
        let jumps: Vec<usize> = match code {
            c if c == LD | W | ABS => {
                if insn.k >= DATA_SIZE || insn.k % 4 != 0 {
                    return Err(Errno::EINVAL);
                }
                vec![]
            }
            c if c == LD | W | LEN || c == LDX | W | LEN || c == LD | IMM || c == LDX | IMM => {
                vec![]
            }
            c if c == LD | MEM || c == LDX | MEM => {
                if insn.k as usize >= MEMWORDS || mem & (1 << insn.k) == 0 {
                    return Err(Errno::EINVAL);
                }
                vec![]
            }
            c if c == ST || c == STX => {
                if insn.k as usize >= MEMWORDS {
                    return Err(Errno::EINVAL);
                }
                mem |= 1 << insn.k;
                vec![]
            }
            c if c == MISC | TAX || c == MISC | TXA => vec![],
            c if c & 0x07 == ALU => {
                let op = c & 0xf0;
                let src = c & 0x08;
                if c & !0xf8 != ALU
                    || !matches!(
                        op,
                        ADD | SUB | MUL | DIV | OR | AND | LSH | RSH | NEG | MOD | XOR
                    )
                {
                    return Err(Errno::EINVAL);
                }
                if op == NEG && src != K {
                    return Err(Errno::EINVAL);
                }
                if src == K && matches!(op, DIV | MOD) && insn.k == 0 {
                    return Err(Errno::EINVAL);
                }
                vec![]
            }
            c if c == JMP | JA => {
                let to = pc as u64 + 1 + u64::from(insn.k);
                if to >= prog.len() as u64 {
                    return Err(Errno::EINVAL);
                }
                vec![to as usize]
            }
            c if c & 0x07 == JMP => {
                let op = c & 0xf0;
                if c & !0xf8 != JMP || !matches!(op, JEQ | JGT | JGE | JSET) {
                    return Err(Errno::EINVAL);
                }
                let t = pc + 1 + insn.jt as usize;
                let f = pc + 1 + insn.jf as usize;
                if t >= prog.len() || f >= prog.len() {
                    return Err(Errno::EINVAL);
                }
                vec![t, f]
            }
            c if c == RET | K || c == RET | A => {
                continue;
            }
            _ => return Err(Errno::EINVAL),
        };
        let next: Vec<usize> = if jumps.is_empty() {
            vec![pc + 1]
        } else {
            jumps
        };
        for n in next {
            if n >= prog.len() {
                // Falling off the end: the last instruction must be a return.
                return Err(Errno::EINVAL);
            }
            written[n] &= mem;
        }
    }
    match prog.last().map(|i| i.code) {
        Some(c) if c == RET | K || c == RET | A => Ok(()),
        _ => Err(Errno::EINVAL),
    }
}

/// Runs a checked program on `data` (a `struct seccomp_data`): its return value.
pub fn run(prog: &[Insn], data: &[u8; DATA_SIZE as usize]) -> u32 {
    let word = |k: u32| {
        let k = k as usize;
        u32::from_le_bytes([data[k], data[k + 1], data[k + 2], data[k + 3]])
    };
    let (mut a, mut x) = (0u32, 0u32);
    let mut mem = [0u32; MEMWORDS];
    let mut pc = 0usize;
    while let Some(insn) = prog.get(pc) {
        let code = insn.code;
        pc += 1;
        match code {
            c if c == LD | W | ABS => a = word(insn.k),
            c if c == LD | W | LEN => a = DATA_SIZE,
            c if c == LDX | W | LEN => x = DATA_SIZE,
            c if c == LD | IMM => a = insn.k,
            c if c == LDX | IMM => x = insn.k,
            c if c == LD | MEM => a = mem[insn.k as usize % MEMWORDS],
            c if c == LDX | MEM => x = mem[insn.k as usize % MEMWORDS],
            c if c == ST => mem[insn.k as usize % MEMWORDS] = a,
            c if c == STX => mem[insn.k as usize % MEMWORDS] = x,
            c if c == MISC | TAX => x = a,
            c if c == MISC | TXA => a = x,
            c if c & 0x07 == ALU => {
                let v = if c & X != 0 { x } else { insn.k };
                a = match c & 0xf0 {
                    ADD => a.wrapping_add(v),
                    SUB => a.wrapping_sub(v),
                    MUL => a.wrapping_mul(v),
                    DIV if v == 0 => return 0,
                    DIV => a / v,
                    MOD if v == 0 => return 0,
                    MOD => a % v,
                    OR => a | v,
                    AND => a & v,
                    XOR => a ^ v,
                    LSH => a.checked_shl(v).unwrap_or(0),
                    RSH => a.checked_shr(v).unwrap_or(0),
                    _ => a.wrapping_neg(),
                };
            }
            c if c == JMP | JA => pc += insn.k as usize,
            c if c & 0x07 == JMP => {
                let v = if c & X != 0 { x } else { insn.k };
                let taken = match c & 0xf0 {
                    JEQ => a == v,
                    JGT => a > v,
                    JGE => a >= v,
                    _ => a & v != 0,
                };
                pc += if taken { insn.jt } else { insn.jf } as usize;
            }
            c if c == RET | K => return insn.k,
            c if c == RET | A => return a,
            // Not reachable in a checked program.
            _ => return 0,
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
        Insn { code, jt, jf, k }
    }

    /// Allow everything but getpid (39), which gets ERRNO(1).
    fn deny_getpid() -> Vec<Insn> {
        vec![
            i(LD | W | ABS, 0, 0, 0),
            i(JMP | JEQ | K, 0, 1, 39),
            i(RET | K, 0, 0, 0x0005_0001),
            i(RET | K, 0, 0, 0x7fff_0000),
        ]
    }

    fn data(nr: u32) -> [u8; 64] {
        let mut d = [0u8; 64];
        d[..4].copy_from_slice(&nr.to_le_bytes());
        d
    }

    #[test]
    fn a_program_picks_by_syscall_number() {
        let p = deny_getpid();
        assert_eq!(check(&p), Ok(()));
        assert_eq!(run(&p, &data(39)), 0x0005_0001);
        assert_eq!(run(&p, &data(0)), 0x7fff_0000);
    }

    #[test]
    fn bad_programs_are_refused() {
        assert_eq!(check(&[]), Err(Errno::EINVAL));
        // Misaligned and out-of-range loads.
        assert_eq!(
            check(&[i(LD | W | ABS, 0, 0, 2), i(RET | K, 0, 0, 0)]),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            check(&[i(LD | W | ABS, 0, 0, 64), i(RET | K, 0, 0, 0)]),
            Err(Errno::EINVAL)
        );
        // A jump past the end, no final return, memory read before written.
        assert_eq!(
            check(&[i(JMP | JA, 0, 0, 5), i(RET | K, 0, 0, 0)]),
            Err(Errno::EINVAL)
        );
        assert_eq!(check(&[i(LD | IMM, 0, 0, 1)]), Err(Errno::EINVAL));
        assert_eq!(
            check(&[i(LD | MEM, 0, 0, 0), i(RET | A, 0, 0, 0)]),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            check(&[i(ALU | DIV | K, 0, 0, 0), i(RET | A, 0, 0, 0)]),
            Err(Errno::EINVAL)
        );
        // A socket-filter load seccomp does not have.
        assert_eq!(
            check(&[i(0x28, 0, 0, 0), i(RET | K, 0, 0, 0)]),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn scratch_memory_and_alu() {
        let p = vec![
            i(LD | IMM, 0, 0, 6),
            i(ST, 0, 0, 3),
            i(LDX | MEM, 0, 0, 3),
            i(ALU | MUL | X, 0, 0, 0),
            i(ALU | ADD | K, 0, 0, 4),
            i(RET | A, 0, 0, 0),
        ];
        assert_eq!(check(&p), Ok(()));
        assert_eq!(run(&p, &data(0)), 40);
    }
}
