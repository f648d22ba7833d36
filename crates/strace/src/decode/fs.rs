//! Opening, stat-ing and naming files, and `fcntl`.

use super::{out_buf, Ret};
use crate::ctx::Ctx;
use crate::value;
use crate::xlat::{self, ACCESS_MODES, AT_FLAGS, FACCESSAT_FLAGS, FD_FLAGS, FILE_TYPES};
use crate::xlat::{FCNTL_CMDS, LOCK_TYPES, SEALS, STATX_ATTRS, STATX_MASK, STATX_SYNC};
use crate::xlat::{UNLINKAT_FLAGS, WHENCE};
use veil_abi::flags::{fcntl as fc, mode as md, open as of};

/// `open(path, flags[, mode])`.
pub(super) fn open(c: &Ctx, out: &mut Vec<String>) -> Ret {
    open_from(c, out, 0)
}

/// `openat(dirfd, path, flags[, mode])`.
pub(super) fn openat(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.dirfd(0));
    open_from(c, out, 1)
}

/// Path, flags and (when a file may be created) mode, starting at argument `first`.
fn open_from(c: &Ctx, out: &mut Vec<String>, first: usize) -> Ret {
    let flags = c.arg(first + 1);
    out.push(c.path(first));
    out.push(xlat::open_flags(flags));
    let tmpfile = u64::from(of::O_TMPFILE);
    if flags & u64::from(of::O_CREAT) != 0 || flags & tmpfile == tmpfile {
        out.push(c.mode(first + 2));
    }
    Ret::Dec
}

/// `stat(path, statbuf)` and `lstat`.
pub(super) fn stat(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.path(0));
    out.push(stat_buf(c, 1));
    Ret::Dec
}

/// `fstat(fd, statbuf)`.
pub(super) fn fstat(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(stat_buf(c, 1));
    Ret::Dec
}

/// `newfstatat(dirfd, path, statbuf, flags)`.
pub(super) fn newfstatat(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.dirfd(0));
    out.push(c.path(1));
    out.push(stat_buf(c, 2));
    out.push(xlat::flags(AT_FLAGS, c.arg(3) & 0xffff_ffff, "AT_???"));
    Ret::Dec
}

/// A `struct stat` the call filled, abbreviated as strace does by default:
/// `{st_mode=S_IFREG|0644, st_size=123, ...}`, or `st_rdev` for devices.
fn stat_buf(c: &Ctx, i: usize) -> String {
    const SIZE: usize = 144;
    let addr = c.arg(i);
    if c.failed() || addr == 0 {
        return c.ptr(i);
    }
    let Some(b) = c.read(addr, SIZE) else {
        return value::addr(addr);
    };
    let mode = value::u32_at(&b, 24);
    let second = if matches!(mode & md::S_IFMT, md::S_IFCHR | md::S_IFBLK) {
        format!("st_rdev={}", makedev(value::u64_at(&b, 40)))
    } else {
        format!("st_size={}", value::i64_at(&b, 48))
    };
    format!("{{st_mode={}, {second}, ...}}", file_mode(mode))
}

/// `S_IFREG|0644`: the file type by name, the set-id and sticky bits by name, then the
/// permission bits in octal (`S_IFDIR|S_ISVTX|0777`).
pub(super) fn file_mode(mode: u32) -> String {
    const SPECIAL: [(u32, &str); 3] = [
        (0o4000, "S_ISUID"),
        (0o2000, "S_ISGID"),
        (0o1000, "S_ISVTX"),
    ];
    let mut parts = Vec::new();
    let mut octal = mode & 0o777;
    match xlat::lookup(FILE_TYPES, u64::from(mode & md::S_IFMT)) {
        Some(name) => parts.push(name.to_string()),
        None => octal |= mode & md::S_IFMT,
    }
    for (bit, name) in SPECIAL {
        if mode & bit != 0 {
            parts.push(name.to_string());
        }
    }
    parts.push(value::mode(u64::from(octal)));
    parts.join("|")
}

