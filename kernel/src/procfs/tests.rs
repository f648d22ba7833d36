//! Tests of the procfs formats (pure functions of plain data) and of the node layer
//! (with no kernel behind it).

use std::sync::Weak;
use std::time::Duration;

use veil_abi::structs::{Rlimit, SigAction};
use veil_abi::Errno;
use veil_vfs::inode::{Creds as NodeCreds, FileType, InodeRef, NewNode, RenameFlags};
use veil_vfs::walk::MountInfo;

use super::cpuinfo::format_cpuinfo;
use super::fd::link_perm;
use super::limits::format_limits;
use super::maps::{format_maps, format_region, Region, VmStats};
use super::meminfo::{format_meminfo, MemInfo};
use super::mounts::{format_filesystems, format_mounts, mangle, FILESYSTEMS};
use super::node::{ino_of, parse_number};
use super::process::cmdline_of;
use super::stat::{format_stat, format_statm, StatInfo};
use super::status::{
    cpu_list, cpu_mask, escape_name, fd_table_size, format_status, SigMasks, StatusInfo,
};
use super::subject::{dispositions, Creds, RunState};
use super::system::{
    format_loadavg, format_system_stat, format_uptime, format_version, SystemStat,
};
use super::PROC_DEV;

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("procfs output is UTF-8 here")
}

fn region(start: u64, end: u64, perms: &str, name: &str) -> Region {
    let p = perms.as_bytes();
    Region {
        start,
        end,
        read: p[0] == b'r',
        write: p[1] == b'w',
        exec: p[2] == b'x',
        shared: p[3] == b's',
        name: name.as_bytes().to_vec(),
        ..Region::default()
    }
}

// ---- maps ----

#[test]
fn maps_line_without_name_ends_with_a_space() {
    let r = region(0x400000, 0x401000, "r-xp", "");
    assert_eq!(
        text(format_region(&r)),
        "00400000-00401000 r-xp 00000000 00:00 0 \n"
    );
}

#[test]
fn maps_line_pads_the_name_to_column_73_as_linux() {
    let r = region(0x55d5_c6a0_0000, 0x55d5_c6a2_1000, "rw-p", "[heap]");
    let expected = format!(
        "55d5c6a00000-55d5c6a21000 rw-p 00000000 00:00 0{}[heap]\n",
        " ".repeat(26)
    );
    assert_eq!(text(format_region(&r)), expected);
    assert_eq!(expected.find('[').unwrap(), 73);
}

#[test]
fn maps_line_shows_offset_device_inode_and_shared() {
    let r = Region {
        offset: 0x2000,
        dev: (0x08, 0x01),
        inode: 1234,
        ..region(0x7f00_0000_0000, 0x7f00_0000_2000, "r--s", "/lib/x.so")
    };
    let line = text(format_region(&r));
    assert!(line.starts_with("7f0000000000-7f0000002000 r--s 00002000 08:01 1234 "));
    assert!(line.ends_with(" /lib/x.so\n"));
    assert_eq!(line.find('/').unwrap(), 73);
}

#[test]
fn maps_file_is_the_lines_in_order() {
    let regions = [
        region(0x10000, 0x11000, "r-xp", ""),
        region(0x7ffd_0000_0000, 0x7ffd_0002_1000, "rw-p", "[stack]"),
    ];
    let out = text(format_maps(&regions));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("00010000-00011000 r-xp"));
    assert!(lines[1].ends_with("[stack]"));
}

#[test]
fn vm_stats_classify_like_linux() {
    let regions = [
        region(0x1000, 0x3000, "r-xp", ""),          // text: 8 KiB exec
        region(0x3000, 0x4000, "r--p", ""),          // read-only data: neither
        region(0x4000, 0x8000, "rw-p", "[heap]"),    // 16 KiB data
        region(0x8000, 0x9000, "rwxp", ""),          // writable+exec: data, not exec
        region(0x10000, 0x30000, "rw-p", "[stack]"), // 128 KiB stack
    ];
    let vm = VmStats::of(&regions);
    assert_eq!(vm.size, 0x2000 + 0x1000 + 0x4000 + 0x1000 + 0x20000);
    assert_eq!(vm.rss, vm.size);
    assert_eq!(vm.exec, 0x2000);
    assert_eq!(vm.data, 0x5000);
    assert_eq!(vm.stack, 0x20000);
}

