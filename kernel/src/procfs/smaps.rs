//! `/proc/<pid>/smaps` and `smaps_rollup`: each mapping's `maps` line followed by its
//! memory figures, in the order and format of Linux's `show_smap`.
//!
//! `Rss` counts the pages whose memory-file page is resident (`mincore`); the sentry
//! keeps no dirty, referenced or proportional-share accounting, so resident pages count
//! as private dirty (anonymous memory, a private mapping's pages) or shared dirty (a
//! shared mapping), referenced, and `Pss` equals `Rss`. Huge pages, swap and KSM are 0.

use std::io::Write as _;

use super::maps::{format_region, Region};

/// One mapping's figures, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SmapsFigures {
    /// The mapping's size.
    pub size: u64,
    /// Resident bytes.
    pub rss: u64,
    /// Whether it is a shared mapping (its resident pages count as shared).
    pub shared: bool,
    /// Whether it is anonymous memory (`Anonymous`).
    pub anonymous: bool,
    /// Locked bytes (`Locked`).
    pub locked: u64,
}

fn kb_line(o: &mut Vec<u8>, label: &str, bytes: u64) {
    let _ = writeln!(o, "{:<16}{:>8} kB", format!("{label}:"), bytes / 1024);
}

/// The figure lines of one mapping (or of the rollup), after its header line.
fn figures(o: &mut Vec<u8>, f: &SmapsFigures, with_size: bool) {
    if with_size {
        kb_line(o, "Size", f.size);
        kb_line(o, "KernelPageSize", 4096);
        kb_line(o, "MMUPageSize", 4096);
    }
    let (shared, private) = if f.shared { (f.rss, 0) } else { (0, f.rss) };
    for (label, bytes) in [
        ("Rss", f.rss),
        ("Pss", f.rss),
        ("Pss_Dirty", f.rss),
        ("Shared_Clean", 0),
        ("Shared_Dirty", shared),
        ("Private_Clean", 0),
        ("Private_Dirty", private),
        ("Referenced", f.rss),
        ("Anonymous", if f.anonymous { f.rss } else { 0 }),
        ("KSM", 0),
        ("LazyFree", 0),
        ("AnonHugePages", 0),
        ("ShmemPmdMapped", 0),
        ("FilePmdMapped", 0),
        ("Shared_Hugetlb", 0),
        ("Private_Hugetlb", 0),
        ("Swap", 0),
        ("SwapPss", 0),
        ("Locked", f.locked),
    ] {
        kb_line(o, label, bytes);
    }
}

/// `VmFlags` of a region, as Linux's two-letter codes.
fn vm_flags(r: &Region) -> String {
    let mut flags = Vec::new();
    for (on, code) in [
        (r.read, "rd"),
        (r.write, "wr"),
        (r.exec, "ex"),
        (r.shared, "sh"),
        (true, "mr"),
        (true, "mw"),
        (true, "me"),
        (r.shared, "ms"),
        (r.name == b"[stack]", "gd"),
        (r.locked, "lo"),
        (!r.shared, "ac"),
    ] {
        if on {
            flags.push(code);
        }
    }
    flags.join(" ")
}

/// The whole `smaps` file: each region with its figures.
pub fn format_smaps(regions: &[(Region, SmapsFigures)]) -> Vec<u8> {
    let mut o = Vec::new();
    for (r, f) in regions {
        o.extend(format_region(r));
        figures(&mut o, f, true);
        let _ = writeln!(o, "THPeligible:    0");
        let _ = writeln!(o, "VmFlags: {} ", vm_flags(r));
    }
    o
}

/// `smaps_rollup`: one header spanning every mapping, then the sums.
pub fn format_rollup(regions: &[(Region, SmapsFigures)]) -> Vec<u8> {
    let mut o = Vec::new();
    let (start, end) = match (regions.first(), regions.last()) {
        (Some(a), Some(b)) => (a.0.start, b.0.end),
        _ => (0, 0),
    };
    let _ = writeln!(
        o,
        "{start:08x}-{end:08x} ---p 00000000 00:00 0{:>27}[rollup]",
        ""
    );
    let mut sum = SmapsFigures::default();
    let mut shared_rss = 0;
    for (_, f) in regions {
        sum.rss += f.rss;
        sum.locked += f.locked;
        if f.shared {
            shared_rss += f.rss;
        }
        if f.anonymous {
            sum.size += f.rss; // anonymous resident bytes, for the Anonymous line
        }
    }
    let anonymous = sum.size;
    let private = sum.rss - shared_rss;
    for (label, bytes) in [
        ("Rss", sum.rss),
        ("Pss", sum.rss),
        ("Pss_Dirty", sum.rss),
        ("Pss_Anon", anonymous),
        ("Pss_File", sum.rss - anonymous),
        ("Pss_Shmem", 0),
        ("Shared_Clean", 0),
        ("Shared_Dirty", shared_rss),
        ("Private_Clean", 0),
        ("Private_Dirty", private),
        ("Referenced", sum.rss),
        ("Anonymous", anonymous),
        ("KSM", 0),
        ("LazyFree", 0),
        ("AnonHugePages", 0),
        ("ShmemPmdMapped", 0),
        ("FilePmdMapped", 0),
        ("Shared_Hugetlb", 0),
        ("Private_Hugetlb", 0),
        ("Swap", 0),
        ("SwapPss", 0),
        ("Locked", sum.locked),
    ] {
        kb_line(&mut o, label, bytes);
    }
    o
}