/// A device number as `makedev(0x1, 0x3)`.
fn makedev(dev: u64) -> String {
    let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff);
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
    format!("makedev({}, {})", value::hex(major), value::hex(minor))
}

/// `statx(dirfd, path, flags, mask, statxbuf)`.
pub(super) fn statx(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const SYNC_TYPE: u64 = veil_abi::flags::at::AT_STATX_SYNC_TYPE as u64;
    out.push(c.dirfd(0));
    out.push(c.path(1));
    let flags = c.arg(2) & 0xffff_ffff;
    let mut f = xlat::xval(STATX_SYNC, flags & SYNC_TYPE, "AT_STATX_???");
    if flags & !SYNC_TYPE != 0 {
        let (names, rest) = xlat::split_flags(AT_FLAGS, flags & !SYNC_TYPE);
        f.push('|');
        f.push_str(&xlat::join_flags(names, rest, "AT_???"));
    }
    out.push(f);
    out.push(xlat::flags(STATX_MASK, c.arg(3) & 0xffff_ffff, "STATX_???"));
    out.push(statx_buf(c, 4));
    Ret::Dec
}

/// A `struct statx`, abbreviated:
/// `{stx_mask=STATX_BASIC_STATS, stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=5, ...}`.
fn statx_buf(c: &Ctx, i: usize) -> String {
    const SIZE: usize = 256;
    let addr = c.arg(i);
    if c.failed() || addr == 0 {
        return c.ptr(i);
    }
    let Some(b) = c.read(addr, SIZE) else {
        return value::addr(addr);
    };
    format!(
        "{{stx_mask={}, stx_attributes={}, stx_mode={}, stx_size={}, ...}}",
        xlat::flags(STATX_MASK, u64::from(value::u32_at(&b, 0)), "STATX_???"),
        xlat::flags(STATX_ATTRS, value::u64_at(&b, 8), "STATX_ATTR_???"),
        file_mode(u32::from(value::u16_at(&b, 28))),
        value::u64_at(&b, 40),
    )
}

/// `access(path, mode)`.
pub(super) fn access(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.path(0));
    out.push(access_mode(c, 1));
    Ret::Dec
}

/// `faccessat(dirfd, path, mode)`.
pub(super) fn faccessat(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.dirfd(0));
    out.push(c.path(1));
    out.push(access_mode(c, 2));
    Ret::Dec
}

/// `faccessat2(dirfd, path, mode, flags)`.
pub(super) fn faccessat2(c: &Ctx, out: &mut Vec<String>) -> Ret {
    faccessat(c, out);
    out.push(xlat::flags(
        FACCESSAT_FLAGS,
        c.arg(3) & 0xffff_ffff,
        "AT_???",
    ));
    Ret::Dec
}

fn access_mode(c: &Ctx, i: usize) -> String {
    xlat::flags(ACCESS_MODES, c.arg(i) & 0xffff_ffff, "?_OK")
}

/// `getcwd(buf, size)`: the directory, printed in full.
pub(super) fn getcwd(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(if c.failed() {
        c.ptr(0)
    } else {
        c.path_n_at(c.arg(0), c.ret())
    });
    out.push(c.ulong(1));
    Ret::Dec
}

/// `readlink(path, buf, bufsiz)`.
pub(super) fn readlink(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.path(0));
    out.push(out_buf(c, 1, c.ret()));
    out.push(c.ulong(2));
    Ret::Dec
}

/// `readlinkat(dirfd, path, buf, bufsiz)`.
pub(super) fn readlinkat(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.dirfd(0));
    out.push(c.path(1));
    out.push(out_buf(c, 2, c.ret()));
    out.push(c.ulong(3));
    Ret::Dec
}

/// `unlinkat(dirfd, path, flags)`.
pub(super) fn unlinkat(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.dirfd(0));
    out.push(c.path(1));
    out.push(xlat::flags(
        UNLINKAT_FLAGS,
        c.arg(2) & 0xffff_ffff,
        "AT_???",
    ));
    Ret::Dec
}