// ---- status ----

fn sample_status() -> StatusInfo {
    StatusInfo {
        name: b"bash".to_vec(),
        umask: 0o022,
        state: RunState::Running,
        tgid: 7,
        pid: 9,
        ppid: 1,
        pgid: 1,
        sid: 1,
        creds: Creds {
            uid: [1000, 1001, 1002, 1003],
            gid: [100, 101, 102, 103],
        },
        fd_size: 64,
        groups: Vec::new(),
        caps: [0, 0, 0, 0x1ff_ffff_ffff],
        no_new_privs: false,
        seccomp: (0, 0),
        vm: VmStats {
            size: 10 << 20,
            rss: 10 << 20,
            data: 2 << 20,
            stack: 132 << 10,
            exec: 1 << 20,
            locked: 8 << 10,
        },
        threads: 3,
        sig_queued: 1,
        sig_limit: 63382,
        sig: SigMasks {
            pending: 0,
            shared_pending: 1 << 14,
            blocked: 1 << 16,
            ignored: 0x380004,
            caught: 0x4b81_3efb,
        },
        ncpus: 8,
    }
}

#[test]
fn status_lines_match_linux() {
    let out = text(format_status(&sample_status()));
    for line in [
        "Name:\tbash",
        "Umask:\t0022",
        "State:\tR (running)",
        "Tgid:\t7",
        "Ngid:\t0",
        "Pid:\t9",
        "PPid:\t1",
        "TracerPid:\t0",
        "Uid:\t1000\t1001\t1002\t1003",
        "Gid:\t100\t101\t102\t103",
        "FDSize:\t64",
        "Groups:\t",
        "NStgid:\t7",
        "NSpid:\t9",
        "VmPeak:\t   10240 kB",
        "VmSize:\t   10240 kB",
        "VmLck:\t       8 kB",
        "VmRSS:\t   10240 kB",
        "VmData:\t    2048 kB",
        "VmStk:\t     132 kB",
        "VmExe:\t    1024 kB",
        "Threads:\t3",
        "SigQ:\t1/63382",
        "SigPnd:\t0000000000000000",
        "ShdPnd:\t0000000000004000",
        "SigBlk:\t0000000000010000",
        "SigIgn:\t0000000000380004",
        "SigCgt:\t000000004b813efb",
        "CapEff:\t0000000000000000",
        "CapBnd:\t000001ffffffffff",
        "Cpus_allowed:\tff",
        "Cpus_allowed_list:\t0-7",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
    }
    // Every line is `Key:\tvalue`, the order starts as Linux's.
    assert!(out.lines().all(|l| l.contains(":\t")), "{out}");
    assert!(out.starts_with("Name:\tbash\nUmask:\t0022\nState:\t"));
    assert!(out.ends_with("nonvoluntary_ctxt_switches:\t0\n"));
}

#[test]
fn status_groups_are_space_terminated_and_root_has_capabilities() {
    let mut s = sample_status();
    s.groups = vec![4, 24];
    s.creds = Creds::default();
    s.caps = [0, 0x1ff_ffff_ffff, 0x1ff_ffff_ffff, 0x1ff_ffff_ffff];
    let out = text(format_status(&s));
    assert!(out.contains("\nGroups:\t4 24 \n"));
    assert!(out.contains("\nCapEff:\t000001ffffffffff\n"));
}

#[test]
fn status_name_escapes_newline_and_backslash() {
    assert_eq!(escape_name(b"a\nb\\c d"), b"a\\nb\\\\c d");
}

#[test]
fn cpu_masks_are_printed_as_linux_bitmaps() {
    assert_eq!(cpu_mask(1), "1");
    assert_eq!(cpu_mask(4), "f");
    assert_eq!(cpu_mask(8), "ff");
    assert_eq!(cpu_mask(12), "fff");
    assert_eq!(cpu_mask(32), "ffffffff");
    assert_eq!(cpu_mask(36), "f,ffffffff");
    assert_eq!(cpu_mask(64), "ffffffff,ffffffff");
    assert_eq!(cpu_list(1), "0");
    assert_eq!(cpu_list(16), "0-15");
}

