//! Credentials: a task's user and group ids and capabilities, and the rules by which
//! the `set*id` calls change them.
//!
//! The sandbox is its own user namespace: ids start as those of the user who started
//! Veil (root under `veil do` as root) and change only inside the sandbox; the host
//! never sees them. Capabilities follow Linux's rules for a namespace's root: a task
//! whose effective uid is 0 starts with every capability, and giving up uid 0 clears
//! them (capabilities(7), "Effect of user ID changes on capabilities").
//!
//! Credentials are immutable snapshots (`Arc<Credentials>`): a change builds a new one
//! and publishes it on the task, as Linux's `commit_creds` does, so a reader never sees
//! half an update.

use veil_abi::Errno;

/// Every capability Linux 6.x defines (`CAP_LAST_CAP` is 40).
pub const CAP_FULL: u64 = (1 << 41) - 1;
/// `CAP_CHOWN`: change any file's owner and group.
pub const CAP_CHOWN: u32 = 0;
/// `CAP_DAC_OVERRIDE`: bypass read, write and execute permission checks.
pub const CAP_DAC_OVERRIDE: u32 = 1;
/// `CAP_DAC_READ_SEARCH`: bypass read and directory search checks.
pub const CAP_DAC_READ_SEARCH: u32 = 2;
/// `CAP_FOWNER`: act as the owner of any file.
pub const CAP_FOWNER: u32 = 3;
/// `CAP_FSETID`: keep set-ID bits on changes.
pub const CAP_FSETID: u32 = 4;
/// `CAP_KILL`: signal any process.
pub const CAP_KILL: u32 = 5;
/// `CAP_SETGID`: change group ids and the supplementary groups.
pub const CAP_SETGID: u32 = 6;
/// `CAP_SETUID`: change user ids.
pub const CAP_SETUID: u32 = 7;
/// `CAP_SETPCAP`: add to the inheritable set any capability of the bounding set.
pub const CAP_SETPCAP: u32 = 8;
/// `CAP_IPC_LOCK`: lock memory beyond `RLIMIT_MEMLOCK`.
pub const CAP_IPC_LOCK: u32 = 14;
/// `CAP_SYS_PTRACE`: look into and change other processes (`process_vm_*`,
/// `pidfd_getfd`).
pub const CAP_SYS_PTRACE: u32 = 19;
/// `CAP_SYS_NICE`: lower nice values, real-time policies, others' priorities.
pub const CAP_SYS_NICE: u32 = 23;
/// `CAP_SYS_ADMIN`: among much else, `trusted.*` extended attributes.
pub const CAP_SYS_ADMIN: u32 = 21;
/// `CAP_MKNOD`: create device nodes.
pub const CAP_MKNOD: u32 = 27;
/// Capabilities that follow the file-system uid (capabilities(7)).
const FS_CAPS: u64 = (1 << CAP_CHOWN)
    | (1 << CAP_DAC_OVERRIDE)
    | (1 << CAP_DAC_READ_SEARCH)
    | (1 << CAP_FOWNER)
    | (1 << CAP_FSETID)
    | (1 << 9) // CAP_LINUX_IMMUTABLE
    | (1 << CAP_MKNOD);
/// Most supplementary groups a process may have (`NGROUPS_MAX`).
pub const NGROUPS_MAX: usize = 65536;
/// The id meaning "leave unchanged" in `setreuid` and friends, `(uid_t)-1`.
pub const KEEP: u32 = u32::MAX;

/// A task's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Real, effective, saved set- and file-system user id.
    pub uid: Ids,
    /// Real, effective, saved set- and file-system group id.
    pub gid: Ids,
    /// Supplementary groups, sorted.
    pub groups: Vec<u32>,
    /// Effective capabilities.
    pub effective: u64,
    /// Permitted capabilities.
    pub permitted: u64,
    /// Inheritable capabilities.
    pub inheritable: u64,
    /// The bounding set.
    pub bounding: u64,
    /// `PR_SET_KEEPCAPS`: keep permitted capabilities when uid 0 is given up.
    pub keep_caps: bool,
}

/// The four ids of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    /// Real id.
    pub real: u32,
    /// Effective id.
    pub effective: u32,
    /// Saved set-id.
    pub saved: u32,
    /// File-system id (permission checks and new files' owners).
    pub fs: u32,
}

impl Ids {
    /// All four ids `id`.
    pub fn all(id: u32) -> Ids {
        Ids {
            real: id,
            effective: id,
            saved: id,
            fs: id,
        }
    }

    fn holds(&self, id: u32) -> bool {
        id == self.real || id == self.effective || id == self.saved
    }

