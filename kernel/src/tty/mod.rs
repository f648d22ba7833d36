//! Terminals implemented in the sentry: pseudo-terminal pairs (`/dev/ptmx`,
//! `/dev/pts/N`) and the console of `veil do` (a pty whose master side is the host's
//! terminal, pumped by [`console`]).
//!
//! * `ldisc.rs`: the line discipline (canonical editing, echo, signal characters,
//!   output processing), a plain data structure.
//! * `mod.rs` (this file): [`Terminal`], one pty pair's shared state under one lock,
//!   and [`TtyFile`], an open master or slave.
//! * `job.rs`: the controlling terminal and job control: which reads, writes and
//!   ioctls a background process may do, and the signals the terminal sends.
//! * `ioctl.rs`: the terminal ioctls.
//! * `pty.rs`: opening `/dev/ptmx`, the `/dev/pts` nodes, `/dev/tty`.
//! * `console.rs`: the host terminal bridge of `veil do`.
//!
//! Waiting follows the pipes' design: readers, writers and pollers of either side wait
//! on the terminal's one [`WaitQueue`], and every change wakes them all.
//!
//! Locks: `Terminal::state` is a leaf except for waking waiters (a task's block
//! mutex). Signals are sent after it is released; thread-group locks are never taken
//! under it.

pub mod console;
mod ioctl;
pub mod job;
pub mod ldisc;
pub mod pty;