/// `linkat(olddirfd, oldpath, newdirfd, newpath, flags)`.
pub(super) fn linkat(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.dirfd(0));
    out.push(c.path(1));
    out.push(c.dirfd(2));
    out.push(c.path(3));
    out.push(xlat::flags(AT_FLAGS, c.arg(4) & 0xffff_ffff, "AT_???"));
    Ret::Dec
}

/// `fcntl(fd, cmd, arg)`: the third argument prints according to the command, and
/// `F_GETFD`/`F_GETFL`/`F_GET_SEALS` decode their result.
pub(super) fn fcntl(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const F_SETOWN: u32 = 8;
    const F_GETOWN: u32 = 9;
    const F_SETSIG: u32 = 10;
    const F_GETSIG: u32 = 11;
    const F_OFD_GETLK: u32 = 36;
    const F_OFD_SETLK: u32 = 37;
    const F_OFD_SETLKW: u32 = 38;
    const F_SETLEASE: u32 = 1024;
    const F_GETLEASE: u32 = 1025;
    const F_DUPFD_QUERY: u32 = 1027;
    const F_SETPIPE_SZ: u32 = 1031;
    const F_ADD_SEALS: u32 = 1033;
    const F_GET_SEALS: u32 = 1034;

    out.push(c.fd(0));
    let cmd = c.arg(1) as u32;
    out.push(xlat::xval(FCNTL_CMDS, u64::from(cmd), "F_???"));
    let arg = c.arg(2);
    match cmd {
        fc::F_GETFD
        | fc::F_GETFL
        | F_GETOWN
        | F_GETSIG
        | fc::F_GETPIPE_SZ
        | F_GETLEASE
        | F_GET_SEALS => {}
        fc::F_DUPFD | fc::F_DUPFD_CLOEXEC | F_DUPFD_QUERY | F_SETOWN | F_SETPIPE_SZ => {
            out.push(c.int(2))
        }
        fc::F_SETFD => out.push(xlat::flags(FD_FLAGS, arg & 0xffff_ffff, "FD_???")),
        fc::F_SETFL => out.push(xlat::open_flags(arg)),
        F_SETSIG => out.push(super::signal::signame(arg)),
        F_SETLEASE => out.push(xlat::xval(LOCK_TYPES, arg & 0xffff_ffff, "F_???")),
        F_ADD_SEALS => out.push(xlat::flags(SEALS, arg & 0xffff_ffff, "F_SEAL_???")),
        fc::F_GETLK | F_OFD_GETLK => out.push(if c.failed() {
            c.ptr(2)
        } else {
            flock(c, arg, true)
        }),
        fc::F_SETLK | fc::F_SETLKW | F_OFD_SETLK | F_OFD_SETLKW => out.push(flock(c, arg, false)),
        _ => out.push(c.hex(2)),
    }
    if c.failed() {
        return Ret::Dec;
    }
    let r = c.ret();
    match cmd {
        fc::F_GETFD if r != 0 => {
            Ret::HexNote(format!("flags {}", xlat::flags(FD_FLAGS, r, "FD_???")))
        }
        fc::F_GETFL => Ret::HexNote(format!("flags {}", xlat::open_flags(r))),
        F_GET_SEALS if r != 0 => {
            Ret::HexNote(format!("seals {}", xlat::flags(SEALS, r, "F_SEAL_???")))
        }
        _ => Ret::Dec,
    }
}

