//! ELF images: `ET_EXEC`, `ET_DYN` (PIE and static-PIE) and the `PT_INTERP` loader.
//! Parsing uses the `object` crate; any malformed or truncated file is `ENOEXEC`.

use std::sync::Arc;

use object::elf::{
    FileHeader64, ProgramHeader64, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR,
};
use object::read::elf::{FileHeader, ProgramHeader};
use object::LittleEndian as LE;
use veil_abi::{page_down, page_up, Errno};
use veil_platform::Prot;
use veil_vfs::FileOps;

use crate::fs_context::FsContext;

use super::LoadError;
use crate::kernel::Kernel;
use crate::mm::MemoryManager;

/// Where a position-independent main program is placed (Linux's `ELF_ET_DYN_BASE`).
const DYN_BASE: u64 = 0x5555_5555_4000;
/// Largest image file the loader reads.
const MAX_IMAGE: u64 = 1 << 32;

/// What the stack builder needs to know about a loaded program.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// Where execution starts (interpreter entry if any).
    pub start: u64,
    /// The program's own entry (`AT_ENTRY`).
    pub entry: u64,
    /// Address of the program headers in guest memory (`AT_PHDR`).
    pub phdr: u64,
    /// Number of program headers (`AT_PHNUM`).
    pub phnum: u64,
    /// Interpreter base (`AT_BASE`), 0 without one.
    pub interp_base: u64,
}

fn noexec(why: impl Into<String>) -> LoadError {
    (Errno::ENOEXEC, format!("exec format error: {}", why.into()))
}

/// One parsed image: its header values and loadable segments.
struct Parsed {
    kind: u16,
    entry: u64,
    phoff: u64,
    phnum: u64,
    segments: Vec<ProgramHeader64<LE>>,
    interp: Option<Vec<u8>>,
    phdr_vaddr: Option<u64>,
}