    /// `setuid`/`setgid`: privileged sets all four, else only the effective (and
    /// file-system) id, to the real or saved one.
    fn set(self, id: u32, privileged: bool) -> Result<Ids, Errno> {
        if id == KEEP {
            return Err(Errno::EINVAL);
        }
        if privileged {
            return Ok(Ids::all(id));
        }
        if id != self.real && id != self.saved {
            return Err(Errno::EPERM);
        }
        Ok(Ids {
            effective: id,
            fs: id,
            ..self
        })
    }

    /// `setreuid`/`setregid` (`KEEP` leaves an id): unprivileged, the real id may
    /// become the real or effective one, the effective any of the three. The saved id
    /// follows the effective one when the real id is set or the effective id becomes
    /// other than the old real id.
    fn set_re(self, real: u32, effective: u32, privileged: bool) -> Result<Ids, Errno> {
        let mut n = self;
        if real != KEEP {
            if !privileged && real != self.real && real != self.effective {
                return Err(Errno::EPERM);
            }
            n.real = real;
        }
        if effective != KEEP {
            if !privileged && !self.holds(effective) {
                return Err(Errno::EPERM);
            }
            n.effective = effective;
        }
        if real != KEEP || (effective != KEEP && effective != self.real) {
            n.saved = n.effective;
        }
        n.fs = n.effective;
        Ok(n)
    }

    /// `setresuid`/`setresgid`: unprivileged, each new id must be one of the three.
    fn set_res(
        self,
        real: u32,
        effective: u32,
        saved: u32,
        privileged: bool,
    ) -> Result<Ids, Errno> {
        if !privileged
            && [real, effective, saved]
                .iter()
                .any(|&i| i != KEEP && !self.holds(i))
        {
            return Err(Errno::EPERM);
        }
        let pick = |new: u32, old: u32| if new == KEEP { old } else { new };
        let effective = pick(effective, self.effective);
        Ok(Ids {
            real: pick(real, self.real),
            effective,
            saved: pick(saved, self.saved),
            fs: effective,
        })
    }
}

impl Credentials {
    /// Credentials of the sandbox's first process: `uid` and `gid` in all four places,
    /// no supplementary groups, every capability when `uid` is 0.
    pub fn initial(uid: u32, gid: u32) -> Credentials {
        let caps = if uid == 0 { CAP_FULL } else { 0 };
        Credentials {
            uid: Ids::all(uid),
            gid: Ids::all(gid),
            groups: Vec::new(),
            effective: caps,
            permitted: caps,
            inheritable: 0,
            bounding: CAP_FULL,
            keep_caps: false,
        }
    }

    /// Whether capability `cap` is in the effective set.
    pub fn has(&self, cap: u32) -> bool {
        self.effective & (1 << cap) != 0
    }

    /// Whether the file-system ids place the caller in group `gid`.
    pub fn in_group(&self, gid: u32) -> bool {
        gid == self.gid.fs || self.groups.binary_search(&gid).is_ok()
    }

    /// A change of user ids: the new ids from `f` (given the old ones and whether the
    /// caller has `CAP_SETUID`), then the capability rules for uid changes.
    pub fn change_uid(
        &self,
        f: impl FnOnce(Ids, bool) -> Result<Ids, Errno>,
    ) -> Result<Credentials, Errno> {
        let uid = f(self.uid, self.has(CAP_SETUID))?;
        let mut n = Credentials {
            uid,
            ..self.clone()
        };
        n.fix_caps_after_uid_change(self);
        Ok(n)
    }

    /// A change of group ids: the new ids from `f` (given the old ones and whether the
    /// caller has `CAP_SETGID`).
    pub fn change_gid(
        &self,
        f: impl FnOnce(Ids, bool) -> Result<Ids, Errno>,
    ) -> Result<Credentials, Errno> {
        let gid = f(self.gid, self.has(CAP_SETGID))?;
        Ok(Credentials {
            gid,
            ..self.clone()
        })
    }

    /// `setuid(uid)`.
    pub fn setuid(&self, uid: u32) -> Result<Credentials, Errno> {
        self.change_uid(|ids, p| ids.set(uid, p))
    }

    /// `setgid(gid)`.
    pub fn setgid(&self, gid: u32) -> Result<Credentials, Errno> {
        self.change_gid(|ids, p| ids.set(gid, p))
    }

    /// `setreuid(ruid, euid)`.
    pub fn setreuid(&self, r: u32, e: u32) -> Result<Credentials, Errno> {
        self.change_uid(|ids, p| ids.set_re(r, e, p))
    }

    /// `setregid(rgid, egid)`.
    pub fn setregid(&self, r: u32, e: u32) -> Result<Credentials, Errno> {
        self.change_gid(|ids, p| ids.set_re(r, e, p))
    }

    /// `setresuid(ruid, euid, suid)`.
    pub fn setresuid(&self, r: u32, e: u32, s: u32) -> Result<Credentials, Errno> {
        self.change_uid(|ids, p| ids.set_res(r, e, s, p))
    }