/// A `struct flock`: `{l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}`, with
/// `l_pid` when the kernel filled it in.
fn flock(c: &Ctx, addr: u64, with_pid: bool) -> String {
    if addr == 0 {
        return "NULL".to_string();
    }
    let Some(b) = c.read(addr, 32) else {
        return value::addr(addr);
    };
    let mut s = format!(
        "{{l_type={}, l_whence={}, l_start={}, l_len={}",
        xlat::xval(LOCK_TYPES, u64::from(value::u16_at(&b, 0)), "F_???"),
        xlat::xval(WHENCE, u64::from(value::u16_at(&b, 2)), "SEEK_???"),
        value::i64_at(&b, 8),
        value::i64_at(&b, 16),
    );
    if with_pid {
        s.push_str(&format!(", l_pid={}", value::u32_at(&b, 24) as i32));
    }
    s.push('}');
    s
}

/// `getxattr(path, name, value, size)` and `lgetxattr`.
pub(super) fn getxattr(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.path(0));
    xattr_value_out(c, out, 1)
}

/// `fgetxattr(fd, name, value, size)`.
pub(super) fn fgetxattr(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    xattr_value_out(c, out, 1)
}

/// Name, value read and size, starting at argument `i`.
fn xattr_value_out(c: &Ctx, out: &mut Vec<String>, i: usize) -> Ret {
    out.push(c.string_at(c.arg(i)));
    let value = c.arg(i + 1);
    out.push(if value == 0 || c.failed() {
        c.ptr(i + 1)
    } else {
        c.buf_omit_nul_at(value, c.ret().min(c.arg(i + 2)))
    });
    out.push(c.ulong(i + 2));
    Ret::Dec
}

/// `setxattr(path, name, value, size, flags)` and `lsetxattr`.
pub(super) fn setxattr(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.path(0));
    xattr_value_in(c, out)
}

/// `fsetxattr(fd, name, value, size, flags)`.
pub(super) fn fsetxattr(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    xattr_value_in(c, out)
}

fn xattr_value_in(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const FLAGS: xlat::Table = &[(1, "XATTR_CREATE"), (2, "XATTR_REPLACE")];
    out.push(c.string_at(c.arg(1)));
    out.push(c.buf_omit_nul_at(c.arg(2), c.arg(3)));
    out.push(c.ulong(3));
    out.push(xlat::flags(FLAGS, c.arg(4) & 0xffff_ffff, "XATTR_???"));
    Ret::Dec
}

/// `listxattr(path, list, size)` and `llistxattr`: the NUL-separated names.
pub(super) fn listxattr(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.path(0));
    xattr_list(c, out)
}

/// `flistxattr(fd, list, size)`.
pub(super) fn flistxattr(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    xattr_list(c, out)
}

fn xattr_list(c: &Ctx, out: &mut Vec<String>) -> Ret {
    let list = c.arg(1);
    out.push(if list == 0 || c.failed() {
        c.ptr(1)
    } else {
        c.buf_at(list, c.ret())
    });
    out.push(c.ulong(2));
    Ret::Dec
}

/// `removexattr(path, name)` and `lremovexattr`.
pub(super) fn removexattr(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.extend([c.path(0), c.string_at(c.arg(1))]);
    Ret::Dec
}

/// `fremovexattr(fd, name)`.
pub(super) fn fremovexattr(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.extend([c.fd(0), c.string_at(c.arg(1))]);
    Ret::Dec
}

/// `statfs(path, buf)`.
pub(super) fn statfs(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.path(0));
    out.push(statfs_buf(c, 1));
    Ret::Dec
}

/// `fstatfs(fd, buf)`.
pub(super) fn fstatfs(c: &Ctx, out: &mut Vec<String>) -> Ret {
    out.push(c.fd(0));
    out.push(statfs_buf(c, 1));
    Ret::Dec
}