pub use ioctl::ioctl;
pub use job::{clear_controlling_terminal, controlling_terminal};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use veil_abi::flags::termios::{VMIN, VTIME};
use veil_abi::structs::{KernelTermios, Stat, Statx, Winsize};
use veil_abi::Errno;
use veil_vfs::file::{PollWaker, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use veil_vfs::{FileOps, WaitQueue};

use crate::signal::ERESTARTSYS;
use crate::task::{self, BlockResult};
use crate::Kernel;
use ldisc::{InputEvent, LineDiscipline};

/// Major device number of pty slaves (`/dev/pts/N`).
pub const PTS_MAJOR: u64 = 136;

/// One pseudo-terminal: the line discipline between its master and slave sides, its
/// window size, and the job-control state of the session it controls.
pub struct Terminal {
    /// Its number: the slave is `/dev/pts/<index>`.
    pub index: u32,
    kernel: Weak<Kernel>,
    state: Mutex<TermState>,
}

/// What [`Terminal::state`] guards.
struct TermState {
    ldisc: LineDiscipline,
    winsize: Winsize,
    /// The foreground process group (0: none).
    fg_pgrp: i32,
    /// The session this is the controlling terminal of (0: none).
    session: i32,
    /// `TIOCSPTLCK`: the slave cannot be opened while locked.
    locked: bool,
    /// `TIOCEXCL`: only a privileged process may open the slave again.
    exclusive: bool,
    /// The master side is gone: the slave is hung up (reads end, writes fail).
    master_closed: bool,
    /// Open slave files.
    slave_opens: usize,
    /// Every slave file was closed (after at least one open): the master reads `EIO`.
    slave_closed: bool,
    waiters: WaitQueue,
}

impl Terminal {
    /// A new terminal number `index` with `termios` and `winsize`, locked as a fresh
    /// pty is when `locked`.
    pub fn new(
        index: u32,
        kernel: Weak<Kernel>,
        termios: KernelTermios,
        winsize: Winsize,
        locked: bool,
    ) -> Arc<Terminal> {
        Arc::new(Terminal {
            index,
            kernel,
            state: Mutex::new(TermState {
                ldisc: LineDiscipline::new(termios),
                winsize,
                fg_pgrp: 0,
                session: 0,
                locked,
                exclusive: false,
                master_closed: false,
                slave_opens: 0,
                slave_closed: false,
                waiters: WaitQueue::default(),
            }),
        })
    }

    /// The foreground process group (0: none).
    pub fn foreground_group(&self) -> i32 {
        self.state.lock().fg_pgrp
    }

    /// The slave's device number.
    pub fn rdev(&self) -> u64 {
        crate::devices::makedev(PTS_MAJOR, u64::from(self.index))
    }

    /// The slave's path.
    pub fn slave_path(&self) -> String {
        format!("/dev/pts/{}", self.index)
    }

    /// Bytes typed into the terminal (a master `write`, the host keyboard): runs them
    /// through the line discipline, sends the signals they generate to the foreground
    /// process group, and returns how many were taken (fewer when the input side is
    /// full).
    pub fn type_input(&self, bytes: &[u8]) -> usize {
        let (taken, events, fg) = {
            let mut st = self.state.lock();
            let (taken, events) = st.ldisc.receive(bytes);
            st.waiters.wake_all();
            (taken, events, st.fg_pgrp)
        };
        for InputEvent::Signal(signo) in events {
            self.signal_group(fg, signo);
        }
        taken
    }

    /// Takes output for the master side; 0 if there is none.
    pub fn take_output(&self, buf: &mut [u8]) -> usize {
        let mut st = self.state.lock();
        let n = st.ldisc.take_output(buf);
        if n > 0 {
            st.waiters.wake_all();
        }
        n
    }

    /// Whether every slave file was closed (the master reads `EIO`).
    pub fn slave_gone(&self) -> bool {
        self.state.lock().slave_closed
    }

    /// Registers `waker` for the next change of the terminal, unless `ready` says the
    /// wait is over already (checked under the lock, so no change is missed).
    pub fn wait_for(&self, waker: &Arc<dyn PollWaker>, ready: impl Fn(bool, bool) -> bool) -> bool {
        let mut st = self.state.lock();
        if ready(st.ldisc.output_ready(), st.slave_closed) {
            return true;
        }
        st.waiters.register(waker);
        false
    }

    /// Sets the window size; a change sends `SIGWINCH` to the foreground process group.
    pub fn set_winsize(&self, ws: Winsize) {
        let fg = {
            let mut st = self.state.lock();
            let old = st.winsize;
            st.winsize = ws;
            if (old.ws_row, old.ws_col, old.ws_xpixel, old.ws_ypixel)
                == (ws.ws_row, ws.ws_col, ws.ws_xpixel, ws.ws_ypixel)
            {
                return;
            }
            st.fg_pgrp
        };
        self.signal_group(fg, veil_abi::flags::signal::SIGWINCH);
    }

    /// The master side is gone: the slave hangs up. The session's leader and the
    /// foreground process group get `SIGHUP` and `SIGCONT`, as Linux's `tty_vhangup`.
    pub fn hang_up(&self) {
        let (fg, session) = {
            let mut st = self.state.lock();
            st.master_closed = true;
            st.waiters.wake_all();
            (st.fg_pgrp, st.session)
        };
        if session != 0 {
            job::signal_session_leader(self, session);
        }
        self.signal_group(fg, veil_abi::flags::signal::SIGHUP);
        self.signal_group(fg, veil_abi::flags::signal::SIGCONT);
    }

    /// Sends `signo` to every process of group `pgid` (none if 0).
    fn signal_group(&self, pgid: i32, signo: u32) {
        if pgid == 0 {
            return;
        }
        if let Some(kernel) = self.kernel.upgrade() {
            job::signal_process_group(&kernel, pgid, signo);
        }
    }

    fn slave_opened(&self) -> Result<(), Errno> {
        let mut st = self.state.lock();
        if st.locked || st.master_closed {
            return Err(Errno::EIO);
        }
        if st.exclusive
            && !task::current().is_some_and(|t| t.creds().has(crate::creds::CAP_SYS_ADMIN))
        {
            return Err(Errno::EBUSY);
        }
        st.slave_opens += 1;
        st.slave_closed = false;
        Ok(())
    }

    fn slave_released(&self) {
        let mut st = self.state.lock();
        st.slave_opens -= 1;
        if st.slave_opens == 0 {
            st.slave_closed = true;
            st.waiters.wake_all();
        }
    }
}

/// Which side of a pty an open file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `/dev/ptmx`: reads the output, writes the input.
    Master,
    /// `/dev/pts/N`: the terminal programs use.
    Slave,
}

