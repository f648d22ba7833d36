//! `fcntl(2)` record locks: `F_GETLK`, `F_SETLK`, `F_SETLKW` (owned by the process)
//! and `F_OFD_GETLK`, `F_OFD_SETLK`, `F_OFD_SETLKW` (owned by the open file
//! description).
//!
//! The lock table is `veil_vfs::record_lock`; this file decodes `struct flock`, resolves
//! its range against the file (Linux's `flock64_to_posix_lock`), checks the access
//! mode, and waits for the `*W` commands by polling with short interruptible sleeps,
//! as `flock` does. Linux: `fcntl_getlk` and `fcntl_setlk` in `fs/locks.c`.
//!
//! Release rules: a process's locks on an inode go when it closes any descriptor of
//! the inode ([`release_process_locks`], called by the descriptor table) and when it
//! exits ([`release_all_process_locks`]); OFD locks go with the last reference to the
//! description (`OpenFile`'s `Drop`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use veil_abi::flags::seek::{SEEK_CUR, SEEK_END, SEEK_SET};
use veil_abi::Errno;
use veil_vfs::record_lock::{
    self, Blocked, LockKind, LockOwner, LockRange, RecordLock, WaitTicket, OFFSET_MAX,
};
use veil_vfs::OpenFile;

use super::{SysResult, SyscallCtx};
use crate::task::BlockResult;

/// `F_GETLK`: the first lock in the way of the described one.
pub(super) const F_GETLK: u32 = 5;
/// `F_SETLK`: take or drop a process lock; `EAGAIN` on conflict.
pub(super) const F_SETLK: u32 = 6;
/// `F_SETLKW`: as `F_SETLK`, waiting for the range to be free.
pub(super) const F_SETLKW: u32 = 7;
/// `F_OFD_GETLK`: as `F_GETLK`, for the description's own locks.
pub(super) const F_OFD_GETLK: u32 = 36;
/// `F_OFD_SETLK`: take or drop a lock owned by the open file description.
pub(super) const F_OFD_SETLK: u32 = 37;
/// `F_OFD_SETLKW`: as `F_OFD_SETLK`, waiting for the range to be free.
pub(super) const F_OFD_SETLKW: u32 = 38;

/// `l_type` values.
const F_RDLCK: i16 = 0;
const F_WRLCK: i16 = 1;
const F_UNLCK: i16 = 2;

/// How often a blocked `F_SETLKW` looks again.
const LOCK_RETRY: Duration = Duration::from_millis(2);

/// `sizeof(struct flock)` on x86_64.
const FLOCK_SIZE: usize = 32;

/// `struct flock` (x86_64, the same as `struct flock64`):
/// `{ i16 l_type; i16 l_whence; /* pad */ i64 l_start; i64 l_len; i32 l_pid; /* pad */ }`.
/// Decoded field by field from the guest's bytes, and encoded back into them, so that
/// the padding the guest wrote is returned as it was (Linux copies the whole struct).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Flock {
    l_type: i16,
    l_whence: i16,
    l_start: i64,
    l_len: i64,
    l_pid: i32,
}

impl Flock {
    fn decode(b: &[u8; FLOCK_SIZE]) -> Flock {
        let i16_at = |o: usize| i16::from_le_bytes([b[o], b[o + 1]]);
        let i32_at = |o: usize| i32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let i64_at = |o: usize| {
            let mut v = [0u8; 8];
            v.copy_from_slice(&b[o..o + 8]);
            i64::from_le_bytes(v)
        };
        Flock {
            l_type: i16_at(0),
            l_whence: i16_at(2),
            l_start: i64_at(8),
            l_len: i64_at(16),
            l_pid: i32_at(24),
        }
    }