#[test]
fn fd_table_size_grows_as_linux() {
    assert_eq!(fd_table_size(None), 64);
    assert_eq!(fd_table_size(Some(2)), 64);
    assert_eq!(fd_table_size(Some(63)), 64);
    assert_eq!(fd_table_size(Some(64)), 128);
    assert_eq!(fd_table_size(Some(127)), 128);
    assert_eq!(fd_table_size(Some(128)), 256);
    assert_eq!(fd_table_size(Some(256)), 512);
}

#[test]
fn dispositions_split_ignored_and_caught() {
    let mut actions = [SigAction::default(); 64];
    actions[1].handler = 1; // SIGINT ignored
    actions[14].handler = 0x401000; // SIGTERM caught
    let (ignored, caught) = dispositions(&actions);
    assert_eq!(ignored, 1 << 1);
    assert_eq!(caught, 1 << 14);
}

// ---- stat, statm ----

fn sample_stat() -> StatInfo {
    StatInfo {
        pid: 42,
        comm: b"my (weird) cmd".to_vec(),
        state: RunState::Sleeping,
        ppid: 1,
        pgrp: 1,
        session: 1,
        tty_nr: 0,
        tpgid: -1,
        times: crate::cputime::CpuTimes {
            user: std::time::Duration::from_millis(1230),
            sys: std::time::Duration::from_millis(40),
            minor_faults: 7,
            ..Default::default()
        },
        children_times: crate::cputime::CpuTimes::default(),
        num_threads: 2,
        vsize: 8 << 20,
        rss_pages: 2048,
        rsslim: u64::MAX,
        signal: 1 << 40 | 1 << 1,
        blocked: 1 << 16,
        sigignore: 4,
        sigcatch: 0x4b81_3efb,
        exit_signal: 17,
        start_brk: 0x55_0000,
        args: (0x7ffd_1000, 0x7ffd_1010),
        env: (0x7ffd_1010, 0x7ffd_1100),
    }
}

#[test]
fn stat_has_52_fields_in_order() {
    let out = text(format_stat(&sample_stat()));
    assert!(out.ends_with('\n'));
    assert!(out.starts_with("42 (my (weird) cmd) S "));
    // Parse as tools do: the comm ends at the last ')'.
    let close = out.rfind(')').unwrap();
    let rest: Vec<&str> = out[close + 2..].split_whitespace().collect();
    assert_eq!(rest.len() + 2, 52, "{out}");
    let field = |n: usize| rest[n - 3];
    assert_eq!(field(3), "S");
    assert_eq!(field(4), "1");
    assert_eq!(field(5), "1");
    assert_eq!(field(6), "1");
    assert_eq!(field(7), "0");
    assert_eq!(field(8), "-1");
    assert_eq!(field(10), "7");
    assert_eq!(field(14), "123");
    assert_eq!(field(15), "4");
    assert_eq!(field(16), "0");
    assert_eq!(field(18), "20");
    assert_eq!(field(19), "0");
    assert_eq!(field(20), "2");
    assert_eq!(field(22), "0");
    assert_eq!(field(23), (8u64 << 20).to_string());
    assert_eq!(field(24), "2048");
    assert_eq!(field(25), "18446744073709551615");
    // Signals keep only the first 31.
    assert_eq!(field(31), "2");
    assert_eq!(field(32), "65536");
    assert_eq!(field(33), "4");
    assert_eq!(field(34), (0x4b81_3efbu64 & 0x7fff_ffff).to_string());
    assert_eq!(field(38), "17");
    assert_eq!(field(47), (0x55_0000).to_string());
    assert_eq!(field(48), (0x7ffd_1000u64).to_string());
    assert_eq!(field(49), (0x7ffd_1010u64).to_string());
    assert_eq!(field(50), (0x7ffd_1010u64).to_string());
    assert_eq!(field(51), (0x7ffd_1100u64).to_string());
    assert_eq!(field(52), "0");
}

