//! `/proc/<pid>/limits`, as Linux's `proc_pid_limits`.

use std::fmt::Write as _;

use veil_abi::structs::Rlimit;
use veil_abi::Errno;

use super::subject::Subject;

/// `RLIM_INFINITY`.
const INFINITY: u64 = u64::MAX;

/// The name and unit of each limit, index `RLIMIT_*`.
const NAMES: [(&str, &str); 16] = [
    ("Max cpu time", "seconds"),
    ("Max file size", "bytes"),
    ("Max data size", "bytes"),
    ("Max stack size", "bytes"),
    ("Max core file size", "bytes"),
    ("Max resident set", "bytes"),
    ("Max processes", "processes"),
    ("Max open files", "files"),
    ("Max locked memory", "bytes"),
    ("Max address space", "bytes"),
    ("Max file locks", "locks"),
    ("Max pending signals", "signals"),
    ("Max msgqueue size", "bytes"),
    ("Max nice priority", ""),
    ("Max realtime priority", ""),
    ("Max realtime timeout", "us"),
];

/// The `limits` table of `rlimits` (index `RLIMIT_*`).
pub fn format_limits(rlimits: &[Rlimit; 16]) -> Vec<u8> {
    let value = |v: u64| {
        if v == INFINITY {
            "unlimited".to_owned()
        } else {
            v.to_string()
        }
    };
    let mut o = format!(
        "{:<25} {:<20} {:<20} {:<10}\n",
        "Limit", "Soft Limit", "Hard Limit", "Units"
    );
    for ((name, unit), limit) in NAMES.iter().zip(rlimits) {
        let _ = write!(
            o,
            "{name:<25} {:<20} {:<20} ",
            value(limit.cur),
            value(limit.max)
        );
        if unit.is_empty() {
            o.push('\n');
        } else {
            let _ = writeln!(o, "{unit:<10}");
        }
    }
    o.into_bytes()
}

/// The `limits` file of `subject`.
pub(super) fn generate(subject: &Subject) -> Result<Vec<u8>, Errno> {
    let tg = subject.thread_group()?;
    let rlimits = *tg.rlimits.lock();
    Ok(format_limits(&rlimits))
}