    fn encode(&self, b: &mut [u8; FLOCK_SIZE]) {
        b[0..2].copy_from_slice(&self.l_type.to_le_bytes());
        b[2..4].copy_from_slice(&self.l_whence.to_le_bytes());
        b[8..16].copy_from_slice(&self.l_start.to_le_bytes());
        b[16..24].copy_from_slice(&self.l_len.to_le_bytes());
        b[24..28].copy_from_slice(&self.l_pid.to_le_bytes());
    }

    /// Describes `lock` as `F_GETLK` reports it (`SEEK_SET`, length 0 for a range to
    /// the end of the file).
    fn report(&mut self, lock: &RecordLock) {
        self.l_type = match lock.kind {
            LockKind::Read => F_RDLCK,
            LockKind::Write => F_WRLCK,
        };
        self.l_whence = SEEK_SET as i16;
        self.l_start = lock.range.start() as i64;
        self.l_len = lock.range.l_len() as i64;
        self.l_pid = lock.pid();
    }
}

/// The lock type `l_type` asks for: `None` for `F_UNLCK`; `EINVAL` for anything else.
fn lock_kind(l_type: i16) -> Result<Option<LockKind>, Errno> {
    match l_type {
        F_RDLCK => Ok(Some(LockKind::Read)),
        F_WRLCK => Ok(Some(LockKind::Write)),
        F_UNLCK => Ok(None),
        _ => Err(Errno::EINVAL),
    }
}

/// The byte range of `l_start`/`l_len` taken from `base` (the offset `l_whence` names):
/// `l_len > 0` is `l_len` bytes from the start, `l_len < 0` the `-l_len` bytes before
/// it, and 0 everything from the start on. `EINVAL` for a range starting before 0,
/// `EOVERFLOW` past `OFFSET_MAX`. Linux: `flock64_to_posix_lock`.
fn resolve_range(base: i64, l_start: i64, l_len: i64) -> Result<LockRange, Errno> {
    debug_assert!(base >= 0);
    if l_start > i64::MAX - base {
        return Err(Errno::EOVERFLOW);
    }
    // Cannot overflow: base >= 0 and l_start <= i64::MAX - base.
    let start = base + l_start;
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    let (start, end) = match l_len {
        0 => (start, OFFSET_MAX as i64),
        n if n > 0 => {
            if n - 1 > i64::MAX - start {
                return Err(Errno::EOVERFLOW);
            }
            (start, start + (n - 1))
        }
        // start >= 0, so start + n cannot overflow.
        n if start + n < 0 => return Err(Errno::EINVAL),
        n => (start + n, start - 1),
    };
    // Never empty: with n < 0, start + n >= 0 means start + n <= start - 1.
    LockRange::new(start as u64, end as u64).ok_or(Errno::EINVAL)
}

/// The offset `l_whence` names for `file`: 0, the file position (0 for a file without
/// one, as Linux's `f_pos` of a pipe), or the file size. `EINVAL` for another whence.
fn whence_base(file: &OpenFile, whence: i16) -> Result<i64, Errno> {
    match u32::try_from(whence) {
        Ok(SEEK_SET) => Ok(0),
        Ok(SEEK_CUR) => Ok(file
            .ops
            .seek(0, SEEK_CUR)
            .map_or(0, |p| i64::try_from(p).unwrap_or(i64::MAX))),
        Ok(SEEK_END) => Ok(file.ops.stat()?.st_size.max(0)),
        _ => Err(Errno::EINVAL),
    }
}