#[test]
fn stat_of_a_thread_has_exit_signal_minus_one() {
    let mut s = sample_stat();
    s.exit_signal = -1;
    s.state = RunState::Running;
    let out = text(format_stat(&s));
    let close = out.rfind(')').unwrap();
    let rest: Vec<&str> = out[close + 2..].split_whitespace().collect();
    assert_eq!(rest[0], "R");
    assert_eq!(rest[38 - 3], "-1");
}

#[test]
fn statm_is_seven_page_counts() {
    let vm = VmStats {
        size: 40 << 12,
        rss: 40 << 12,
        data: 10 << 12,
        stack: 2 << 12,
        exec: 5 << 12,
        locked: 0,
    };
    assert_eq!(text(format_statm(&vm)), "40 40 0 5 0 12 0\n");
}

// ---- limits ----

#[test]
fn limits_table_matches_linux_columns() {
    let mut rl = [Rlimit {
        cur: u64::MAX,
        max: u64::MAX,
    }; 16];
    rl[3] = Rlimit {
        cur: 8 << 20,
        max: u64::MAX,
    };
    rl[7] = Rlimit {
        cur: 1024,
        max: 1_048_576,
    };
    rl[13] = Rlimit { cur: 0, max: 0 };
    let out = text(format_limits(&rl));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 17);
    assert_eq!(
        lines[0],
        "Limit                     Soft Limit           Hard Limit           Units     "
    );
    assert_eq!(
        lines[4],
        "Max stack size            8388608              unlimited            bytes     "
    );
    assert_eq!(
        lines[8],
        "Max open files            1024                 1048576              files     "
    );
    assert_eq!(
        lines[14],
        "Max nice priority         0                    0                    "
    );
}

// ---- meminfo ----

#[test]
fn meminfo_lines_are_padded_as_linux() {
    let out = text(format_meminfo(&MemInfo {
        total: 4 << 30,
        used: 1 << 30,
    }));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "MemTotal:        4194304 kB");
    assert_eq!(lines[1], "MemFree:         3145728 kB");
    assert_eq!(lines[2], "MemAvailable:    3145728 kB");
    assert!(lines.contains(&"Buffers:               0 kB"));
    assert!(lines.contains(&"SwapTotal:             0 kB"));
    assert!(lines.contains(&"AnonPages:       1048576 kB"));
    assert!(lines.contains(&"HugePages_Total:       0"));
    assert!(lines.contains(&"Hugepagesize:       2048 kB"));
    assert_eq!(*lines.last().unwrap(), "Hugetlb:               0 kB");
}

#[test]
fn meminfo_never_shows_more_used_than_total() {
    let out = text(format_meminfo(&MemInfo {
        total: 1 << 20,
        used: 2 << 20,
    }));
    assert!(out.contains("\nMemFree:               0 kB\n"));
}

// ---- mounts, filesystems ----

#[test]
fn mounts_lines_are_mangled() {
    let mounts = [
        MountInfo {
            id: 1,
            parent_id: 1,
            mountpoint: b"/".to_vec(),
            fs_type: "overlay".into(),
            source: "overlay".into(),
            options: "rw,relatime".into(),
        },
        MountInfo {
            id: 2,
            parent_id: 1,
            mountpoint: b"/mnt/my dir\\x".to_vec(),
            fs_type: "tmpfs".into(),
            source: "none".into(),
            options: "rw".into(),
        },
    ];
    assert_eq!(
        text(format_mounts(&mounts)),
        "overlay / overlay rw,relatime 0 0\nnone /mnt/my\\040dir\\134x tmpfs rw 0 0\n"
    );
    assert_eq!(mangle(b"a\tb\nc"), b"a\\011b\\012c");
}

#[test]
fn filesystems_are_nodev_tab_name() {
    let out = text(format_filesystems(&FILESYSTEMS));
    assert!(out.contains("nodev\ttmpfs\n"));
    assert!(out.contains("nodev\tproc\n"));
    assert!(out.contains("nodev\toverlay\n"));
    assert_eq!(text(format_filesystems(&[(false, "ext4")])), "\text4\n");
}

// ---- uptime, loadavg, version, stat ----

