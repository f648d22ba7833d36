//! Timestamps: the current time and Linux's `relatime` rule.

use std::time::{SystemTime, UNIX_EPOCH};

use veil_abi::structs::Timespec;

/// The current `CLOCK_REALTIME`.
pub(super) fn now() -> Timespec {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => Timespec {
            tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(d.subsec_nanos()),
        },
        // Before 1970: the negative distance, normalised so that 0 <= nsec < 1e9.
        Err(e) => {
            let d = e.duration();
            let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            match d.subsec_nanos() {
                0 => Timespec {
                    tv_sec: -secs,
                    tv_nsec: 0,
                },
                n => Timespec {
                    tv_sec: -secs - 1,
                    tv_nsec: 1_000_000_000 - i64::from(n),
                },
            }
        }
    }
}

/// A day in seconds: `relatime` refreshes an atime at least this often.
const RELATIME_PERIOD: i64 = 24 * 60 * 60;

/// Whether an access at `now` updates `atime`, under Linux's default `relatime`
/// (`relatime_need_update` in `fs/inode.c`): when the last access is not newer than the
/// last modification or change, or is a day old.
pub(super) fn relatime_due(
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
    now: Timespec,
) -> bool {
    let key = |t: Timespec| (t.tv_sec, t.tv_nsec);
    key(atime) <= key(mtime)
        || key(atime) <= key(ctime)
        || now.tv_sec.saturating_sub(atime.tv_sec) >= RELATIME_PERIOD
}
