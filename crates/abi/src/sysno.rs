//! x86_64 system call numbers, generated from the kernel's `asm/unistd_64.h`
//! (plus the numbers added after Debian 12's headers, through Linux 6.17).

/// A raw x86_64 system call number.
pub type Sysno = u64;

/// `read`.
pub const SYS_READ: Sysno = 0;
/// `write`.
pub const SYS_WRITE: Sysno = 1;
/// `open`.
pub const SYS_OPEN: Sysno = 2;
/// `close`.
pub const SYS_CLOSE: Sysno = 3;
/// `stat`.
pub const SYS_STAT: Sysno = 4;
/// `fstat`.
pub const SYS_FSTAT: Sysno = 5;
/// `lstat`.
pub const SYS_LSTAT: Sysno = 6;
/// `poll`.
pub const SYS_POLL: Sysno = 7;
/// `lseek`.
pub const SYS_LSEEK: Sysno = 8;
/// `mmap`.
pub const SYS_MMAP: Sysno = 9;
/// `mprotect`.
pub const SYS_MPROTECT: Sysno = 10;
/// `munmap`.
pub const SYS_MUNMAP: Sysno = 11;
/// `brk`.
pub const SYS_BRK: Sysno = 12;
/// `rt_sigaction`.
pub const SYS_RT_SIGACTION: Sysno = 13;
/// `rt_sigprocmask`.
pub const SYS_RT_SIGPROCMASK: Sysno = 14;
/// `rt_sigreturn`.
pub const SYS_RT_SIGRETURN: Sysno = 15;
/// `ioctl`.
pub const SYS_IOCTL: Sysno = 16;
/// `pread64`.
pub const SYS_PREAD64: Sysno = 17;
/// `pwrite64`.
pub const SYS_PWRITE64: Sysno = 18;
/// `readv`.
pub const SYS_READV: Sysno = 19;
/// `writev`.
pub const SYS_WRITEV: Sysno = 20;
/// `access`.
pub const SYS_ACCESS: Sysno = 21;
/// `pipe`.
pub const SYS_PIPE: Sysno = 22;
/// `select`.
pub const SYS_SELECT: Sysno = 23;
/// `sched_yield`.
pub const SYS_SCHED_YIELD: Sysno = 24;
/// `mremap`.
pub const SYS_MREMAP: Sysno = 25;
/// `msync`.
pub const SYS_MSYNC: Sysno = 26;
/// `mincore`.
pub const SYS_MINCORE: Sysno = 27;
/// `madvise`.
pub const SYS_MADVISE: Sysno = 28;
/// `shmget`.
pub const SYS_SHMGET: Sysno = 29;
/// `shmat`.
pub const SYS_SHMAT: Sysno = 30;
/// `shmctl`.
pub const SYS_SHMCTL: Sysno = 31;
/// `dup`.
pub const SYS_DUP: Sysno = 32;
/// `dup2`.
pub const SYS_DUP2: Sysno = 33;
/// `pause`.
pub const SYS_PAUSE: Sysno = 34;
/// `nanosleep`.
pub const SYS_NANOSLEEP: Sysno = 35;
/// `getitimer`.
pub const SYS_GETITIMER: Sysno = 36;
/// `alarm`.
pub const SYS_ALARM: Sysno = 37;
/// `setitimer`.
pub const SYS_SETITIMER: Sysno = 38;
/// `getpid`.
pub const SYS_GETPID: Sysno = 39;
/// `sendfile`.
pub const SYS_SENDFILE: Sysno = 40;
/// `socket`.
pub const SYS_SOCKET: Sysno = 41;
/// `connect`.
pub const SYS_CONNECT: Sysno = 42;
/// `accept`.
pub const SYS_ACCEPT: Sysno = 43;
/// `sendto`.
pub const SYS_SENDTO: Sysno = 44;
/// `recvfrom`.
pub const SYS_RECVFROM: Sysno = 45;
/// `sendmsg`.
pub const SYS_SENDMSG: Sysno = 46;
/// `recvmsg`.
pub const SYS_RECVMSG: Sysno = 47;
/// `shutdown`.
pub const SYS_SHUTDOWN: Sysno = 48;
/// `bind`.
pub const SYS_BIND: Sysno = 49;
/// `listen`.
pub const SYS_LISTEN: Sysno = 50;
/// `getsockname`.
pub const SYS_GETSOCKNAME: Sysno = 51;
/// `getpeername`.
pub const SYS_GETPEERNAME: Sysno = 52;
/// `socketpair`.
pub const SYS_SOCKETPAIR: Sysno = 53;
/// `setsockopt`.
pub const SYS_SETSOCKOPT: Sysno = 54;
/// `getsockopt`.
pub const SYS_GETSOCKOPT: Sysno = 55;
/// `clone`.
pub const SYS_CLONE: Sysno = 56;
/// `fork`.
pub const SYS_FORK: Sysno = 57;
/// `vfork`.
pub const SYS_VFORK: Sysno = 58;
/// `execve`.
pub const SYS_EXECVE: Sysno = 59;
/// `exit`.
pub const SYS_EXIT: Sysno = 60;
/// `wait4`.
pub const SYS_WAIT4: Sysno = 61;
/// `kill`.
pub const SYS_KILL: Sysno = 62;
/// `uname`.
pub const SYS_UNAME: Sysno = 63;
/// `semget`.
pub const SYS_SEMGET: Sysno = 64;
/// `semop`.
pub const SYS_SEMOP: Sysno = 65;
/// `semctl`.
pub const SYS_SEMCTL: Sysno = 66;
/// `shmdt`.
pub const SYS_SHMDT: Sysno = 67;
/// `msgget`.
pub const SYS_MSGGET: Sysno = 68;
/// `msgsnd`.
pub const SYS_MSGSND: Sysno = 69;
/// `msgrcv`.
pub const SYS_MSGRCV: Sysno = 70;
/// `msgctl`.
pub const SYS_MSGCTL: Sysno = 71;
/// `fcntl`.
pub const SYS_FCNTL: Sysno = 72;
/// `flock`.
pub const SYS_FLOCK: Sysno = 73;
/// `fsync`.
pub const SYS_FSYNC: Sysno = 74;
/// `fdatasync`.
pub const SYS_FDATASYNC: Sysno = 75;
/// `truncate`.
pub const SYS_TRUNCATE: Sysno = 76;
/// `ftruncate`.
pub const SYS_FTRUNCATE: Sysno = 77;
/// `getdents`.
pub const SYS_GETDENTS: Sysno = 78;
/// `getcwd`.
pub const SYS_GETCWD: Sysno = 79;
/// `chdir`.
pub const SYS_CHDIR: Sysno = 80;
/// `fchdir`.
pub const SYS_FCHDIR: Sysno = 81;
/// `rename`.
pub const SYS_RENAME: Sysno = 82;
/// `mkdir`.
pub const SYS_MKDIR: Sysno = 83;
/// `rmdir`.
pub const SYS_RMDIR: Sysno = 84;
/// `creat`.
pub const SYS_CREAT: Sysno = 85;
/// `link`.
pub const SYS_LINK: Sysno = 86;
/// `unlink`.
pub const SYS_UNLINK: Sysno = 87;
/// `symlink`.
pub const SYS_SYMLINK: Sysno = 88;
/// `readlink`.
pub const SYS_READLINK: Sysno = 89;
/// `chmod`.
pub const SYS_CHMOD: Sysno = 90;
/// `fchmod`.
pub const SYS_FCHMOD: Sysno = 91;
/// `chown`.
pub const SYS_CHOWN: Sysno = 92;
/// `fchown`.
pub const SYS_FCHOWN: Sysno = 93;
/// `lchown`.
pub const SYS_LCHOWN: Sysno = 94;
/// `umask`.
pub const SYS_UMASK: Sysno = 95;
/// `gettimeofday`.
pub const SYS_GETTIMEOFDAY: Sysno = 96;
/// `getrlimit`.
pub const SYS_GETRLIMIT: Sysno = 97;
/// `getrusage`.
pub const SYS_GETRUSAGE: Sysno = 98;
/// `sysinfo`.
pub const SYS_SYSINFO: Sysno = 99;
/// `times`.
pub const SYS_TIMES: Sysno = 100;
/// `ptrace`.
pub const SYS_PTRACE: Sysno = 101;
/// `getuid`.
pub const SYS_GETUID: Sysno = 102;
/// `syslog`.
pub const SYS_SYSLOG: Sysno = 103;
/// `getgid`.
pub const SYS_GETGID: Sysno = 104;
/// `setuid`.
pub const SYS_SETUID: Sysno = 105;
/// `setgid`.
pub const SYS_SETGID: Sysno = 106;
/// `geteuid`.
pub const SYS_GETEUID: Sysno = 107;
/// `getegid`.
pub const SYS_GETEGID: Sysno = 108;
/// `setpgid`.
pub const SYS_SETPGID: Sysno = 109;
/// `getppid`.
pub const SYS_GETPPID: Sysno = 110;
/// `getpgrp`.
pub const SYS_GETPGRP: Sysno = 111;
/// `setsid`.
pub const SYS_SETSID: Sysno = 112;
/// `setreuid`.
pub const SYS_SETREUID: Sysno = 113;
/// `setregid`.
pub const SYS_SETREGID: Sysno = 114;
/// `getgroups`.
pub const SYS_GETGROUPS: Sysno = 115;
/// `setgroups`.
pub const SYS_SETGROUPS: Sysno = 116;
/// `setresuid`.
pub const SYS_SETRESUID: Sysno = 117;
/// `getresuid`.
pub const SYS_GETRESUID: Sysno = 118;
/// `setresgid`.
pub const SYS_SETRESGID: Sysno = 119;
/// `getresgid`.
pub const SYS_GETRESGID: Sysno = 120;
/// `getpgid`.
pub const SYS_GETPGID: Sysno = 121;
/// `setfsuid`.
pub const SYS_SETFSUID: Sysno = 122;
/// `setfsgid`.
pub const SYS_SETFSGID: Sysno = 123;
/// `getsid`.
pub const SYS_GETSID: Sysno = 124;
/// `capget`.
pub const SYS_CAPGET: Sysno = 125;
/// `capset`.
pub const SYS_CAPSET: Sysno = 126;
/// `rt_sigpending`.
pub const SYS_RT_SIGPENDING: Sysno = 127;
/// `rt_sigtimedwait`.
pub const SYS_RT_SIGTIMEDWAIT: Sysno = 128;
/// `rt_sigqueueinfo`.
pub const SYS_RT_SIGQUEUEINFO: Sysno = 129;
/// `rt_sigsuspend`.
pub const SYS_RT_SIGSUSPEND: Sysno = 130;
/// `sigaltstack`.
pub const SYS_SIGALTSTACK: Sysno = 131;
/// `utime`.
pub const SYS_UTIME: Sysno = 132;
/// `mknod`.
pub const SYS_MKNOD: Sysno = 133;
/// `uselib`.
pub const SYS_USELIB: Sysno = 134;
/// `personality`.
pub const SYS_PERSONALITY: Sysno = 135;
/// `ustat`.
pub const SYS_USTAT: Sysno = 136;
/// `statfs`.
pub const SYS_STATFS: Sysno = 137;
/// `fstatfs`.
pub const SYS_FSTATFS: Sysno = 138;
/// `sysfs`.
pub const SYS_SYSFS: Sysno = 139;
/// `getpriority`.
pub const SYS_GETPRIORITY: Sysno = 140;
/// `setpriority`.
pub const SYS_SETPRIORITY: Sysno = 141;
/// `sched_setparam`.
pub const SYS_SCHED_SETPARAM: Sysno = 142;
/// `sched_getparam`.
pub const SYS_SCHED_GETPARAM: Sysno = 143;
/// `sched_setscheduler`.
pub const SYS_SCHED_SETSCHEDULER: Sysno = 144;
/// `sched_getscheduler`.
pub const SYS_SCHED_GETSCHEDULER: Sysno = 145;
/// `sched_get_priority_max`.
pub const SYS_SCHED_GET_PRIORITY_MAX: Sysno = 146;
/// `sched_get_priority_min`.
pub const SYS_SCHED_GET_PRIORITY_MIN: Sysno = 147;
/// `sched_rr_get_interval`.
pub const SYS_SCHED_RR_GET_INTERVAL: Sysno = 148;
/// `mlock`.
pub const SYS_MLOCK: Sysno = 149;
/// `munlock`.
pub const SYS_MUNLOCK: Sysno = 150;
/// `mlockall`.
pub const SYS_MLOCKALL: Sysno = 151;
/// `munlockall`.
pub const SYS_MUNLOCKALL: Sysno = 152;
/// `vhangup`.
pub const SYS_VHANGUP: Sysno = 153;
/// `modify_ldt`.
pub const SYS_MODIFY_LDT: Sysno = 154;
/// `pivot_root`.
pub const SYS_PIVOT_ROOT: Sysno = 155;
/// `_sysctl`.
pub const SYS__SYSCTL: Sysno = 156;
/// `prctl`.
pub const SYS_PRCTL: Sysno = 157;
/// `arch_prctl`.
pub const SYS_ARCH_PRCTL: Sysno = 158;
/// `adjtimex`.
pub const SYS_ADJTIMEX: Sysno = 159;
/// `setrlimit`.
pub const SYS_SETRLIMIT: Sysno = 160;
/// `chroot`.
pub const SYS_CHROOT: Sysno = 161;
/// `sync`.
pub const SYS_SYNC: Sysno = 162;
/// `acct`.
pub const SYS_ACCT: Sysno = 163;
/// `settimeofday`.
pub const SYS_SETTIMEOFDAY: Sysno = 164;
/// `mount`.
pub const SYS_MOUNT: Sysno = 165;
/// `umount2`.
pub const SYS_UMOUNT2: Sysno = 166;
/// `swapon`.
pub const SYS_SWAPON: Sysno = 167;
/// `swapoff`.
pub const SYS_SWAPOFF: Sysno = 168;
/// `reboot`.
pub const SYS_REBOOT: Sysno = 169;
/// `sethostname`.
pub const SYS_SETHOSTNAME: Sysno = 170;
/// `setdomainname`.
pub const SYS_SETDOMAINNAME: Sysno = 171;
/// `iopl`.
pub const SYS_IOPL: Sysno = 172;
/// `ioperm`.
pub const SYS_IOPERM: Sysno = 173;
/// `create_module`.
pub const SYS_CREATE_MODULE: Sysno = 174;
/// `init_module`.
pub const SYS_INIT_MODULE: Sysno = 175;
/// `delete_module`.
pub const SYS_DELETE_MODULE: Sysno = 176;
/// `get_kernel_syms`.
pub const SYS_GET_KERNEL_SYMS: Sysno = 177;
/// `query_module`.
pub const SYS_QUERY_MODULE: Sysno = 178;
/// `quotactl`.
pub const SYS_QUOTACTL: Sysno = 179;
/// `nfsservctl`.
pub const SYS_NFSSERVCTL: Sysno = 180;
/// `getpmsg`.
pub const SYS_GETPMSG: Sysno = 181;
/// `putpmsg`.
pub const SYS_PUTPMSG: Sysno = 182;
/// `afs_syscall`.
pub const SYS_AFS_SYSCALL: Sysno = 183;
/// `tuxcall`.
pub const SYS_TUXCALL: Sysno = 184;
/// `security`.
pub const SYS_SECURITY: Sysno = 185;
/// `gettid`.
pub const SYS_GETTID: Sysno = 186;
/// `readahead`.
pub const SYS_READAHEAD: Sysno = 187;
/// `setxattr`.
pub const SYS_SETXATTR: Sysno = 188;
/// `lsetxattr`.
pub const SYS_LSETXATTR: Sysno = 189;
/// `fsetxattr`.
pub const SYS_FSETXATTR: Sysno = 190;
/// `getxattr`.
pub const SYS_GETXATTR: Sysno = 191;
/// `lgetxattr`.
pub const SYS_LGETXATTR: Sysno = 192;
/// `fgetxattr`.
pub const SYS_FGETXATTR: Sysno = 193;
/// `listxattr`.
pub const SYS_LISTXATTR: Sysno = 194;
/// `llistxattr`.
pub const SYS_LLISTXATTR: Sysno = 195;
/// `flistxattr`.
pub const SYS_FLISTXATTR: Sysno = 196;
/// `removexattr`.
pub const SYS_REMOVEXATTR: Sysno = 197;
/// `lremovexattr`.
pub const SYS_LREMOVEXATTR: Sysno = 198;
/// `fremovexattr`.
pub const SYS_FREMOVEXATTR: Sysno = 199;
/// `tkill`.
pub const SYS_TKILL: Sysno = 200;
/// `time`.
pub const SYS_TIME: Sysno = 201;
/// `futex`.
pub const SYS_FUTEX: Sysno = 202;
/// `sched_setaffinity`.
pub const SYS_SCHED_SETAFFINITY: Sysno = 203;
/// `sched_getaffinity`.
pub const SYS_SCHED_GETAFFINITY: Sysno = 204;
/// `set_thread_area`.
pub const SYS_SET_THREAD_AREA: Sysno = 205;
/// `io_setup`.
pub const SYS_IO_SETUP: Sysno = 206;
/// `io_destroy`.
pub const SYS_IO_DESTROY: Sysno = 207;
/// `io_getevents`.
pub const SYS_IO_GETEVENTS: Sysno = 208;
/// `io_submit`.
pub const SYS_IO_SUBMIT: Sysno = 209;
/// `io_cancel`.
pub const SYS_IO_CANCEL: Sysno = 210;
/// `get_thread_area`.
pub const SYS_GET_THREAD_AREA: Sysno = 211;
/// `lookup_dcookie`.
pub const SYS_LOOKUP_DCOOKIE: Sysno = 212;
/// `epoll_create`.
pub const SYS_EPOLL_CREATE: Sysno = 213;
/// `epoll_ctl_old`.
pub const SYS_EPOLL_CTL_OLD: Sysno = 214;
/// `epoll_wait_old`.
pub const SYS_EPOLL_WAIT_OLD: Sysno = 215;
/// `remap_file_pages`.
pub const SYS_REMAP_FILE_PAGES: Sysno = 216;
/// `getdents64`.
pub const SYS_GETDENTS64: Sysno = 217;
/// `set_tid_address`.
pub const SYS_SET_TID_ADDRESS: Sysno = 218;
/// `restart_syscall`.
pub const SYS_RESTART_SYSCALL: Sysno = 219;
/// `semtimedop`.
pub const SYS_SEMTIMEDOP: Sysno = 220;
/// `fadvise64`.
pub const SYS_FADVISE64: Sysno = 221;
/// `timer_create`.
pub const SYS_TIMER_CREATE: Sysno = 222;
/// `timer_settime`.
pub const SYS_TIMER_SETTIME: Sysno = 223;
/// `timer_gettime`.
pub const SYS_TIMER_GETTIME: Sysno = 224;
/// `timer_getoverrun`.
pub const SYS_TIMER_GETOVERRUN: Sysno = 225;
/// `timer_delete`.
pub const SYS_TIMER_DELETE: Sysno = 226;
/// `clock_settime`.
pub const SYS_CLOCK_SETTIME: Sysno = 227;
/// `clock_gettime`.
pub const SYS_CLOCK_GETTIME: Sysno = 228;
/// `clock_getres`.
pub const SYS_CLOCK_GETRES: Sysno = 229;
/// `clock_nanosleep`.
pub const SYS_CLOCK_NANOSLEEP: Sysno = 230;
/// `exit_group`.
pub const SYS_EXIT_GROUP: Sysno = 231;
/// `epoll_wait`.
pub const SYS_EPOLL_WAIT: Sysno = 232;
/// `epoll_ctl`.
pub const SYS_EPOLL_CTL: Sysno = 233;
/// `tgkill`.
pub const SYS_TGKILL: Sysno = 234;
/// `utimes`.
pub const SYS_UTIMES: Sysno = 235;
/// `vserver`.
pub const SYS_VSERVER: Sysno = 236;
/// `mbind`.
pub const SYS_MBIND: Sysno = 237;
/// `set_mempolicy`.
pub const SYS_SET_MEMPOLICY: Sysno = 238;
/// `get_mempolicy`.
pub const SYS_GET_MEMPOLICY: Sysno = 239;
/// `mq_open`.
pub const SYS_MQ_OPEN: Sysno = 240;
/// `mq_unlink`.
pub const SYS_MQ_UNLINK: Sysno = 241;
/// `mq_timedsend`.
pub const SYS_MQ_TIMEDSEND: Sysno = 242;
/// `mq_timedreceive`.
pub const SYS_MQ_TIMEDRECEIVE: Sysno = 243;
/// `mq_notify`.
pub const SYS_MQ_NOTIFY: Sysno = 244;
/// `mq_getsetattr`.
pub const SYS_MQ_GETSETATTR: Sysno = 245;
/// `kexec_load`.
pub const SYS_KEXEC_LOAD: Sysno = 246;
/// `waitid`.
pub const SYS_WAITID: Sysno = 247;
/// `add_key`.
pub const SYS_ADD_KEY: Sysno = 248;
/// `request_key`.
pub const SYS_REQUEST_KEY: Sysno = 249;
/// `keyctl`.
pub const SYS_KEYCTL: Sysno = 250;
/// `ioprio_set`.
pub const SYS_IOPRIO_SET: Sysno = 251;
/// `ioprio_get`.
pub const SYS_IOPRIO_GET: Sysno = 252;
/// `inotify_init`.
pub const SYS_INOTIFY_INIT: Sysno = 253;
/// `inotify_add_watch`.
pub const SYS_INOTIFY_ADD_WATCH: Sysno = 254;
/// `inotify_rm_watch`.
pub const SYS_INOTIFY_RM_WATCH: Sysno = 255;
/// `migrate_pages`.
pub const SYS_MIGRATE_PAGES: Sysno = 256;
/// `openat`.
pub const SYS_OPENAT: Sysno = 257;
/// `mkdirat`.
pub const SYS_MKDIRAT: Sysno = 258;
/// `mknodat`.
pub const SYS_MKNODAT: Sysno = 259;
/// `fchownat`.
pub const SYS_FCHOWNAT: Sysno = 260;
/// `futimesat`.
pub const SYS_FUTIMESAT: Sysno = 261;
/// `newfstatat`.
pub const SYS_NEWFSTATAT: Sysno = 262;
/// `unlinkat`.
pub const SYS_UNLINKAT: Sysno = 263;
/// `renameat`.
pub const SYS_RENAMEAT: Sysno = 264;
/// `linkat`.
pub const SYS_LINKAT: Sysno = 265;
/// `symlinkat`.
pub const SYS_SYMLINKAT: Sysno = 266;
/// `readlinkat`.
pub const SYS_READLINKAT: Sysno = 267;
/// `fchmodat`.
pub const SYS_FCHMODAT: Sysno = 268;
/// `faccessat`.
pub const SYS_FACCESSAT: Sysno = 269;
/// `pselect6`.
pub const SYS_PSELECT6: Sysno = 270;
/// `ppoll`.
pub const SYS_PPOLL: Sysno = 271;
/// `unshare`.
pub const SYS_UNSHARE: Sysno = 272;
/// `set_robust_list`.
pub const SYS_SET_ROBUST_LIST: Sysno = 273;
/// `get_robust_list`.
pub const SYS_GET_ROBUST_LIST: Sysno = 274;
/// `splice`.
pub const SYS_SPLICE: Sysno = 275;
/// `tee`.
pub const SYS_TEE: Sysno = 276;
/// `sync_file_range`.
pub const SYS_SYNC_FILE_RANGE: Sysno = 277;
/// `vmsplice`.
pub const SYS_VMSPLICE: Sysno = 278;
/// `move_pages`.
pub const SYS_MOVE_PAGES: Sysno = 279;
/// `utimensat`.
pub const SYS_UTIMENSAT: Sysno = 280;
/// `epoll_pwait`.
pub const SYS_EPOLL_PWAIT: Sysno = 281;
/// `signalfd`.
pub const SYS_SIGNALFD: Sysno = 282;
/// `timerfd_create`.
pub const SYS_TIMERFD_CREATE: Sysno = 283;
/// `eventfd`.
pub const SYS_EVENTFD: Sysno = 284;
/// `fallocate`.
pub const SYS_FALLOCATE: Sysno = 285;
/// `timerfd_settime`.
pub const SYS_TIMERFD_SETTIME: Sysno = 286;
/// `timerfd_gettime`.
pub const SYS_TIMERFD_GETTIME: Sysno = 287;
/// `accept4`.
pub const SYS_ACCEPT4: Sysno = 288;
/// `signalfd4`.
pub const SYS_SIGNALFD4: Sysno = 289;
/// `eventfd2`.
pub const SYS_EVENTFD2: Sysno = 290;
/// `epoll_create1`.
pub const SYS_EPOLL_CREATE1: Sysno = 291;
/// `dup3`.
pub const SYS_DUP3: Sysno = 292;
/// `pipe2`.
pub const SYS_PIPE2: Sysno = 293;
/// `inotify_init1`.
pub const SYS_INOTIFY_INIT1: Sysno = 294;
/// `preadv`.
pub const SYS_PREADV: Sysno = 295;
/// `pwritev`.
pub const SYS_PWRITEV: Sysno = 296;
/// `rt_tgsigqueueinfo`.
pub const SYS_RT_TGSIGQUEUEINFO: Sysno = 297;
/// `perf_event_open`.
pub const SYS_PERF_EVENT_OPEN: Sysno = 298;
/// `recvmmsg`.
pub const SYS_RECVMMSG: Sysno = 299;
/// `fanotify_init`.
pub const SYS_FANOTIFY_INIT: Sysno = 300;
/// `fanotify_mark`.
pub const SYS_FANOTIFY_MARK: Sysno = 301;
/// `prlimit64`.
pub const SYS_PRLIMIT64: Sysno = 302;
/// `name_to_handle_at`.
pub const SYS_NAME_TO_HANDLE_AT: Sysno = 303;
/// `open_by_handle_at`.
pub const SYS_OPEN_BY_HANDLE_AT: Sysno = 304;
/// `clock_adjtime`.
pub const SYS_CLOCK_ADJTIME: Sysno = 305;
/// `syncfs`.
pub const SYS_SYNCFS: Sysno = 306;
/// `sendmmsg`.
pub const SYS_SENDMMSG: Sysno = 307;
/// `setns`.
pub const SYS_SETNS: Sysno = 308;
/// `getcpu`.
pub const SYS_GETCPU: Sysno = 309;
/// `process_vm_readv`.
pub const SYS_PROCESS_VM_READV: Sysno = 310;
/// `process_vm_writev`.
pub const SYS_PROCESS_VM_WRITEV: Sysno = 311;
/// `kcmp`.
pub const SYS_KCMP: Sysno = 312;
/// `finit_module`.
pub const SYS_FINIT_MODULE: Sysno = 313;
/// `sched_setattr`.
pub const SYS_SCHED_SETATTR: Sysno = 314;
/// `sched_getattr`.
pub const SYS_SCHED_GETATTR: Sysno = 315;
/// `renameat2`.
pub const SYS_RENAMEAT2: Sysno = 316;
/// `seccomp`.
pub const SYS_SECCOMP: Sysno = 317;
/// `getrandom`.
pub const SYS_GETRANDOM: Sysno = 318;
/// `memfd_create`.
pub const SYS_MEMFD_CREATE: Sysno = 319;
/// `kexec_file_load`.
pub const SYS_KEXEC_FILE_LOAD: Sysno = 320;
/// `bpf`.
pub const SYS_BPF: Sysno = 321;
/// `execveat`.
pub const SYS_EXECVEAT: Sysno = 322;
/// `userfaultfd`.
pub const SYS_USERFAULTFD: Sysno = 323;
/// `membarrier`.
pub const SYS_MEMBARRIER: Sysno = 324;
/// `mlock2`.
pub const SYS_MLOCK2: Sysno = 325;
/// `copy_file_range`.
pub const SYS_COPY_FILE_RANGE: Sysno = 326;
/// `preadv2`.
pub const SYS_PREADV2: Sysno = 327;
/// `pwritev2`.
pub const SYS_PWRITEV2: Sysno = 328;
/// `pkey_mprotect`.
pub const SYS_PKEY_MPROTECT: Sysno = 329;
/// `pkey_alloc`.
pub const SYS_PKEY_ALLOC: Sysno = 330;
/// `pkey_free`.
pub const SYS_PKEY_FREE: Sysno = 331;
/// `statx`.
pub const SYS_STATX: Sysno = 332;
/// `io_pgetevents`.
pub const SYS_IO_PGETEVENTS: Sysno = 333;
/// `rseq`.
pub const SYS_RSEQ: Sysno = 334;
/// `pidfd_send_signal`.
pub const SYS_PIDFD_SEND_SIGNAL: Sysno = 424;
/// `io_uring_setup`.
pub const SYS_IO_URING_SETUP: Sysno = 425;
/// `io_uring_enter`.
pub const SYS_IO_URING_ENTER: Sysno = 426;
/// `io_uring_register`.
pub const SYS_IO_URING_REGISTER: Sysno = 427;
/// `open_tree`.
pub const SYS_OPEN_TREE: Sysno = 428;
/// `move_mount`.
pub const SYS_MOVE_MOUNT: Sysno = 429;
/// `fsopen`.
pub const SYS_FSOPEN: Sysno = 430;
/// `fsconfig`.
pub const SYS_FSCONFIG: Sysno = 431;
/// `fsmount`.
pub const SYS_FSMOUNT: Sysno = 432;
/// `fspick`.
pub const SYS_FSPICK: Sysno = 433;
/// `pidfd_open`.
pub const SYS_PIDFD_OPEN: Sysno = 434;
/// `clone3`.
pub const SYS_CLONE3: Sysno = 435;
/// `close_range`.
pub const SYS_CLOSE_RANGE: Sysno = 436;
/// `openat2`.
pub const SYS_OPENAT2: Sysno = 437;
/// `pidfd_getfd`.
pub const SYS_PIDFD_GETFD: Sysno = 438;
/// `faccessat2`.
pub const SYS_FACCESSAT2: Sysno = 439;
/// `process_madvise`.
pub const SYS_PROCESS_MADVISE: Sysno = 440;
/// `epoll_pwait2`.
pub const SYS_EPOLL_PWAIT2: Sysno = 441;
/// `mount_setattr`.
pub const SYS_MOUNT_SETATTR: Sysno = 442;
/// `quotactl_fd`.
pub const SYS_QUOTACTL_FD: Sysno = 443;
/// `landlock_create_ruleset`.
pub const SYS_LANDLOCK_CREATE_RULESET: Sysno = 444;
/// `landlock_add_rule`.
pub const SYS_LANDLOCK_ADD_RULE: Sysno = 445;
/// `landlock_restrict_self`.
pub const SYS_LANDLOCK_RESTRICT_SELF: Sysno = 446;
/// `memfd_secret`.
pub const SYS_MEMFD_SECRET: Sysno = 447;
/// `process_mrelease`.
pub const SYS_PROCESS_MRELEASE: Sysno = 448;
/// `futex_waitv`.
pub const SYS_FUTEX_WAITV: Sysno = 449;
/// `set_mempolicy_home_node`.
pub const SYS_SET_MEMPOLICY_HOME_NODE: Sysno = 450;
/// `cachestat`.
pub const SYS_CACHESTAT: Sysno = 451;
/// `fchmodat2`.
pub const SYS_FCHMODAT2: Sysno = 452;
/// `map_shadow_stack`.
pub const SYS_MAP_SHADOW_STACK: Sysno = 453;
/// `futex_wake`.
pub const SYS_FUTEX_WAKE: Sysno = 454;
/// `futex_wait`.
pub const SYS_FUTEX_WAIT: Sysno = 455;
/// `futex_requeue`.
pub const SYS_FUTEX_REQUEUE: Sysno = 456;
/// `statmount`.
pub const SYS_STATMOUNT: Sysno = 457;
/// `listmount`.
pub const SYS_LISTMOUNT: Sysno = 458;
/// `lsm_get_self_attr`.
pub const SYS_LSM_GET_SELF_ATTR: Sysno = 459;
/// `lsm_set_self_attr`.
pub const SYS_LSM_SET_SELF_ATTR: Sysno = 460;
/// `lsm_list_modules`.
pub const SYS_LSM_LIST_MODULES: Sysno = 461;
/// `mseal`.
pub const SYS_MSEAL: Sysno = 462;
/// `setxattrat`.
pub const SYS_SETXATTRAT: Sysno = 463;
/// `getxattrat`.
pub const SYS_GETXATTRAT: Sysno = 464;
/// `listxattrat`.
pub const SYS_LISTXATTRAT: Sysno = 465;
/// `removexattrat`.
pub const SYS_REMOVEXATTRAT: Sysno = 466;
/// `open_tree_attr`.
pub const SYS_OPEN_TREE_ATTR: Sysno = 467;
/// `file_getattr`.
pub const SYS_FILE_GETATTR: Sysno = 468;
/// `file_setattr`.
pub const SYS_FILE_SETATTR: Sysno = 469;