/// `fcntl(fd, cmd, arg)` for the record-lock commands ([`F_GETLK`], [`F_SETLK`],
/// [`F_SETLKW`], [`F_OFD_GETLK`], [`F_OFD_SETLK`], [`F_OFD_SETLKW`]); `arg` points to a
/// `struct flock`.
pub(super) fn fcntl_lock(sc: &mut SyscallCtx<'_>, fd: i32, cmd: u32, arg: u64) -> SysResult {
    let file = sc.task.files.get(fd)?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    let mut raw = [0u8; FLOCK_SIZE];
    sc.task.mm().copy_in(arg, &mut raw)?;
    let mut fl = Flock::decode(&raw);
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    let owner = if ofd {
        LockOwner::of_file(&file)
    } else {
        LockOwner::Process(sc.task.tg.tgid)
    };
    let key = record_lock::file_key(&file);
    match cmd {
        F_GETLK | F_OFD_GETLK => {
            if cmd == F_GETLK && !matches!(fl.l_type, F_RDLCK | F_WRLCK) {
                return Err(Errno::EINVAL);
            }
            let range = resolve_range(whence_base(&file, fl.l_whence)?, fl.l_start, fl.l_len)?;
            let kind = lock_kind(fl.l_type)?;
            if ofd && fl.l_pid != 0 {
                return Err(Errno::EINVAL);
            }
            let found = match kind {
                Some(kind) => record_lock::test_lock(key, owner, kind, range),
                // F_OFD_GETLK with F_UNLCK: the description's own lock (Linux 6.6).
                None => record_lock::own_lock(key, owner, range),
            };
            match found {
                Some(lock) => fl.report(&lock),
                None => fl.l_type = F_UNLCK,
            }
            fl.encode(&mut raw);
            sc.task.mm().copy_out(arg, &raw)?;
            Ok(0)
        }
        F_SETLK | F_SETLKW | F_OFD_SETLK | F_OFD_SETLKW => {
            let range = resolve_range(whence_base(&file, fl.l_whence)?, fl.l_start, fl.l_len)?;
            let kind = lock_kind(fl.l_type)?;
            match kind {
                Some(LockKind::Read) if !file.readable() => return Err(Errno::EBADF),
                Some(LockKind::Write) if !file.writable() => return Err(Errno::EBADF),
                _ => {}
            }
            if ofd && fl.l_pid != 0 {
                return Err(Errno::EINVAL);
            }
            let Some(kind) = kind else {
                record_lock::unlock(key, owner, range);
                return Ok(0);
            };
            let wait = matches!(cmd, F_SETLKW | F_OFD_SETLKW);
            set_lock(sc, key, owner, kind, range, wait)?;
            if !ofd && !still_open(sc, fd, &file) {
                // Closed by another thread while we locked: the close released the
                // process's locks before ours landed, so undo it (Linux does the same).
                record_lock::unlock(key, owner, range);
                return Err(Errno::EBADF);
            }
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// Whether descriptor `fd` still refers to `file`.
fn still_open(sc: &SyscallCtx<'_>, fd: i32, file: &Arc<OpenFile>) -> bool {
    sc.task.files.get(fd).is_ok_and(|f| Arc::ptr_eq(&f, file))
}

/// Takes `kind` over `range` on inode `key` for `owner`: at once (`EAGAIN` if another
/// owner's lock is in the way) or, with `wait`, once the range is free (`EDEADLK` if
/// the wait would never end, `ERESTARTSYS` when interrupted).
fn set_lock(
    sc: &SyscallCtx<'_>,
    key: usize,
    owner: LockOwner,
    kind: LockKind,
    range: LockRange,
    wait: bool,
) -> Result<(), Errno> {
    if !wait {
        return record_lock::try_lock(key, owner, kind, range).map_err(|_| Errno::EAGAIN);
    }
    let ticket = WaitTicket::new();
    loop {
        match record_lock::lock_or_wait(&ticket, key, owner, kind, range) {
            Ok(()) => return Ok(()),
            Err(Blocked::Deadlock) => return Err(Errno::EDEADLK),
            Err(Blocked::Conflict(_)) => {
                if sc.task.sleep_until(Instant::now() + LOCK_RETRY) == BlockResult::Interrupted {
                    return Err(crate::signal::ERESTARTSYS);
                }
            }
        }
    }
}

/// POSIX's close rule: process `tgid` closed a descriptor of inode `inode_key` (see
/// `veil_vfs::record_lock::file_key`), so all its record locks on that inode go, even
/// those taken through other descriptors.
pub(crate) fn release_process_locks(tgid: i32, inode_key: usize) {
    record_lock::release(inode_key, LockOwner::Process(tgid));
}

/// Process `tgid` exited: all its record locks go.
pub(crate) fn release_all_process_locks(tgid: i32) {
    record_lock::release_owner(LockOwner::Process(tgid));
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: i64 = i64::MAX;

    fn range(base: i64, start: i64, len: i64) -> Result<(u64, u64), Errno> {
        resolve_range(base, start, len).map(|r| (r.start(), r.end()))
    }

    #[test]
    fn flock_layout_round_trips_and_keeps_padding() {
        let mut raw = [0xaau8; FLOCK_SIZE];
        let fl = Flock {
            l_type: F_WRLCK,
            l_whence: SEEK_END as i16,
            l_start: -5,
            l_len: 1 << 40,
            l_pid: 1234,
        };
        fl.encode(&mut raw);
        assert_eq!(Flock::decode(&raw), fl);
        assert_eq!(&raw[0..2], &[1, 0]);
        assert_eq!(&raw[2..4], &[2, 0]);
        assert_eq!(&raw[4..8], &[0xaa; 4], "padding kept");
        assert_eq!(&raw[8..16], &(-5i64).to_le_bytes());
        assert_eq!(&raw[24..28], &1234i32.to_le_bytes());
        assert_eq!(&raw[28..32], &[0xaa; 4], "padding kept");
    }

    #[test]
    fn lock_types() {
        assert_eq!(lock_kind(0), Ok(Some(LockKind::Read)));
        assert_eq!(lock_kind(1), Ok(Some(LockKind::Write)));
        assert_eq!(lock_kind(2), Ok(None));
        assert_eq!(lock_kind(3), Err(Errno::EINVAL));
        assert_eq!(lock_kind(-1), Err(Errno::EINVAL));
    }

    #[test]
    fn positive_zero_and_negative_lengths() {
        assert_eq!(range(0, 10, 5), Ok((10, 14)));
        assert_eq!(range(0, 10, 1), Ok((10, 10)));
        assert_eq!(range(0, 10, 0), Ok((10, OFFSET_MAX)));
        assert_eq!(range(0, 10, -5), Ok((5, 9)), "the bytes before l_start");
        assert_eq!(range(0, 10, -10), Ok((0, 9)));
        assert_eq!(range(0, 10, -11), Err(Errno::EINVAL));
        assert_eq!(range(0, 0, -1), Err(Errno::EINVAL));
        assert_eq!(range(0, 5, i64::MIN), Err(Errno::EINVAL));
    }

    #[test]
    fn whence_base_is_added_and_negative_starts_fail() {
        assert_eq!(range(100, -100, 0), Ok((0, OFFSET_MAX)));
        assert_eq!(range(100, -40, 10), Ok((60, 69)));
        assert_eq!(range(100, -101, 0), Err(Errno::EINVAL));
        assert_eq!(range(0, -1, 1), Err(Errno::EINVAL));
        assert_eq!(range(0, i64::MIN, 0), Err(Errno::EINVAL));
        assert_eq!(range(MAX, i64::MIN, 0), Err(Errno::EINVAL));
    }

    #[test]
    fn offsets_past_offset_max_overflow() {
        assert_eq!(range(0, MAX, 1), Ok((OFFSET_MAX, OFFSET_MAX)));
        assert_eq!(range(0, MAX, 0), Ok((OFFSET_MAX, OFFSET_MAX)));
        assert_eq!(range(0, MAX, 2), Err(Errno::EOVERFLOW));
        assert_eq!(range(100, MAX, 0), Err(Errno::EOVERFLOW));
        assert_eq!(range(100, MAX - 100, 1), Ok((OFFSET_MAX, OFFSET_MAX)));
        assert_eq!(range(0, 1, MAX), Ok((1, OFFSET_MAX)));
        assert_eq!(range(0, 2, MAX), Err(Errno::EOVERFLOW));
    }
}
