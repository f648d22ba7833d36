//! `/proc/meminfo`: the sandbox's memory is its memory file.
//!
//! `MemTotal` is the size of the memory file, capped by the host's RAM; `MemFree` is
//! what the guest has not allocated in it. Guest memory lives only in the memory file
//! (there is no page cache and no swap), so the cache and buffer figures are 0, all
//! used memory is anonymous, and `MemAvailable` equals `MemFree`.

use std::fmt::Write as _;

use veil_abi::Errno;

use crate::Kernel;

/// The sandbox's memory, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemInfo {
    /// Total memory.
    pub total: u64,
    /// Allocated by the guest (at most `total` is shown).
    pub used: u64,
}

/// One `meminfo` line as Linux's `show_val_kb`: the label padded to 16 columns, the
/// value in kB right-aligned in 8.
fn line(o: &mut String, label: &str, kb: u64) {
    let _ = writeln!(o, "{:<16}{kb:>8} kB", format!("{label}:"));
}

/// `meminfo` in the order of Linux 6.6's `meminfo_proc_show`.
pub fn format_meminfo(m: &MemInfo) -> Vec<u8> {
    let total = m.total / 1024;
    let used = m.used.min(m.total) / 1024;
    let free = total - used;
    let mut o = String::with_capacity(1600);
    for (label, kb) in [
        ("MemTotal", total),
        ("MemFree", free),
        ("MemAvailable", free),
        ("Buffers", 0),
        ("Cached", 0),
        ("SwapCached", 0),
        ("Active", used),
        ("Inactive", 0),
        ("Active(anon)", used),
        ("Inactive(anon)", 0),
        ("Active(file)", 0),
        ("Inactive(file)", 0),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Zswap", 0),
        ("Zswapped", 0),
        ("Dirty", 0),
        ("Writeback", 0),
        ("AnonPages", used),
        ("Mapped", 0),
        ("Shmem", 0),
        ("KReclaimable", 0),
        ("Slab", 0),
        ("SReclaimable", 0),
        ("SUnreclaim", 0),
        ("KernelStack", 0),
        ("PageTables", 0),
        ("SecPageTables", 0),
        ("NFS_Unstable", 0),
        ("Bounce", 0),
        ("WritebackTmp", 0),
        // No swap: the limit of overcommit mode 2 is half the memory.
        ("CommitLimit", total / 2),
        ("Committed_AS", used),
        ("VmallocTotal", 34_359_738_367),
        ("VmallocUsed", 0),
        ("VmallocChunk", 0),
        ("Percpu", 0),
        ("HardwareCorrupted", 0),
        ("AnonHugePages", 0),
        ("ShmemHugePages", 0),
        ("ShmemPmdMapped", 0),
        ("FileHugePages", 0),
        ("FilePmdMapped", 0),
    ] {
        line(&mut o, label, kb);
    }
    // `hugetlb_report_meminfo`: counts, not sizes, in a 5-wide column at 19.
    for label in [
        "HugePages_Total",
        "HugePages_Free",
        "HugePages_Rsvd",
        "HugePages_Surp",
    ] {
        let _ = writeln!(o, "{:<19}{:>5}", format!("{label}:"), 0);
    }
    line(&mut o, "Hugepagesize", 2048);
    line(&mut o, "Hugetlb", 0);
    o.into_bytes()
}

/// The host's RAM, if the host says.
fn host_ram() -> Option<u64> {
    nix::sys::sysinfo::sysinfo().ok().map(|s| s.ram_total())
}

/// The memory figures of `kernel`.
pub(super) fn gather(kernel: &Kernel) -> MemInfo {
    let file = kernel.memory.size();
    let total = host_ram().map_or(file, |ram| ram.min(file));
    MemInfo {
        total: kernel.config.memory_limit.map_or(total, |l| l.min(total)),
        used: kernel.memory.resident_bytes(),
    }
}

/// The `meminfo` file of `kernel`.
pub(super) fn generate(kernel: &Kernel) -> Result<Vec<u8>, Errno> {
    Ok(format_meminfo(&gather(kernel)))
}