/// Every x86_64 system call as `(number, name)`, in number order.
pub const ALL: &[(Sysno, &str)] = &[
    (0, "read"),
    (1, "write"),
    (2, "open"),
    (3, "close"),
    (4, "stat"),
    (5, "fstat"),
    (6, "lstat"),
    (7, "poll"),
    (8, "lseek"),
    (9, "mmap"),
    (10, "mprotect"),
    (11, "munmap"),
    (12, "brk"),
    (13, "rt_sigaction"),
    (14, "rt_sigprocmask"),
    (15, "rt_sigreturn"),
    (16, "ioctl"),
    (17, "pread64"),
    (18, "pwrite64"),
    (19, "readv"),
    (20, "writev"),
    (21, "access"),
    (22, "pipe"),
    (23, "select"),
    (24, "sched_yield"),
    (25, "mremap"),
    (26, "msync"),
    (27, "mincore"),
    (28, "madvise"),
    (29, "shmget"),
    (30, "shmat"),
    (31, "shmctl"),
    (32, "dup"),
    (33, "dup2"),
    (34, "pause"),
    (35, "nanosleep"),
    (36, "getitimer"),
    (37, "alarm"),
    (38, "setitimer"),
    (39, "getpid"),
    (40, "sendfile"),
    (41, "socket"),
    (42, "connect"),
    (43, "accept"),
    (44, "sendto"),
    (45, "recvfrom"),
    (46, "sendmsg"),
    (47, "recvmsg"),
    (48, "shutdown"),
    (49, "bind"),
    (50, "listen"),
    (51, "getsockname"),
    (52, "getpeername"),
    (53, "socketpair"),
    (54, "setsockopt"),
    (55, "getsockopt"),
    (56, "clone"),
    (57, "fork"),
    (58, "vfork"),
    (59, "execve"),
    (60, "exit"),
    (61, "wait4"),
    (62, "kill"),
    (63, "uname"),
    (64, "semget"),
    (65, "semop"),
    (66, "semctl"),
    (67, "shmdt"),
    (68, "msgget"),
    (69, "msgsnd"),
    (70, "msgrcv"),
    (71, "msgctl"),
    (72, "fcntl"),
    (73, "flock"),
    (74, "fsync"),
    (75, "fdatasync"),
    (76, "truncate"),
    (77, "ftruncate"),
    (78, "getdents"),
    (79, "getcwd"),
    (80, "chdir"),
    (81, "fchdir"),
    (82, "rename"),
    (83, "mkdir"),
    (84, "rmdir"),
    (85, "creat"),
    (86, "link"),
    (87, "unlink"),
    (88, "symlink"),
    (89, "readlink"),
    (90, "chmod"),
    (91, "fchmod"),
    (92, "chown"),
    (93, "fchown"),
    (94, "lchown"),
    (95, "umask"),
    (96, "gettimeofday"),
    (97, "getrlimit"),
    (98, "getrusage"),
    (99, "sysinfo"),
    (100, "times"),
    (101, "ptrace"),
    (102, "getuid"),
    (103, "syslog"),
    (104, "getgid"),
    (105, "setuid"),
    (106, "setgid"),
    (107, "geteuid"),
    (108, "getegid"),
    (109, "setpgid"),
    (110, "getppid"),
    (111, "getpgrp"),
    (112, "setsid"),
    (113, "setreuid"),
    (114, "setregid"),
    (115, "getgroups"),
    (116, "setgroups"),
    (117, "setresuid"),
    (118, "getresuid"),
    (119, "setresgid"),
    (120, "getresgid"),
    (121, "getpgid"),
    (122, "setfsuid"),
    (123, "setfsgid"),
    (124, "getsid"),
    (125, "capget"),
    (126, "capset"),
    (127, "rt_sigpending"),
    (128, "rt_sigtimedwait"),
    (129, "rt_sigqueueinfo"),
    (130, "rt_sigsuspend"),
    (131, "sigaltstack"),
    (132, "utime"),
    (133, "mknod"),
    (134, "uselib"),
    (135, "personality"),
    (136, "ustat"),
    (137, "statfs"),
    (138, "fstatfs"),
    (139, "sysfs"),
    (140, "getpriority"),
    (141, "setpriority"),
    (142, "sched_setparam"),
    (143, "sched_getparam"),
    (144, "sched_setscheduler"),
    (145, "sched_getscheduler"),
    (146, "sched_get_priority_max"),
    (147, "sched_get_priority_min"),
    (148, "sched_rr_get_interval"),
    (149, "mlock"),
    (150, "munlock"),
    (151, "mlockall"),
    (152, "munlockall"),
    (153, "vhangup"),
    (154, "modify_ldt"),
    (155, "pivot_root"),
    (156, "_sysctl"),
    (157, "prctl"),
    (158, "arch_prctl"),
    (159, "adjtimex"),
    (160, "setrlimit"),
    (161, "chroot"),
    (162, "sync"),
    (163, "acct"),
    (164, "settimeofday"),
    (165, "mount"),
    (166, "umount2"),
    (167, "swapon"),
    (168, "swapoff"),
    (169, "reboot"),
    (170, "sethostname"),
    (171, "setdomainname"),
    (172, "iopl"),
    (173, "ioperm"),
    (174, "create_module"),
    (175, "init_module"),
    (176, "delete_module"),
    (177, "get_kernel_syms"),
    (178, "query_module"),
    (179, "quotactl"),
    (180, "nfsservctl"),
    (181, "getpmsg"),
    (182, "putpmsg"),
    (183, "afs_syscall"),
    (184, "tuxcall"),
    (185, "security"),
    (186, "gettid"),
    (187, "readahead"),
    (188, "setxattr"),
    (189, "lsetxattr"),
    (190, "fsetxattr"),
    (191, "getxattr"),
    (192, "lgetxattr"),
    (193, "fgetxattr"),
    (194, "listxattr"),
    (195, "llistxattr"),
    (196, "flistxattr"),
    (197, "removexattr"),
    (198, "lremovexattr"),
    (199, "fremovexattr"),
    (200, "tkill"),
    (201, "time"),
    (202, "futex"),
    (203, "sched_setaffinity"),
    (204, "sched_getaffinity"),
    (205, "set_thread_area"),
    (206, "io_setup"),
    (207, "io_destroy"),
    (208, "io_getevents"),
    (209, "io_submit"),
    (210, "io_cancel"),
    (211, "get_thread_area"),
    (212, "lookup_dcookie"),
    (213, "epoll_create"),
    (214, "epoll_ctl_old"),
    (215, "epoll_wait_old"),
    (216, "remap_file_pages"),
    (217, "getdents64"),
    (218, "set_tid_address"),
    (219, "restart_syscall"),
    (220, "semtimedop"),
    (221, "fadvise64"),
    (222, "timer_create"),
    (223, "timer_settime"),
    (224, "timer_gettime"),
    (225, "timer_getoverrun"),
    (226, "timer_delete"),
    (227, "clock_settime"),
    (228, "clock_gettime"),
    (229, "clock_getres"),
    (230, "clock_nanosleep"),
    (231, "exit_group"),
    (232, "epoll_wait"),
    (233, "epoll_ctl"),
    (234, "tgkill"),
    (235, "utimes"),
    (236, "vserver"),
    (237, "mbind"),
    (238, "set_mempolicy"),
    (239, "get_mempolicy"),
    (240, "mq_open"),
    (241, "mq_unlink"),
    (242, "mq_timedsend"),
    (243, "mq_timedreceive"),
    (244, "mq_notify"),
    (245, "mq_getsetattr"),
    (246, "kexec_load"),
    (247, "waitid"),
    (248, "add_key"),
    (249, "request_key"),
    (250, "keyctl"),
    (251, "ioprio_set"),
    (252, "ioprio_get"),
    (253, "inotify_init"),
    (254, "inotify_add_watch"),
    (255, "inotify_rm_watch"),
    (256, "migrate_pages"),
    (257, "openat"),
    (258, "mkdirat"),
    (259, "mknodat"),
    (260, "fchownat"),
    (261, "futimesat"),
    (262, "newfstatat"),
    (263, "unlinkat"),
    (264, "renameat"),
    (265, "linkat"),
    (266, "symlinkat"),
    (267, "readlinkat"),
    (268, "fchmodat"),
    (269, "faccessat"),
    (270, "pselect6"),
    (271, "ppoll"),
    (272, "unshare"),
    (273, "set_robust_list"),
    (274, "get_robust_list"),
    (275, "splice"),
    (276, "tee"),
    (277, "sync_file_range"),
    (278, "vmsplice"),
    (279, "move_pages"),
    (280, "utimensat"),
    (281, "epoll_pwait"),
    (282, "signalfd"),
    (283, "timerfd_create"),
    (284, "eventfd"),
    (285, "fallocate"),
    (286, "timerfd_settime"),
    (287, "timerfd_gettime"),
    (288, "accept4"),
    (289, "signalfd4"),
    (290, "eventfd2"),
    (291, "epoll_create1"),
    (292, "dup3"),
    (293, "pipe2"),
    (294, "inotify_init1"),
    (295, "preadv"),
    (296, "pwritev"),
    (297, "rt_tgsigqueueinfo"),
    (298, "perf_event_open"),
    (299, "recvmmsg"),
    (300, "fanotify_init"),
    (301, "fanotify_mark"),
    (302, "prlimit64"),
    (303, "name_to_handle_at"),
    (304, "open_by_handle_at"),
    (305, "clock_adjtime"),
    (306, "syncfs"),
    (307, "sendmmsg"),
    (308, "setns"),
    (309, "getcpu"),
    (310, "process_vm_readv"),
    (311, "process_vm_writev"),
    (312, "kcmp"),
    (313, "finit_module"),
    (314, "sched_setattr"),
    (315, "sched_getattr"),
    (316, "renameat2"),
    (317, "seccomp"),
    (318, "getrandom"),
    (319, "memfd_create"),
    (320, "kexec_file_load"),
    (321, "bpf"),
    (322, "execveat"),
    (323, "userfaultfd"),
    (324, "membarrier"),
    (325, "mlock2"),
    (326, "copy_file_range"),
    (327, "preadv2"),
    (328, "pwritev2"),
    (329, "pkey_mprotect"),
    (330, "pkey_alloc"),
    (331, "pkey_free"),
    (332, "statx"),
    (333, "io_pgetevents"),
    (334, "rseq"),
    (424, "pidfd_send_signal"),
    (425, "io_uring_setup"),
    (426, "io_uring_enter"),
    (427, "io_uring_register"),
    (428, "open_tree"),
    (429, "move_mount"),
    (430, "fsopen"),
    (431, "fsconfig"),
    (432, "fsmount"),
    (433, "fspick"),
    (434, "pidfd_open"),
    (435, "clone3"),
    (436, "close_range"),
    (437, "openat2"),
    (438, "pidfd_getfd"),
    (439, "faccessat2"),
    (440, "process_madvise"),
    (441, "epoll_pwait2"),
    (442, "mount_setattr"),
    (443, "quotactl_fd"),
    (444, "landlock_create_ruleset"),
    (445, "landlock_add_rule"),
    (446, "landlock_restrict_self"),
    (447, "memfd_secret"),
    (448, "process_mrelease"),
    (449, "futex_waitv"),
    (450, "set_mempolicy_home_node"),
    (451, "cachestat"),
    (452, "fchmodat2"),
    (453, "map_shadow_stack"),
    (454, "futex_wake"),
    (455, "futex_wait"),
    (456, "futex_requeue"),
    (457, "statmount"),
    (458, "listmount"),
    (459, "lsm_get_self_attr"),
    (460, "lsm_set_self_attr"),
    (461, "lsm_list_modules"),
    (462, "mseal"),
    (463, "setxattrat"),
    (464, "getxattrat"),
    (465, "listxattrat"),
    (466, "removexattrat"),
    (467, "open_tree_attr"),
    (468, "file_getattr"),
    (469, "file_setattr"),
];

/// The highest system call number this table knows.
pub const MAX: Sysno = 469;

/// Returns the name of system call `nr`, or `None` if it is not an x86_64 system call.
pub fn name(nr: Sysno) -> Option<&'static str> {
    ALL.binary_search_by_key(&nr, |&(n, _)| n)
        .ok()
        .map(|i| ALL[i].1)
}