    /// `setresgid(rgid, egid, sgid)`.
    pub fn setresgid(&self, r: u32, e: u32, s: u32) -> Result<Credentials, Errno> {
        self.change_gid(|ids, p| ids.set_res(r, e, s, p))
    }

    /// `setfsuid(fsuid)`: the new credentials, unchanged if not allowed (the call
    /// reports the old id either way).
    pub fn setfsuid(&self, fsuid: u32) -> Credentials {
        if fsuid == KEEP || !(self.has(CAP_SETUID) || self.uid.holds(fsuid) || fsuid == self.uid.fs)
        {
            return self.clone();
        }
        let mut n = Credentials {
            uid: Ids {
                fs: fsuid,
                ..self.uid
            },
            ..self.clone()
        };
        n.fix_caps_after_uid_change(self);
        n
    }

    /// `setfsgid(fsgid)`, as [`Credentials::setfsuid`].
    pub fn setfsgid(&self, fsgid: u32) -> Credentials {
        if fsgid == KEEP || !(self.has(CAP_SETGID) || self.gid.holds(fsgid) || fsgid == self.gid.fs)
        {
            return self.clone();
        }
        Credentials {
            gid: Ids {
                fs: fsgid,
                ..self.gid
            },
            ..self.clone()
        }
    }

    /// `setgroups(list)`: needs `CAP_SETGID`.
    pub fn setgroups(&self, mut groups: Vec<u32>) -> Result<Credentials, Errno> {
        if groups.len() > NGROUPS_MAX {
            return Err(Errno::EINVAL);
        }
        if !self.has(CAP_SETGID) {
            return Err(Errno::EPERM);
        }
        groups.sort_unstable();
        groups.dedup();
        Ok(Credentials {
            groups,
            ..self.clone()
        })
    }

    /// `capset`: the new sets must not grow the permitted set, the inheritable set may
    /// only take permitted capabilities (any of the bounding set with `CAP_SETPCAP`),
    /// and the effective set must be permitted.
    pub fn capset(
        &self,
        effective: u64,
        permitted: u64,
        inheritable: u64,
    ) -> Result<Credentials, Errno> {
        let allowed_inh = self.inheritable
            | if self.has(CAP_SETPCAP) {
                self.bounding
            } else {
                self.permitted
            };
        if permitted & !self.permitted != 0
            || inheritable & !allowed_inh != 0
            || inheritable & !(self.inheritable | self.bounding) != 0
            || effective & !permitted != 0
        {
            return Err(Errno::EPERM);
        }
        Ok(Credentials {
            effective,
            permitted,
            inheritable,
            ..self.clone()
        })
    }

    /// The credentials after `execve` of a program without file capabilities or
    /// set-ID bits: root (real or effective uid 0) gets the whole bounding set
    /// permitted, effective only when the effective uid is 0; others keep nothing
    /// (capabilities(7), "Capabilities and execution of programs by root").
    pub fn after_exec(&self) -> Credentials {
        self.after_exec_of(None, None)
    }

    /// The credentials after `execve` of a program whose set-user-ID bit makes the
    /// effective uid `setuid` and set-group-ID bit the effective gid `setgid` (`None`
    /// when the bit is clear, the process has no-new-privileges, or the program is a
    /// script): then as [`Credentials::after_exec`], the saved ids following the new
    /// effective ones, and capabilities by root's rules for the new effective uid.
    pub fn after_exec_of(&self, setuid: Option<u32>, setgid: Option<u32>) -> Credentials {
        let mut start = self.clone();
        if let Some(uid) = setuid {
            start.uid.effective = uid;
        }
        if let Some(gid) = setgid {
            start.gid.effective = gid;
        }
        start.after_exec_plain()
    }

    fn after_exec_plain(&self) -> Credentials {
        let mut n = self.clone();
        n.uid.saved = n.uid.effective;
        n.gid.saved = n.gid.effective;
        n.uid.fs = n.uid.effective;
        n.gid.fs = n.gid.effective;
        if self.uid.real == 0 || self.uid.effective == 0 {
            n.permitted = (self.inheritable | self.bounding) & self.bounding;
            n.effective = if self.uid.effective == 0 {
                n.permitted
            } else {
                0
            };
        } else {
            n.permitted = 0;
            n.effective = 0;
        }
        n.keep_caps = false;
        n
    }

