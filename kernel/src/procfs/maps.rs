//! `/proc/<pid>/maps` and the memory figures derived from the VMAs (`VmSize`,
//! `VmData`... of `status`, the sizes of `stat` and `statm`).

use std::io::Write as _;

use veil_abi::PAGE_SIZE;

use crate::mm::Vma;

/// One line of `maps`: a mapping as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Region {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
    /// Shared (`s`) rather than private (`p`).
    pub shared: bool,
    /// Offset in the mapped file (0 for anonymous memory).
    pub offset: u64,
    /// Device of the mapped file (major, minor).
    pub dev: (u32, u32),
    /// Inode of the mapped file (0 for anonymous memory).
    pub inode: u64,
    /// The path of the mapped file or a label (`[heap]`, `[stack]`); empty if none.
    pub name: Vec<u8>,
    /// Locked by `mlock` (`VmLck`).
    pub locked: bool,
}

impl Region {
    /// Length in bytes.
    pub fn bytes(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether it is the main thread's stack (Linux's `VM_STACK`).
    fn is_stack(&self) -> bool {
        self.name == b"[stack]"
    }
}

/// The regions of a memory manager's VMAs.
///
/// A file mapping shows its file offset and its path, `s` if shared (as does shared
/// anonymous memory) and `p` if private. A private mapping of a file with no pages to
/// map (a `/proc` file) is a copy that records no file, so it shows as anonymous
/// (offset 0) with the VMA's label, if any. No region shows its device and inode, which
/// the VMA does not keep. `Vma::offset` is an offset in the sentry's memory file and is
/// never shown.
pub fn regions_of(vmas: &[Vma]) -> Vec<Region> {
    vmas.iter()
        .map(|v| Region {
            start: v.start,
            end: v.end,
            read: v.prot.read,
            write: v.prot.write,
            exec: v.prot.execute,
            shared: v.is_shared_file(),
            offset: v
                .file
                .as_ref()
                .filter(|f| !f.is_snapshot())
                .map_or(0, |f| f.offset),
            dev: (0, 0),
            inode: 0,
            locked: v.locked,
            name: match &v.file {
                Some(f) if !f.is_snapshot() => f.path.as_bytes().to_vec(),
                _ => v.name.map(|n| n.as_bytes().to_vec()).unwrap_or_default(),
            },
        })
        .collect()
}

/// Column where Linux starts the name of a mapping: `show_vma_header_prefix` sets the
/// width to `25 + sizeof(void *) * 6 - 1` and `seq_pad` pads to it, then adds a space.
const NAME_COLUMN: usize = 25 + 8 * 6 - 1;

/// One `maps` line, with its newline, exactly as Linux's `show_map_vma`:
/// `start-end perms offset major:minor inode`, then, padded, the name. A line without a
/// name ends with the space after the inode, as on Linux.
pub fn format_region(r: &Region) -> Vec<u8> {
    let mut line = Vec::with_capacity(NAME_COLUMN + 1 + r.name.len() + 1);
    let _ = write!(
        line,
        "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
        r.start,
        r.end,
        if r.read { 'r' } else { '-' },
        if r.write { 'w' } else { '-' },
        if r.exec { 'x' } else { '-' },
        if r.shared { 's' } else { 'p' },
        r.offset,
        r.dev.0,
        r.dev.1,
        r.inode,
    );
    if !r.name.is_empty() {
        if line.len() < NAME_COLUMN {
            line.resize(NAME_COLUMN, b' ');
        }
        line.push(b' ');
        line.extend_from_slice(&r.name);
    }
    line.push(b'\n');
    line
}

/// The whole `maps` file.
pub fn format_maps(regions: &[Region]) -> Vec<u8> {
    regions.iter().flat_map(format_region).collect()
}

/// A process's memory figures, in bytes, as Linux's `task_mem` and `task_statm` compute
/// them from the mappings.
///
/// The sentry does not track which pages are resident (the memory file is sparse and
/// pages are installed lazily), so the resident size is the mapped size: `VmRSS`
/// equals `VmSize`, all of it anonymous. The same goes for the peaks (`VmPeak`,
/// `VmHWM`), which are the current sizes. The program's text cannot be told from a
/// library's, so every executable mapping counts as `VmExe` and `VmLib` is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmStats {
    /// Total mapped (`VmSize`, `stat`'s `vsize`).
    pub size: u64,
    /// Resident (`VmRSS`), equal to `size`.
    pub rss: u64,
    /// Private writable, non-stack (`VmData`, Linux's `data_vm`).
    pub data: u64,
    /// Stack (`VmStk`).
    pub stack: u64,
    /// Executable, non-writable, non-stack (`VmExe`, Linux's `exec_vm`).
    pub exec: u64,
    /// Locked (`VmLck`).
    pub locked: u64,
}

impl VmStats {
    /// The figures of `regions`.
    pub fn of(regions: &[Region]) -> VmStats {
        let mut s = VmStats::default();
        for r in regions {
            let len = r.bytes();
            s.size += len;
            if r.locked {
                s.locked += len;
            }
            if r.is_stack() {
                s.stack += len;
            } else if r.write && !r.shared {
                s.data += len;
            } else if r.exec && !r.write {
                s.exec += len;
            }
        }
        s.rss = s.size;
        s
    }
}

/// Bytes to whole kilobytes.
pub fn kb(bytes: u64) -> u64 {
    bytes / 1024
}

/// Bytes to whole pages.
pub fn pages(bytes: u64) -> u64 {
    bytes / PAGE_SIZE
}