fn parse(file: &dyn FileOps, head: &[u8]) -> Result<Parsed, LoadError> {
    let header = FileHeader64::<LE>::parse(head)
        .map_err(|_| noexec("not an ELF file or truncated header"))?;
    if !header.is_class_64() || !header.is_little_endian() {
        return Err(noexec("not a 64-bit little-endian ELF file"));
    }
    let e = LE;
    if header.e_machine(e) != object::elf::EM_X86_64 {
        return Err(noexec("not an x86-64 program"));
    }
    let kind = header.e_type(e);
    if kind != ET_EXEC && kind != ET_DYN {
        return Err(noexec("not an executable or shared object"));
    }
    let phoff = header.e_phoff(e);
    let phnum = u64::from(header.e_phnum(e));
    let phentsize = u64::from(header.e_phentsize(e));
    if phentsize != std::mem::size_of::<ProgramHeader64<LE>>() as u64 || phnum == 0 || phnum > 512 {
        return Err(noexec("bad program header table"));
    }
    let table_len = phnum * phentsize;
    let mut table = vec![0u8; table_len as usize];
    let n = file
        .pread(&mut table, phoff)
        .map_err(|e| (e, format!("cannot read: {e}")))?;
    if n != table.len() {
        return Err(noexec("truncated program header table"));
    }
    let phdrs: &[ProgramHeader64<LE>] = object::pod::slice_from_all_bytes(&table)
        .map_err(|_| noexec("bad program header table"))?;
    let mut interp = None;
    let mut phdr_vaddr = None;
    let mut segments = Vec::new();
    for ph in phdrs {
        match ph.p_type(e) {
            PT_LOAD => {
                let (vaddr, memsz, filesz, off) =
                    (ph.p_vaddr(e), ph.p_memsz(e), ph.p_filesz(e), ph.p_offset(e));
                if filesz > memsz
                    || vaddr.checked_add(memsz).is_none()
                    || off.checked_add(filesz).is_none_or(|end| end > MAX_IMAGE)
                    || vaddr % 4096 != off % 4096
                {
                    return Err(noexec("bad PT_LOAD segment"));
                }
                segments.push(*ph);
            }
            PT_INTERP => {
                let len = ph.p_filesz(e);
                if !(2..=4096).contains(&len) {
                    return Err(noexec("bad PT_INTERP"));
                }
                let mut buf = vec![0u8; len as usize];
                let n = file
                    .pread(&mut buf, ph.p_offset(e))
                    .map_err(|e| (e, format!("cannot read: {e}")))?;
                if n != buf.len() || buf.last() != Some(&0) {
                    return Err(noexec("truncated PT_INTERP"));
                }
                buf.pop();
                interp = Some(buf);
            }
            PT_PHDR => phdr_vaddr = Some(ph.p_vaddr(e)),
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err(noexec("no loadable segments"));
    }
    Ok(Parsed {
        kind,
        entry: header.e_entry(e),
        phoff,
        phnum,
        segments,
        interp,
        phdr_vaddr,
    })
}

/// Maps the segments of `p` at `bias` (or, for `ET_DYN` with `bias == None`, wherever
/// the memory manager finds room). Returns the bias used and the end of the image.
fn map_segments(
    mm: &MemoryManager,
    file: &dyn FileOps,
    p: &Parsed,
    bias: Option<u64>,
) -> Result<(u64, u64), LoadError> {
    let e = LE;
    let lo = p
        .segments
        .iter()
        .map(|s| page_down(s.p_vaddr(e)))
        .min()
        .unwrap_or(0);
    let hi = p
        .segments
        .iter()
        .map(|s| page_up(s.p_vaddr(e) + s.p_memsz(e)).unwrap_or(u64::MAX))
        .max()
        .unwrap_or(0);
    if hi <= lo || hi - lo > MAX_IMAGE {
        return Err(noexec("bad segment layout"));
    }
    // The whole image must land below the top of guest memory.
    let fits = |b: u64| {
        b.checked_add(hi)
            .is_some_and(|end| end <= veil_platform::MAX_USER_ADDRESS)
    };
    if !fits(bias.unwrap_or(0)) {
        return Err(noexec("segments outside the address space"));
    }
    let span = hi - lo;
    let rw = Prot {
        read: true,
        write: true,
        execute: false,
    };
    let map_err = |e: Errno| (e, format!("cannot map the program: {e}"));
    let bias = match (p.kind, bias) {
        (ET_EXEC, _) => {
            mm.map_anonymous(lo, span, rw, false, true, None)
                .map_err(map_err)?;
            0
        }
        (_, Some(b)) => {
            mm.map_anonymous(b + lo, span, rw, false, true, None)
                .map_err(map_err)?;
            b
        }
        (_, None) => {
            mm.map_anonymous(0, span, rw, false, false, None)
                .map_err(map_err)?
                - lo
        }
    };
    let mut buf = Vec::new();
    for s in &p.segments {
        let filesz = s.p_filesz(e) as usize;
        buf.resize(filesz, 0);
        let n = file
            .pread(&mut buf, s.p_offset(e))
            .map_err(|e| (e, format!("cannot read: {e}")))?;
        if n != filesz {
            return Err(noexec("truncated segment"));
        }
        mm.poke(bias + s.p_vaddr(e), &buf).map_err(map_err)?;
    }
    // Protections last, in segment order, as Linux maps them.
    let mut covered = Vec::new();
    for s in &p.segments {
        let flags = s.p_flags(e);
        let prot = Prot {
            read: flags & PF_R != 0,
            write: flags & PF_W != 0,
            execute: flags & PF_X != 0,
        };
        let start = page_down(bias + s.p_vaddr(e));
        let end = page_up(bias + s.p_vaddr(e) + s.p_memsz(e)).unwrap_or(u64::MAX);
        mm.protect(start, end - start, prot).map_err(map_err)?;
        covered.push((start, end));
    }
    // Holes between segments are not part of the image.
    covered.sort_unstable();
    let mut cursor = bias + lo;
    for (s, e) in covered {
        if s > cursor {
            mm.unmap(cursor, s - cursor).map_err(map_err)?;
        }
        cursor = cursor.max(e);
    }
    Ok((bias, bias + hi))
}

/// Loads the ELF program `file` (whose first bytes are `head`) and its interpreter.
pub(crate) fn load_elf(
    kernel: &Arc<Kernel>,
    mm: &Arc<MemoryManager>,
    fs: &FsContext,
    file: &dyn FileOps,
    head: &[u8],
) -> Result<Loaded, LoadError> {
    let p = parse(file, head)?;
    let main_bias = if p.kind == ET_DYN {
        Some(DYN_BASE)
    } else {
        None
    };
    let (bias, end) = map_segments(mm, file, &p, main_bias)?;
    mm.set_brk_start(end);
    let e = LE;
    // AT_PHDR: PT_PHDR if present, else the loaded bytes that hold the table.
    let phdr = match p.phdr_vaddr {
        Some(v) => bias + v,
        None => p
            .segments
            .iter()
            .find(|s| s.p_offset(e) <= p.phoff && p.phoff < s.p_offset(e) + s.p_filesz(e))
            .map(|s| bias + s.p_vaddr(e) + (p.phoff - s.p_offset(e)))
            .unwrap_or(0),
    };
    let entry = bias + p.entry;
    let mut loaded = Loaded {
        start: entry,
        entry,
        phdr,
        phnum: p.phnum,
        interp_base: 0,
    };
    if let Some(interp_path) = &p.interp {
        let shown = String::from_utf8_lossy(interp_path).into_owned();
        let (ifile, _) =
            super::open_executable(kernel, fs, interp_path, false).map_err(|(e, _)| {
                (
                    e,
                    format!("cannot open the program interpreter {shown}: {e}"),
                )
            })?;
        let mut ihead = vec![0u8; 4096];
        let n = ifile
            .pread(&mut ihead, 0)
            .map_err(|e| (e, format!("cannot read {shown}: {e}")))?;
        ihead.truncate(n);
        let ip = parse(ifile.as_ref(), &ihead)?;
        if ip.kind != ET_DYN || ip.interp.is_some() {
            return Err(noexec(format!("bad program interpreter {shown}")));
        }
        let (ibias, _) = map_segments(mm, ifile.as_ref(), &ip, None)?;
        loaded.interp_base = ibias;
        loaded.start = ibias + ip.entry;
    }
    Ok(loaded)
}