#[test]
fn uptime_has_two_decimals() {
    assert_eq!(
        text(format_uptime(
            Duration::from_millis(12_345),
            Duration::from_millis(49_380)
        )),
        "12.34 49.38\n"
    );
    assert_eq!(
        text(format_uptime(Duration::ZERO, Duration::ZERO)),
        "0.00 0.00\n"
    );
}

#[test]
fn loadavg_and_version() {
    assert_eq!(text(format_loadavg(1, 5, 42)), "0.00 0.00 0.00 1/5 42\n");
    let v = text(format_version());
    assert!(v.starts_with("Linux version 6.6.0-veil "), "{v}");
    assert!(v.ends_with(&format!("{}\n", crate::kernel::KERNEL_VERSION)));
}

#[test]
fn system_stat_has_cpu_lines_and_btime() {
    let out = text(format_system_stat(&SystemStat {
        ncpus: 2,
        uptime_ticks: 500,
        btime: 1_700_000_000,
        processes: 9,
        running: 1,
    }));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "cpu  0 0 0 1000 0 0 0 0 0 0");
    assert_eq!(lines[1], "cpu0 0 0 0 500 0 0 0 0 0 0");
    assert_eq!(lines[2], "cpu1 0 0 0 500 0 0 0 0 0 0");
    assert!(lines.contains(&"btime 1700000000"));
    assert!(lines.contains(&"processes 9"));
    assert!(lines.contains(&"procs_running 1"));
}

// ---- cpuinfo ----

#[test]
fn cpuinfo_has_one_block_per_cpu() {
    let out = text(format_cpuinfo(3, &["fpu", "sse2"]));
    let blocks: Vec<&str> = out.split("\n\n").filter(|b| !b.is_empty()).collect();
    assert_eq!(blocks.len(), 3);
    assert!(blocks[2].starts_with("processor\t: 2\n"));
    assert!(out.contains("model name\t: Veil virtual CPU\n"));
    assert!(out.contains("flags\t\t: fpu sse2\n"));
    assert!(out.contains("siblings\t: 3\n"));
    assert!(out.ends_with("power management:\n\n"));
}

#[cfg(target_arch = "x86_64")]
#[test]
fn cpu_flags_include_the_x86_64_baseline() {
    let flags = super::cpuinfo::cpu_flags();
    for f in ["fpu", "sse", "sse2", "lm"] {
        assert!(flags.contains(&f));
    }
}

// ---- small helpers ----

#[test]
fn cmdline_is_the_args_unless_overwritten() {
    assert_eq!(cmdline_of(b"ls\0-l\0", Some(b"A=1\0")), b"ls\0-l\0");
    assert_eq!(cmdline_of(b"", None), b"");
    // setproctitle: the title runs on into the environment area, up to a NUL.
    assert_eq!(
        cmdline_of(b"worker: busy", Some(b" x\0A=1\0")),
        b"worker: busy x"
    );
    assert_eq!(cmdline_of(b"title\0\0x", None), b"title");
}

#[test]
fn fd_link_permissions_follow_access_mode() {
    use veil_abi::flags::open::{O_PATH, O_RDONLY, O_RDWR, O_WRONLY};
    assert_eq!(link_perm(O_RDONLY), 0o500);
    assert_eq!(link_perm(O_WRONLY), 0o300);
    assert_eq!(link_perm(O_RDWR), 0o700);
    assert_eq!(link_perm(O_PATH), 0o500);
}

#[test]
fn numbers_parse_as_linux_names() {
    assert_eq!(parse_number(b"0"), Some(0));
    assert_eq!(parse_number(b"123"), Some(123));
    for bad in [&b""[..], b"01", b"-1", b"+1", b"1a", b"99999999999"] {
        assert_eq!(parse_number(bad), None, "{bad:?}");
    }
}

#[test]
fn inode_numbers_are_stable_and_distinct() {
    assert_eq!(ino_of("/"), 1);
    assert_eq!(ino_of("/1/status"), ino_of("/1/status"));
    assert_ne!(ino_of("/1/status"), ino_of("/2/status"));
    assert!(ino_of("/cpuinfo") > 1);
}

// ---- the node layer, without a kernel ----

fn root() -> InodeRef {
    super::new(Weak::new())
}