    /// capabilities(7): leaving uid 0 in all of real, effective and saved clears the
    /// permitted and effective sets (unless keep-caps); the effective uid leaving 0
    /// clears the effective set, and coming back to 0 restores it from the permitted
    /// set; the file-system uid leaving or reaching 0 moves the file-system
    /// capabilities.
    fn fix_caps_after_uid_change(&mut self, old: &Credentials) {
        let was_root = old.uid.holds(0);
        let is_root = self.uid.holds(0);
        if was_root && !is_root && !self.keep_caps {
            self.permitted = 0;
            self.effective = 0;
        }
        if old.uid.effective == 0 && self.uid.effective != 0 {
            self.effective = 0;
        }
        if old.uid.effective != 0 && self.uid.effective == 0 {
            self.effective = self.permitted;
        }
        if old.uid.fs == 0 && self.uid.fs != 0 {
            self.effective &= !FS_CAPS;
        }
        if old.uid.fs != 0 && self.uid.fs == 0 {
            self.effective |= self.permitted & FS_CAPS;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_of_a_set_user_id_root_program_gives_root_and_its_capabilities() {
        let user = Credentials::initial(0, 0).setuid(1000).unwrap();
        let c = user.after_exec_of(Some(0), None);
        assert_eq!((c.uid.real, c.uid.effective, c.uid.saved), (1000, 0, 0));
        assert_eq!((c.effective, c.permitted), (CAP_FULL, CAP_FULL));
        let g = user.after_exec_of(None, Some(50));
        assert_eq!(
            (g.gid.effective, g.gid.saved, g.uid.effective),
            (50, 50, 1000)
        );
        assert_eq!(g.permitted, 0);
    }

    #[test]
    fn exec_of_a_set_user_id_program_of_another_user_drops_root_capabilities() {
        let c = Credentials::initial(0, 0).after_exec_of(Some(1000), None);
        assert_eq!((c.uid.real, c.uid.effective, c.uid.saved), (0, 1000, 1000));
        // Real uid 0: permitted as root, but no effective set with euid 1000.
        assert_eq!((c.effective, c.permitted), (0, CAP_FULL));
    }

    #[test]
    fn root_setuid_changes_every_id_and_drops_capabilities() {
        let c = Credentials::initial(0, 0).setuid(1000).unwrap();
        assert_eq!(c.uid, Ids::all(1000));
        assert_eq!((c.effective, c.permitted), (0, 0));
        assert_eq!(c.setuid(0), Err(Errno::EPERM));
    }

    #[test]
    fn seteuid_away_from_root_and_back() {
        let root = Credentials::initial(0, 0);
        let c = root.setresuid(KEEP, 1000, KEEP).unwrap();
        assert_eq!((c.uid.real, c.uid.effective, c.uid.saved), (0, 1000, 0));
        assert_eq!(c.effective, 0);
        assert_eq!(c.permitted, CAP_FULL);
        let back = c.setresuid(KEEP, 0, KEEP).unwrap();
        assert_eq!(back.effective, CAP_FULL);
    }

    #[test]
    fn unprivileged_setuid_only_to_real_or_saved() {
        let c = Credentials::initial(0, 0)
            .setresuid(1000, 1001, 1002)
            .unwrap();
        assert_eq!(c.setuid(1002).unwrap().uid.effective, 1002);
        assert_eq!(c.setuid(1003), Err(Errno::EPERM));
        assert_eq!(c.setuid(KEEP), Err(Errno::EINVAL));
    }

    #[test]
    fn setreuid_moves_the_saved_id() {
        let c = Credentials::initial(0, 0).setreuid(1000, 1001).unwrap();
        assert_eq!(
            (c.uid.real, c.uid.effective, c.uid.saved),
            (1000, 1001, 1001)
        );
        // Swapping real and effective is allowed to anyone.
        let s = c.setreuid(1001, 1000).unwrap();
        assert_eq!((s.uid.real, s.uid.effective), (1001, 1000));
    }

    #[test]
    fn setgroups_needs_setgid_and_sorts() {
        let root = Credentials::initial(0, 0);
        assert_eq!(root.setgroups(vec![5, 3, 5]).unwrap().groups, vec![3, 5]);
        let user = root.setuid(1000).unwrap();
        assert_eq!(user.setgroups(vec![]), Err(Errno::EPERM));
    }

    #[test]
    fn capset_cannot_grow_permitted() {
        let root = Credentials::initial(0, 0);
        let less = root.capset(1, 1, 0).unwrap();
        assert_eq!(less.capset(3, 3, 0), Err(Errno::EPERM));
        assert_eq!(less.capset(2, 1, 0), Err(Errno::EPERM));
    }

    #[test]
    fn fsuid_change_moves_fs_capabilities() {
        let root = Credentials::initial(0, 0);
        let c = root.setfsuid(1000);
        assert_eq!(c.uid.fs, 1000);
        assert!(!c.has(CAP_DAC_OVERRIDE));
        assert!(c.has(CAP_SETUID));
        assert!(c.setfsuid(0).has(CAP_DAC_OVERRIDE));
    }
}
