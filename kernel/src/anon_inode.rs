//! What the sentry's anonymous-inode files (eventfd, pidfd, signalfd, timerfd,
//! inotify: Linux's `anon_inode:[...]`) show to `fstat`.

use veil_abi::structs::{Stat, Statx};

/// The `fstat` of an anonymous-inode file: mode 0600 with no file type bits, one
/// link, a 4 KiB block size, everything else 0.
pub fn stat() -> Stat {
    Stat {
        st_mode: 0o600,
        st_nlink: 1,
        st_blksize: 4096,
        ..Stat::default()
    }
}

/// [`stat`] as `statx` reports it.
pub fn statx() -> Statx {
    veil_vfs::host::stat_to_statx(&stat())
}