fn read_all(inode: &InodeRef) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let n = inode.read_at(&mut buf, out.len() as u64)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn root_is_a_read_only_directory() {
    let root = root();
    let attr = root.attr().unwrap();
    assert_eq!(attr.kind, FileType::Directory);
    assert_eq!(attr.perm, 0o555);
    assert_eq!(attr.ino, 1);
    assert_eq!(attr.dev, PROC_DEV);
    let creds = NodeCreds { uid: 0, gid: 0 };
    assert_eq!(
        root.create(b"x", NewNode::Regular, 0o644, creds).err(),
        Some(Errno::EACCES)
    );
    assert_eq!(
        root.create(b"x", NewNode::Directory, 0o755, creds).err(),
        Some(Errno::EPERM)
    );
    assert_eq!(root.unlink(b"cpuinfo"), Err(Errno::EPERM));
    assert_eq!(root.rmdir(b"sys"), Err(Errno::EPERM));
    assert_eq!(
        root.rename(b"uptime", &root, b"x", RenameFlags::default()),
        Err(Errno::EPERM)
    );
}

#[test]
fn readdir_inode_numbers_match_lookups() {
    let root = root();
    let entries = root.readdir().unwrap();
    let names: Vec<&[u8]> = entries.iter().map(|e| &e.name[..]).collect();
    for name in [
        &b"cpuinfo"[..],
        b"meminfo",
        b"mounts",
        b"self",
        b"thread-self",
        b"sys",
    ] {
        assert!(names.contains(&name), "{names:?}");
    }
    for e in &entries {
        let child = root.lookup(&e.name).unwrap();
        assert_eq!(child.kind(), e.kind);
        assert_eq!(child.attr().unwrap().ino, e.ino);
    }
}

#[test]
fn files_are_generated_and_read_in_pieces() {
    let root = root();
    let cpuinfo = root.lookup(b"cpuinfo").unwrap();
    let attr = cpuinfo.attr().unwrap();
    assert_eq!(
        (attr.kind, attr.perm, attr.size),
        (FileType::Regular, 0o444, 0)
    );
    let content = read_all(&cpuinfo).unwrap();
    assert!(content.starts_with(b"processor\t: 0\n"));
    assert_eq!(cpuinfo.write_at(b"x", 0), Err(Errno::EACCES));
    assert_eq!(cpuinfo.read_at(&mut [0; 4], u64::MAX), Ok(0));
    assert_eq!(cpuinfo.lookup(b"x").err(), Some(Errno::ENOTDIR));
}

#[test]
fn sysctls_have_their_values() {
    let kernel = root().lookup(b"sys").unwrap().lookup(b"kernel").unwrap();
    let read = |name: &[u8]| read_all(&kernel.lookup(name).unwrap()).unwrap();
    assert_eq!(read(b"ostype"), b"Linux\n");
    assert_eq!(read(b"osrelease"), b"6.6.0-veil\n");
    assert_eq!(read(b"pid_max"), b"4194304\n");
    assert_eq!(read(b"ngroups_max"), b"65536\n");
    assert_eq!(
        kernel.lookup(b"pid_max").unwrap().attr().unwrap().perm,
        0o644
    );
    let vm = root().lookup(b"sys").unwrap().lookup(b"vm").unwrap();
    assert_eq!(
        read_all(&vm.lookup(b"overcommit_memory").unwrap()).unwrap(),
        b"0\n"
    );
}

#[test]
fn without_a_task_or_kernel_self_and_pids_are_missing() {
    let root = root();
    let me = root.lookup(b"self").unwrap();
    assert_eq!(me.kind(), FileType::Symlink);
    assert_eq!(me.readlink(), Err(Errno::ENOENT));
    assert_eq!(
        root.lookup(b"thread-self").unwrap().readlink(),
        Err(Errno::ENOENT)
    );
    assert_eq!(
        root.lookup(b"mounts").unwrap().readlink().unwrap(),
        b"self/mounts"
    );
    assert_eq!(root.lookup(b"1").err(), Some(Errno::ENOENT));
    assert_eq!(root.lookup(b"nope").err(), Some(Errno::ENOENT));
    assert_eq!(
        read_all(&root.lookup(b"meminfo").unwrap()),
        Err(Errno::ENOENT)
    );
}