/// A `struct statfs`, printed in full as strace does.
fn statfs_buf(c: &Ctx, i: usize) -> String {
    const SIZE: usize = 120;
    const MAGICS: xlat::Table = &[
        (0xef53, "EXT2_SUPER_MAGIC"),
        (0x0102_1994, "TMPFS_MAGIC"),
        (0x9fa0, "PROC_SUPER_MAGIC"),
        (0x6265_6572, "SYSFS_MAGIC"),
        (0x794c_7630, "OVERLAYFS_SUPER_MAGIC"),
        (0x9123_683e, "BTRFS_SUPER_MAGIC"),
        (0x5846_5342, "XFS_SUPER_MAGIC"),
        (0x1cd1, "DEVPTS_SUPER_MAGIC"),
        (0x6367_7270, "CGROUP2_SUPER_MAGIC"),
        (0x0027_e0eb, "CGROUP_SUPER_MAGIC"),
        (0x6969, "NFS_SUPER_MAGIC"),
        (0x6573_5546, "FUSE_SUPER_MAGIC"),
        (0x7371_7368, "SQUASHFS_MAGIC"),
        (0x8584_58f6, "RAMFS_MAGIC"),
        (0x9584_58f6, "HUGETLBFS_MAGIC"),
        (0x0102_1997, "V9FS_MAGIC"),
        (0xf97c_ff8c, "SELINUX_MAGIC"),
        (0x7363_6673, "SECURITYFS_MAGIC"),
        (0x6462_6720, "DEBUGFS_MAGIC"),
        (0x1980_0202, "MQUEUE_MAGIC"),
        (0x5049_5045, "PIPEFS_MAGIC"),
        (0x534f_434b, "SOCKFS_MAGIC"),
        (0x0904_1934, "ANON_INODE_FS_MAGIC"),
        (0xcafe_4a11, "BPF_FS_MAGIC"),
    ];
    const FLAGS: xlat::Table = &[
        (0x1, "ST_RDONLY"),
        (0x2, "ST_NOSUID"),
        (0x4, "ST_NODEV"),
        (0x8, "ST_NOEXEC"),
        (0x10, "ST_SYNCHRONOUS"),
        (0x20, "ST_VALID"),
        (0x40, "ST_MANDLOCK"),
        (0x400, "ST_NOATIME"),
        (0x800, "ST_NODIRATIME"),
        (0x1000, "ST_RELATIME"),
        (0x2000, "ST_NOSYMFOLLOW"),
    ];
    let addr = c.arg(i);
    if c.failed() || addr == 0 {
        return c.ptr(i);
    }
    let Some(b) = c.read(addr, SIZE) else {
        return value::addr(addr);
    };
    let f_type = value::u64_at(&b, 0);
    format!(
        "{{f_type={}, f_bsize={}, f_blocks={}, f_bfree={}, f_bavail={}, f_files={}, f_ffree={}, \
         f_fsid={{val=[{}, {}]}}, f_namelen={}, f_frsize={}, f_flags={}}}",
        xlat::lookup(MAGICS, f_type).map_or_else(|| value::hex(f_type), str::to_string),
        value::i64_at(&b, 8),
        value::u64_at(&b, 16),
        value::u64_at(&b, 24),
        value::u64_at(&b, 32),
        value::u64_at(&b, 40),
        value::u64_at(&b, 48),
        value::hex(u64::from(value::u32_at(&b, 56))),
        value::hex(u64::from(value::u32_at(&b, 60))),
        value::i64_at(&b, 64),
        value::i64_at(&b, 72),
        xlat::flags(FLAGS, value::u64_at(&b, 80), "ST_???"),
    )
}

/// `fadvise64(fd, offset, len, advice)`.
pub(super) fn fadvise64(c: &Ctx, out: &mut Vec<String>) -> Ret {
    const ADVICE: xlat::Table = &[
        (0, "POSIX_FADV_NORMAL"),
        (1, "POSIX_FADV_RANDOM"),
        (2, "POSIX_FADV_SEQUENTIAL"),
        (3, "POSIX_FADV_WILLNEED"),
        (4, "POSIX_FADV_DONTNEED"),
        (5, "POSIX_FADV_NOREUSE"),
    ];
    out.extend([c.fd(0), c.long(1), c.long(2)]);
    out.push(xlat::xval(ADVICE, c.arg(3) & 0xffff_ffff, "POSIX_FADV_???"));
    Ret::Dec
}