/// An open master or slave of a [`Terminal`].
pub struct TtyFile {
    /// The terminal.
    pub terminal: Arc<Terminal>,
    /// Which side.
    pub side: Side,
    nonblock: AtomicBool,
    stat: Stat,
}

impl TtyFile {
    /// Opens `side` of `terminal`, with `stat` as its `fstat`. Opening a slave fails
    /// with `EIO` while the pty is locked or hung up, `EBUSY` when exclusive.
    pub fn open(
        terminal: &Arc<Terminal>,
        side: Side,
        nonblock: bool,
        stat: Stat,
    ) -> Result<Arc<TtyFile>, Errno> {
        if side == Side::Slave {
            terminal.slave_opened()?;
        }
        Ok(Arc::new(TtyFile {
            terminal: terminal.clone(),
            side,
            nonblock: AtomicBool::new(nonblock),
            stat,
        }))
    }

    /// Waits (as the current task) for the terminal's next change, until `deadline`.
    /// `Ok(false)` on a timeout; `ERESTARTSYS` on a signal.
    fn sleep(task: &Arc<task::Task>, deadline: Option<Instant>) -> Result<bool, Errno> {
        match task.block(deadline) {
            BlockResult::Woken => Ok(true),
            BlockResult::TimedOut => Ok(false),
            BlockResult::Interrupted => Err(ERESTARTSYS),
        }
    }

    fn read_slave(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let task = task::current().ok_or(Errno::EIO)?;
        job::check_read(&self.terminal, &task)?;
        let mut deadline: Option<Instant> = None;
        loop {
            let mut st = self.terminal.state.lock();
            let canonical = st.ldisc.canonical();
            let (vmin, vtime) = (
                usize::from(st.ldisc.termios.c_cc[VMIN]),
                u64::from(st.ldisc.termios.c_cc[VTIME]),
            );
            let have = st.ldisc.readable_bytes();
            let enough = canonical
                || vmin == 0
                || have >= vmin.min(buf.len())
                || deadline.is_some_and(|d| Instant::now() >= d && have > 0);
            if enough || st.master_closed {
                if let Some(n) = st.ldisc.read(buf) {
                    if n > 0 || canonical || vtime == 0 || deadline.is_some() {
                        st.waiters.wake_all();
                        return Ok(n);
                    }
                } else if st.master_closed {
                    // Hung up: end of file.
                    return Ok(0);
                }
            }
            if buf.is_empty() {
                return Ok(0);
            }
            if self.nonblock.load(Ordering::Relaxed) {
                return Err(Errno::EAGAIN);
            }
            // VTIME: with VMIN 0, a timer for the whole read; with VMIN > 0, an
            // inter-byte timer started by the first byte.
            if !canonical && vtime > 0 && deadline.is_none() && (vmin == 0 || have > 0) {
                deadline = Some(Instant::now() + Duration::from_millis(vtime * 100));
            }
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            if !Self::sleep(&task, deadline)? {
                // Timed out: whatever is there (maybe nothing) is the answer.
                let mut st = self.terminal.state.lock();
                if st.ldisc.readable_bytes() == 0 {
                    return Ok(0);
                }
                let n = st.ldisc.read(buf).unwrap_or(0);
                st.waiters.wake_all();
                return Ok(n);
            }
        }
    }

