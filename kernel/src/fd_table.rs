//! A process's file descriptor table.

use std::sync::Arc;

use parking_lot::Mutex;
use veil_abi::Errno;
use veil_vfs::OpenFile;

/// One slot of the table.
#[derive(Clone)]
struct Slot {
    file: Arc<OpenFile>,
    cloexec: bool,
}

/// The descriptor table, shared between threads (and `CLONE_FILES` processes).
/// The mutex is a leaf lock.
#[derive(Default)]
pub struct FdTable {
    slots: Mutex<Vec<Option<Slot>>>,
}

impl FdTable {
    /// An empty table.
    pub fn new() -> FdTable {
        FdTable::default()
    }

    /// The open file at `fd`, or `EBADF`.
    pub fn get(&self, fd: i32) -> Result<Arc<OpenFile>, Errno> {
        let slots = self.slots.lock();
        usize::try_from(fd)
            .ok()
            .and_then(|i| slots.get(i))
            .and_then(|s| s.as_ref())
            .map(|s| s.file.clone())
            .ok_or(Errno::EBADF)
    }

    /// Installs `file` at the lowest free descriptor `>= min`, below `limit`
    /// (`RLIMIT_NOFILE`), else `EMFILE`.
    pub fn install(
        &self,
        file: Arc<OpenFile>,
        cloexec: bool,
        min: i32,
        limit: u64,
    ) -> Result<i32, Errno> {
        let mut slots = self.slots.lock();
        let min = usize::try_from(min).map_err(|_| Errno::EINVAL)?;
        let free = (min..)
            .find(|&i| slots.get(i).is_none_or(|s| s.is_none()))
            .unwrap_or(min);
        if free as u64 >= limit {
            return Err(Errno::EMFILE);
        }
        if free >= slots.len() {
            slots.resize(free + 1, None);
        }
        slots[free] = Some(Slot { file, cloexec });
        Ok(free as i32)
    }

    /// Installs `file` at exactly `fd`, closing what was there (`dup2`/`dup3`).
    pub fn install_at(
        &self,
        fd: i32,
        file: Arc<OpenFile>,
        cloexec: bool,
        limit: u64,
    ) -> Result<(), Errno> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        if i as u64 >= limit {
            return Err(Errno::EBADF);
        }
        let old = {
            let mut slots = self.slots.lock();
            if i >= slots.len() {
                slots.resize(i + 1, None);
            }
            slots[i].replace(Slot { file, cloexec })
        };
        // The old file is released outside the lock.
        if let Some(old) = old {
            release_posix_locks(&old.file);
        }
        Ok(())
    }

    /// Closes `fd`; `EBADF` if it is not open.
    pub fn close(&self, fd: i32) -> Result<(), Errno> {
        let old = {
            let mut slots = self.slots.lock();
            usize::try_from(fd)
                .ok()
                .and_then(|i| slots.get_mut(i))
                .and_then(|s| s.take())
        };
        let old = old.ok_or(Errno::EBADF)?;
        release_posix_locks(&old.file);
        Ok(())
    }

    /// The close-on-exec flag of `fd`.
    pub fn cloexec(&self, fd: i32) -> Result<bool, Errno> {
        let slots = self.slots.lock();
        usize::try_from(fd)
            .ok()
            .and_then(|i| slots.get(i))
            .and_then(|s| s.as_ref())
            .map(|s| s.cloexec)
            .ok_or(Errno::EBADF)
    }

    /// Sets the close-on-exec flag of `fd`.
    pub fn set_cloexec(&self, fd: i32, cloexec: bool) -> Result<(), Errno> {
        let mut slots = self.slots.lock();
        let slot = usize::try_from(fd)
            .ok()
            .and_then(|i| slots.get_mut(i))
            .and_then(|s| s.as_mut())
            .ok_or(Errno::EBADF)?;
        slot.cloexec = cloexec;
        Ok(())
    }

    /// Every open descriptor with its file, in descriptor order (`/proc/[pid]/fd`).
    pub fn entries(&self) -> Vec<(i32, Arc<OpenFile>)> {
        let slots = self.slots.lock();
        slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i as i32, s.file.clone())))
            .collect()
    }

    /// Closes the open descriptors in `first..=last` (`close_range`), or with
    /// `cloexec_only` marks them close-on-exec instead.
    pub fn close_range(&self, first: u32, last: u32, cloexec_only: bool) {
        let closed: Vec<Slot> = {
            let mut slots = self.slots.lock();
            let end = (last as usize).saturating_add(1).min(slots.len());
            let start = (first as usize).min(end);
            if cloexec_only {
                for s in slots[start..end].iter_mut().flatten() {
                    s.cloexec = true;
                }
                Vec::new()
            } else {
                slots[start..end]
                    .iter_mut()
                    .filter_map(Option::take)
                    .collect()
            }
        };
        for slot in closed {
            release_posix_locks(&slot.file);
        }
    }

    /// Closes every descriptor (the last task using the table exits).
    pub fn close_all(&self) {
        let closed: Vec<Slot> = {
            let mut slots = self.slots.lock();
            slots.iter_mut().filter_map(Option::take).collect()
        };
        for slot in closed {
            release_posix_locks(&slot.file);
        }
    }

    /// Closes every close-on-exec descriptor (`execve`).
    pub fn close_on_exec(&self) {
        let closed: Vec<Slot> = {
            let mut slots = self.slots.lock();
            slots
                .iter_mut()
                .filter(|s| s.as_ref().is_some_and(|s| s.cloexec))
                .filter_map(Option::take)
                .collect()
        };
        for slot in closed {
            release_posix_locks(&slot.file);
        }
    }

    /// A copy of the table (`fork` without `CLONE_FILES`).
    pub fn fork(&self) -> FdTable {
        FdTable {
            slots: Mutex::new(self.slots.lock().clone()),
        }
    }
}

/// POSIX's close rule: the calling process loses its record locks on the inode of
/// `file`, whichever descriptor they were taken through.
fn release_posix_locks(file: &OpenFile) {
    if let Some(task) = crate::task::current() {
        let key = veil_vfs::record_lock::file_key(file);
        crate::syscalls::release_process_locks(task.tg.tgid, key);
    }
}
