//! The initial stack of a new program, laid out as Linux's `create_elf_tables`:
//!
//! ```text
//! STACK_TOP → execfn string, platform string, 16 random bytes, argv and envp strings
//!             (padding to 16 bytes)
//!             auxv pairs … AT_NULL
//!             envp pointers … NULL
//!             argv pointers … NULL
//! sp →        argc
//! ```

use std::sync::{Arc, OnceLock};

use veil_abi::flags::auxv::*;
use veil_abi::Errno;
use veil_platform::Prot;

use super::elf::Loaded;
use super::LoadError;
use crate::kernel::Kernel;
use crate::mm::{MemoryManager, STACK_SIZE, STACK_TOP};

/// Most bytes of argument and environment strings (Linux allows a quarter of the
/// stack limit).
const MAX_ARG_BYTES: usize = (STACK_SIZE / 4) as usize;

/// The auxv values Veil passes through from the host: hardware capabilities and the
/// minimum signal stack size, which describe the CPU the guest really runs on.
fn host_auxv(key: u64) -> u64 {
    static AUXV: OnceLock<Vec<(u64, u64)>> = OnceLock::new();
    let auxv = AUXV.get_or_init(|| {
        let raw = std::fs::read("/proc/self/auxv").unwrap_or_default();
        raw.chunks_exact(16)
            .map(|c| {
                let k = u64::from_le_bytes(c[..8].try_into().unwrap_or_default());
                let v = u64::from_le_bytes(c[8..].try_into().unwrap_or_default());
                (k, v)
            })
            .collect()
    });
    auxv.iter().find(|(k, _)| *k == key).map_or(0, |(_, v)| *v)
}

/// Maps the stack and writes argv, envp and auxv; returns the initial stack pointer.
pub(crate) fn build(
    _kernel: &Arc<Kernel>,
    mm: &MemoryManager,
    loaded: &Loaded,
    execfn: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
) -> Result<u64, LoadError> {
    let strings: usize = argv.iter().chain(envp).map(|s| s.len() + 1).sum();
    if strings + execfn.len() > MAX_ARG_BYTES {
        return Err((Errno::E2BIG, "argument list too long".into()));
    }
    let fault = |e: Errno| (e, format!("cannot set up the stack: {e}"));
    let rw = Prot {
        read: true,
        write: true,
        execute: false,
    };
    mm.map_anonymous(
        STACK_TOP - STACK_SIZE,
        STACK_SIZE,
        rw,
        true,
        false,
        Some("[stack]"),
    )
    .map_err(fault)?;

    let mut sp = STACK_TOP - 8;
    let push_bytes = |bytes: &[u8], sp: &mut u64| -> Result<u64, LoadError> {
        *sp -= bytes.len() as u64 + 1;
        mm.copy_out(*sp, bytes).map_err(fault)?;
        mm.copy_out(*sp + bytes.len() as u64, &[0]).map_err(fault)?;
        Ok(*sp)
    };
    let execfn_addr = push_bytes(execfn, &mut sp)?;
    let platform_addr = push_bytes(b"x86_64", &mut sp)?;
    let mut random = [0u8; 16];
    getrandom_host(&mut random);
    sp -= 16;
    mm.copy_out(sp, &random).map_err(fault)?;
    let random_addr = sp;
    let env_end = sp;
    let mut env_ptrs = Vec::with_capacity(envp.len());
    for s in envp.iter().rev() {
        env_ptrs.push(push_bytes(s, &mut sp)?);
    }
    env_ptrs.reverse();
    let (env_start, arg_end) = (sp, sp);
    let mut arg_ptrs = Vec::with_capacity(argv.len());
    for s in argv.iter().rev() {
        arg_ptrs.push(push_bytes(s, &mut sp)?);
    }
    arg_ptrs.reverse();
    mm.set_arg_env((sp, arg_end), (env_start, env_end));

    let (uid, gid) = (
        nix::unistd::getuid().as_raw() as u64,
        nix::unistd::getgid().as_raw() as u64,
    );
    let (euid, egid) = (
        nix::unistd::geteuid().as_raw() as u64,
        nix::unistd::getegid().as_raw() as u64,
    );
    let auxv: [(u64, u64); 19] = [
        (AT_SYSINFO_EHDR, 0),
        (AT_MINSIGSTKSZ, host_auxv(AT_MINSIGSTKSZ).max(2048)),
        (AT_HWCAP, host_auxv(AT_HWCAP)),
        (AT_PAGESZ, 4096),
        (AT_CLKTCK, 100),
        (AT_PHDR, loaded.phdr),
        (AT_PHENT, 56),
        (AT_PHNUM, loaded.phnum),
        (AT_BASE, loaded.interp_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, loaded.entry),
        (AT_UID, uid),
        (AT_EUID, euid),
        (AT_GID, gid),
        (AT_EGID, egid),
        (AT_SECURE, 0),
        (AT_RANDOM, random_addr),
        (AT_HWCAP2, host_auxv(AT_HWCAP2)),
        (AT_EXECFN, execfn_addr),
    ];
    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend(&arg_ptrs);
    words.push(0);
    words.extend(&env_ptrs);
    words.push(0);
    // No vDSO yet: leave AT_SYSINFO_EHDR out entirely rather than pass 0.
    for &(k, v) in auxv.iter().filter(|(k, _)| *k != AT_SYSINFO_EHDR) {
        words.push(k);
        words.push(v);
    }
    words.push(AT_PLATFORM);
    words.push(platform_addr);
    words.push(AT_NULL);
    words.push(0);
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let start = (sp - bytes.len() as u64) & !15;
    mm.copy_out(start, &bytes).map_err(fault)?;
    Ok(start)
}

/// Fills `buf` from the host's random source.
pub(crate) fn getrandom_host(buf: &mut [u8]) {
    use std::io::Read;
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(buf);
    }
}