    fn write_slave(&self, buf: &[u8]) -> Result<usize, Errno> {
        let task = task::current().ok_or(Errno::EIO)?;
        job::check_write(&self.terminal, &task)?;
        let mut done = 0;
        loop {
            let mut st = self.terminal.state.lock();
            if st.master_closed {
                return if done > 0 { Ok(done) } else { Err(Errno::EIO) };
            }
            let n = st.ldisc.write_output(&buf[done..]);
            if n > 0 {
                st.waiters.wake_all();
            }
            done += n;
            if done == buf.len() {
                return Ok(done);
            }
            if self.nonblock.load(Ordering::Relaxed) {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            if let Err(e) = Self::sleep(&task, None) {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
    }

    fn read_master(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let task = task::current().ok_or(Errno::EIO)?;
        loop {
            let mut st = self.terminal.state.lock();
            let n = st.ldisc.take_output(buf);
            if n > 0 || buf.is_empty() {
                st.waiters.wake_all();
                return Ok(n);
            }
            if st.slave_closed {
                return Err(Errno::EIO);
            }
            if self.nonblock.load(Ordering::Relaxed) {
                return Err(Errno::EAGAIN);
            }
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            Self::sleep(&task, None)?;
        }
    }

    fn write_master(&self, buf: &[u8]) -> Result<usize, Errno> {
        let task = task::current().ok_or(Errno::EIO)?;
        let mut done = 0;
        loop {
            done += self.terminal.type_input(&buf[done..]);
            if done == buf.len() {
                return Ok(done);
            }
            let mut st = self.terminal.state.lock();
            if st.ldisc.input_room() > 0 {
                continue;
            }
            if self.nonblock.load(Ordering::Relaxed) {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            task.prepare_block();
            let waker: Arc<dyn PollWaker> = task.clone();
            st.waiters.register(&waker);
            drop(st);
            if let Err(e) = Self::sleep(&task, None) {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
    }
}

impl Drop for TtyFile {
    fn drop(&mut self) {
        match self.side {
            Side::Slave => self.terminal.slave_released(),
            Side::Master => {
                self.terminal.hang_up();
                pty::release(&self.terminal);
            }
        }
    }
}

impl FileOps for TtyFile {
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        match self.side {
            Side::Slave => self.read_slave(buf),
            Side::Master => self.read_master(buf),
        }
    }

    fn pread(&self, _buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }

    fn write(&self, buf: &[u8], _append: bool) -> Result<usize, Errno> {
        match self.side {
            Side::Slave => self.write_slave(buf),
            Side::Master => self.write_master(buf),
        }
    }

    fn pwrite(&self, _buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }

    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64, Errno> {
        Err(Errno::ESPIPE)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.stat)
    }

    fn statx(&self, _mask: u32) -> Result<Statx, Errno> {
        Ok(veil_vfs::host::stat_to_statx(&self.stat))
    }

    fn readiness(&self, waker: Option<&Arc<dyn PollWaker>>) -> u32 {
        let mut st = self.terminal.state.lock();
        let mut ready = 0;
        match self.side {
            Side::Slave => {
                if st.ldisc.read_ready() {
                    ready |= POLLIN | POLLRDNORM;
                }
                if st.master_closed {
                    ready |= POLLIN | POLLRDNORM | POLLHUP | POLLERR;
                } else if st.ldisc.output_room() > 1 {
                    ready |= POLLOUT | POLLWRNORM;
                }
            }
            Side::Master => {
                if st.ldisc.output_ready() {
                    ready |= POLLIN | POLLRDNORM;
                }
                if st.slave_closed {
                    ready |= POLLHUP;
                }
                if st.ldisc.input_room() > 0 {
                    ready |= POLLOUT | POLLWRNORM;
                }
            }
        }
        if let Some(w) = waker {
            st.waiters.register(w);
        }
        ready
    }

    fn set_nonblocking(&self, nonblock: bool) {
        self.nonblock.store(nonblock, Ordering::Relaxed);
    }

    fn tcgets(&self) -> Result<KernelTermios, Errno> {
        Ok(self.terminal.state.lock().ldisc.termios)
    }

    fn winsize(&self) -> Result<Winsize, Errno> {
        Ok(self.terminal.state.lock().winsize)
    }

    fn unread_bytes(&self) -> Result<usize, Errno> {
        let st = self.terminal.state.lock();
        Ok(match self.side {
            Side::Slave => st.ldisc.readable_bytes(),
            Side::Master => st.ldisc.output_len(),
        })
    }
}

/// The terminal file `file` is, if it is one.
pub fn as_tty(file: &dyn FileOps) -> Option<&TtyFile> {
    file.as_any()?.downcast_ref::<TtyFile>()
}
