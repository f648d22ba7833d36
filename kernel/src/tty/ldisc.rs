//! The line discipline (Linux's `n_tty`): what a terminal does with the bytes typed
//! into it and the bytes a program writes to it, as a plain data structure with no
//! locks, tasks or signals of its own. [`super::Terminal`] holds one under its lock,
//! acts on the [`InputEvent`]s it reports (signals to the foreground process group)
//! and wakes readers and writers.
//!
//! Input (a pty master's writes, the host keyboard of the console) goes through
//! `c_iflag` (`ICRNL`, `INLCR`, `IGNCR`, `ISTRIP`, `IXON`), then `ISIG`'s signal
//! characters, then canonical editing (`ICANON`: `VERASE`, `VKILL`, `VWERASE`,
//! `VLNEXT`, `VREPRINT`, `VEOF`, `VEOL`, `VEOL2`) or straight into the read queue,
//! echoed as `ECHO*` says. Output (the slave's writes, and echoes) goes through
//! `c_oflag` (`OPOST`: `ONLCR`, `OCRNL`, `ONOCR`, `ONLRET`, `OLCUC`) into the queue
//! the master side reads.

use std::collections::VecDeque;

use veil_abi::flags::termios::*;
use veil_abi::structs::KernelTermios;

/// Most bytes the read side holds (Linux's `N_TTY_BUF_SIZE`); in canonical mode one
/// byte is kept free for the line's end.
pub const INPUT_CAPACITY: usize = 4096;
/// Most bytes of output the master side has not read yet before a writer waits.
pub const OUTPUT_CAPACITY: usize = 64 * 1024;

/// The settings a new terminal starts with: Linux's `tty_std_termios`.
pub fn default_termios() -> KernelTermios {
    let mut cc = [0u8; 19];
    let chars: [(usize, u8); 13] = [
        (VINTR, 0x03),
        (VQUIT, 0x1c),
        (VERASE, 0x7f),
        (VKILL, 0x15),
        (VEOF, 0x04),
        (VTIME, 0),
        (VMIN, 1),
        (VSTART, 0x11),
        (VSTOP, 0x13),
        (VSUSP, 0x1a),
        (VREPRINT, 0x12),
        (VDISCARD, 0x0f),
        (VWERASE, 0x17),
    ];
    for (i, c) in chars {
        cc[i] = c;
    }
    cc[VLNEXT] = 0x16;
    KernelTermios {
        c_iflag: ICRNL | IXON,
        c_oflag: OPOST | ONLCR,
        c_cflag: B38400 | CS8 | CREAD | HUPCL,
        c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
        c_line: 0,
        c_cc: cc,
    }
}

/// Something typed that the terminal must act on beyond queueing bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputEvent {
    /// A signal character (`VINTR`, `VQUIT`, `VSUSP`) under `ISIG`: send the signal to
    /// the foreground process group.
    Signal(u32),
}

/// The state of one terminal's line discipline.
pub struct LineDiscipline {
    /// The settings (`TCGETS`/`TCSETS`).
    pub termios: KernelTermios,
    /// Bytes a read may return. In canonical mode only complete lines are here.
    ready: VecDeque<u8>,
    /// Canonical mode: the lengths of the complete lines in `ready`, oldest first (a
    /// line ended by `VEOF` has no end byte, and may be empty: a read of 0).
    lines: VecDeque<usize>,
    /// Canonical mode: the line being edited, not yet readable.
    editing: Vec<u8>,
    /// The next character is taken literally (`VLNEXT` was typed).
    literal_next: bool,
    /// Output waiting for the master side to read it.
    output: VecDeque<u8>,
    /// Output suspended by `VSTOP` (`IXON`) or `TCOOFF`.
    pub output_stopped: bool,
    /// Column of the output cursor, for `ONOCR` and erasing tabs.
    column: usize,
}

impl LineDiscipline {
    /// A line discipline with `termios`, all queues empty.
    pub fn new(termios: KernelTermios) -> LineDiscipline {
        LineDiscipline {
            termios,
            ready: VecDeque::new(),
            lines: VecDeque::new(),
            editing: Vec::new(),
            literal_next: false,
            output: VecDeque::new(),
            output_stopped: false,
            column: 0,
        }
    }

    fn lflag(&self, f: u32) -> bool {
        self.termios.c_lflag & f != 0
    }

    fn iflag(&self, f: u32) -> bool {
        self.termios.c_iflag & f != 0
    }

    fn cc(&self, i: usize) -> u8 {
        self.termios.c_cc[i]
    }

    /// Whether `c` is the (enabled, non-NUL: `_POSIX_VDISABLE`) control character `i`.
    fn is(&self, c: u8, i: usize) -> bool {
        let v = self.cc(i);
        v != 0 && c == v
    }

    /// Whether the terminal is in canonical mode.
    pub fn canonical(&self) -> bool {
        self.lflag(ICANON)
    }

    /// Replaces the settings. Leaving canonical mode makes the line being edited
    /// readable; entering it takes what is unread as the start of a line.
    pub fn set_termios(&mut self, t: KernelTermios) {
        let was = self.canonical();
        self.termios = t;
        let now = self.canonical();
        if was && !now {
            self.ready.extend(self.editing.drain(..));
            self.lines.clear();
        } else if !was && now {
            let unread: Vec<u8> = self.ready.drain(..).collect();
            self.editing = unread;
            self.lines.clear();
        }
        if !self.iflag(IXON) {
            self.output_stopped = false;
        }
    }

    /// Bytes buffered on the input side (`FIONREAD` on the slave: readable ones).
    pub fn readable_bytes(&self) -> usize {
        self.ready.len()
    }

    /// Bytes of output the master side has not read (`TIOCOUTQ`, master `FIONREAD`).
    pub fn output_len(&self) -> usize {
        self.output.len()
    }

    /// Whether a read would return now (or find end of file): a complete line in
    /// canonical mode, `min` bytes otherwise (`VMIN` 0 is always ready).
    pub fn read_ready(&self) -> bool {
        if self.canonical() {
            !self.lines.is_empty()
        } else {
            let min = usize::from(self.cc(VMIN)).max(1);
            self.ready.len() >= min || (self.cc(VMIN) == 0)
        }
    }

    /// Whether the input side can take more bytes.
    pub fn input_room(&self) -> usize {
        INPUT_CAPACITY.saturating_sub(self.ready.len() + self.editing.len() + 1)
    }

    /// Reads what a `read` of `buf` returns now, if it can return: in canonical mode
    /// at most the first complete line (0 for a `VEOF` at the start of a line);
    /// otherwise what is queued. `None`: nothing to return yet (the reader waits).
    /// In non-canonical mode with `VMIN` 0, an empty queue reads 0.
    pub fn read(&mut self, buf: &mut [u8]) -> Option<usize> {
        if self.canonical() {
            let len = *self.lines.front()?;
            let n = len.min(buf.len());
            for b in buf.iter_mut().take(n) {
                *b = self.ready.pop_front().unwrap_or(0);
            }
            if n == len {
                self.lines.pop_front();
            } else if let Some(front) = self.lines.front_mut() {
                *front -= n;
            }
            return Some(n);
        }
        if self.ready.is_empty() {
            return if self.cc(VMIN) == 0 { Some(0) } else { None };
        }
        let n = self.ready.len().min(buf.len());
        for b in buf.iter_mut().take(n) {
            *b = self.ready.pop_front().unwrap_or(0);
        }
        Some(n)
    }

    /// Discards unread input (`TCIFLUSH`, a signal character without `NOFLSH`).
    pub fn flush_input(&mut self) {
        self.ready.clear();
        self.lines.clear();
        self.editing.clear();
        self.literal_next = false;
    }

    /// Discards unread output (`TCOFLUSH`).
    pub fn flush_output(&mut self) {
        self.output.clear();
    }

    /// Takes up to `buf.len()` bytes of output for the master side; 0 while output is
    /// stopped.
    pub fn take_output(&mut self, buf: &mut [u8]) -> usize {
        if self.output_stopped {
            return 0;
        }
        let n = self.output.len().min(buf.len());
        for b in buf.iter_mut().take(n) {
            *b = self.output.pop_front().unwrap_or(0);
        }
        n
    }

    /// Whether output is waiting and may be read.
    pub fn output_ready(&self) -> bool {
        !self.output_stopped && !self.output.is_empty()
    }

    /// Room for more output before a writer waits.
    pub fn output_room(&self) -> usize {
        OUTPUT_CAPACITY.saturating_sub(self.output.len())
    }

    /// Writes program output through `c_oflag` processing; returns how many bytes of
    /// `buf` were taken (all of them when there is room).
    pub fn write_output(&mut self, buf: &[u8]) -> usize {
        let mut taken = 0;
        for &c in buf {
            // A byte can become two ("\r\n"): keep room for that.
            if self.output_room() < 2 {
                break;
            }
            self.put_output(c);
            taken += 1;
        }
        taken
    }

    /// One byte of output through `OPOST`.
    fn put_output(&mut self, c: u8) {
        let o = self.termios.c_oflag;
        if o & OPOST == 0 {
            self.output.push_back(c);
            return;
        }
        match c {
            b'\n' => {
                if o & ONLCR != 0 {
                    self.output.push_back(b'\r');
                    self.column = 0;
                } else if o & ONLRET != 0 {
                    self.column = 0;
                }
                self.output.push_back(b'\n');
            }
            b'\r' => {
                if o & ONOCR != 0 && self.column == 0 {
                    return;
                }
                if o & OCRNL != 0 {
                    self.output.push_back(b'\n');
                    if o & ONLRET != 0 {
                        self.column = 0;
                    }
                    return;
                }
                self.column = 0;
                self.output.push_back(b'\r');
            }
            b'\t' => {
                self.column = (self.column | 7) + 1;
                self.output.push_back(b'\t');
            }
            0x08 => {
                self.column = self.column.saturating_sub(1);
                self.output.push_back(c);
            }
            _ => {
                let c = if o & OLCUC != 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                if !c.is_ascii_control() {
                    self.column += 1;
                }
                self.output.push_back(c);
            }
        }
    }

    /// Echoes one input character: a control character other than tab and newline
    /// as `^X` under `ECHOCTL`, otherwise itself.
    fn echo_char(&mut self, c: u8) {
        if self.lflag(ECHOCTL) && (c < 0x20 && c != b'\t' && c != b'\n' || c == 0x7f) {
            self.put_output(b'^');
            self.put_output(c ^ 0x40);
        } else {
            self.put_output(c);
        }
    }

    /// How many columns `c` took when it was echoed.
    fn echo_width(&self, c: u8) -> usize {
        if self.lflag(ECHOCTL) && (c < 0x20 && c != b'\t' && c != b'\n' || c == 0x7f) {
            2
        } else {
            1
        }
    }

    /// Erases the last character of the line being edited, visually too under
    /// `ECHO`+`ECHOE`; returns whether there was one.
    fn erase_one(&mut self) -> bool {
        let Some(c) = self.editing.pop() else {
            return false;
        };
        if self.lflag(ECHO) && self.lflag(ECHOE) {
            for _ in 0..self.echo_width(c) {
                self.put_output(0x08);
                self.put_output(b' ');
                self.put_output(0x08);
            }
        }
        true
    }

    /// Processes bytes typed into the terminal; returns how many were taken (the
    /// input side may be full) and the signals to send. Signal characters are taken
    /// even when the input side is full.
    pub fn receive(&mut self, bytes: &[u8]) -> (usize, Vec<InputEvent>) {
        let mut events = Vec::new();
        let mut taken = 0;
        for &raw in bytes {
            if self.input_room() == 0 && !self.is_signal_char(raw) {
                break;
            }
            if let Some(e) = self.receive_one(raw) {
                events.push(e);
            }
            taken += 1;
        }
        (taken, events)
    }

    fn is_signal_char(&self, c: u8) -> bool {
        self.lflag(ISIG) && [VINTR, VQUIT, VSUSP].iter().any(|&i| self.is(c, i))
    }

    fn receive_one(&mut self, raw: u8) -> Option<InputEvent> {
        let mut c = if self.iflag(ISTRIP) { raw & 0x7f } else { raw };
        if self.literal_next {
            self.literal_next = false;
            self.queue_char(c, true);
            return None;
        }
        if self.iflag(IXON) {
            if self.is(c, VSTOP) {
                self.output_stopped = true;
                return None;
            }
            if self.is(c, VSTART) {
                self.output_stopped = false;
                return None;
            }
            if self.iflag(IXANY) {
                self.output_stopped = false;
            }
        }
        match c {
            b'\r' if self.iflag(IGNCR) => return None,
            b'\r' if self.iflag(ICRNL) => c = b'\n',
            b'\n' if self.iflag(INLCR) => c = b'\r',
            _ => {}
        }
        if self.iflag(IUCLC) && self.lflag(IEXTEN) {
            c = c.to_ascii_lowercase();
        }
        if self.lflag(ISIG) {
            let signo = if self.is(c, VINTR) {
                Some(veil_abi::flags::signal::SIGINT)
            } else if self.is(c, VQUIT) {
                Some(veil_abi::flags::signal::SIGQUIT)
            } else if self.is(c, VSUSP) {
                Some(veil_abi::flags::signal::SIGTSTP)
            } else {
                None
            };
            if let Some(signo) = signo {
                if !self.lflag(NOFLSH) {
                    self.flush_input();
                }
                self.output_stopped = false;
                if self.lflag(ECHO) {
                    self.echo_char(c);
                }
                return Some(InputEvent::Signal(signo));
            }
        }
        if !self.canonical() {
            self.ready.push_back(c);
            if self.lflag(ECHO) || (c == b'\n' && self.lflag(ECHONL)) {
                self.echo_char(c);
            }
            return None;
        }
        let iexten = self.lflag(IEXTEN);
        if self.is(c, VERASE) {
            self.erase_one();
            return None;
        }
        if iexten && self.is(c, VWERASE) {
            while self.editing.last().is_some_and(|b| b.is_ascii_whitespace()) {
                self.erase_one();
            }
            while self
                .editing
                .last()
                .is_some_and(|b| !b.is_ascii_whitespace())
            {
                self.erase_one();
            }
            return None;
        }
        if self.is(c, VKILL) {
            if self.lflag(ECHO) && self.lflag(ECHOKE) && self.lflag(ECHOE) {
                while self.erase_one() {}
            } else {
                self.editing.clear();
                if self.lflag(ECHO) {
                    self.echo_char(c);
                }
                if self.lflag(ECHOK) {
                    self.put_output(b'\n');
                }
            }
            return None;
        }
        if iexten && self.is(c, VLNEXT) {
            self.literal_next = true;
            return None;
        }
        if iexten && self.is(c, VREPRINT) {
            if self.lflag(ECHO) {
                self.echo_char(c);
                self.put_output(b'\n');
                let line = self.editing.clone();
                for b in line {
                    self.echo_char(b);
                }
            }
            return None;
        }
        if self.is(c, VEOF) {
            self.end_line();
            return None;
        }
        self.queue_char(c, false);
        None
    }

    /// Adds a character to the line being edited (or, in non-canonical mode, to the
    /// read queue), echoing it; a line delimiter ends the line.
    fn queue_char(&mut self, c: u8, literal: bool) {
        if !self.canonical() {
            self.ready.push_back(c);
            if self.lflag(ECHO) {
                self.echo_char(c);
            }
            return;
        }
        let delimiter = !literal
            && (c == b'\n' || self.is(c, VEOL) || (self.lflag(IEXTEN) && self.is(c, VEOL2)));
        if self.lflag(ECHO) || (c == b'\n' && self.lflag(ECHONL)) {
            self.echo_char(c);
        }
        self.editing.push(c);
        if delimiter {
            self.end_line();
        }
    }

    /// Makes the line being edited readable.
    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.editing);
        self.lines.push_back(line.len());
        self.ready.extend(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(l: &mut LineDiscipline) -> Vec<u8> {
        let mut buf = [0u8; 256];
        let n = l.read(&mut buf).unwrap_or(0);
        buf[..n].to_vec()
    }

    fn output(l: &mut LineDiscipline) -> Vec<u8> {
        let mut buf = [0u8; 256];
        let n = l.take_output(&mut buf);
        buf[..n].to_vec()
    }

    #[test]
    fn canonical_lines_are_readable_once_complete_and_echoed() {
        let mut l = LineDiscipline::new(default_termios());
        l.receive(b"ab");
        assert!(!l.read_ready());
        l.receive(b"c\r");
        assert_eq!(read_all(&mut l), b"abc\n");
        assert_eq!(output(&mut l), b"abc\r\n");
    }

    #[test]
    fn erase_kill_and_word_erase_edit_the_line() {
        let mut l = LineDiscipline::new(default_termios());
        l.receive(b"hello wor\x7fld\x17there\n");
        assert_eq!(read_all(&mut l), b"hello there\n");
        l.receive(b"junk\x15ok\n");
        assert_eq!(read_all(&mut l), b"ok\n");
    }

    #[test]
    fn eof_at_line_start_reads_zero_and_mid_line_ends_the_line() {
        let mut l = LineDiscipline::new(default_termios());
        l.receive(b"\x04");
        let mut buf = [0u8; 8];
        assert_eq!(l.read(&mut buf), Some(0));
        l.receive(b"ab\x04");
        assert_eq!(read_all(&mut l), b"ab");
    }

    #[test]
    fn signal_characters_flush_and_report() {
        let mut l = LineDiscipline::new(default_termios());
        let (_, ev) = l.receive(b"abc\x03");
        assert_eq!(
            ev,
            vec![InputEvent::Signal(veil_abi::flags::signal::SIGINT)]
        );
        assert!(!l.read_ready());
        assert_eq!(output(&mut l), b"abc^C");
        let (_, ev) = l.receive(b"\x1a");
        assert_eq!(
            ev,
            vec![InputEvent::Signal(veil_abi::flags::signal::SIGTSTP)]
        );
    }

    #[test]
    fn raw_mode_passes_bytes_through() {
        let mut t = default_termios();
        t.c_lflag &= !(ICANON | ECHO | ISIG);
        t.c_iflag &= !ICRNL;
        let mut l = LineDiscipline::new(t);
        let (n, ev) = l.receive(b"\x03x\r");
        assert_eq!((n, ev.len()), (3, 0));
        assert_eq!(read_all(&mut l), b"\x03x\r");
        assert!(output(&mut l).is_empty());
    }

    #[test]
    fn leaving_canonical_mode_makes_the_partial_line_readable() {
        let mut l = LineDiscipline::new(default_termios());
        l.receive(b"part");
        let mut t = default_termios();
        t.c_lflag &= !ICANON;
        l.set_termios(t);
        assert_eq!(read_all(&mut l), b"part");
    }

    #[test]
    fn output_processing_maps_newlines() {
        let mut l = LineDiscipline::new(default_termios());
        l.write_output(b"a\nb");
        assert_eq!(output(&mut l), b"a\r\nb");
        let mut t = default_termios();
        t.c_oflag = 0;
        l.set_termios(t);
        l.write_output(b"a\nb");
        assert_eq!(output(&mut l), b"a\nb");
    }

    #[test]
    fn stop_and_start_characters_hold_output() {
        let mut l = LineDiscipline::new(default_termios());
        l.receive(b"\x13");
        l.write_output(b"x");
        assert!(output(&mut l).is_empty());
        l.receive(b"\x11");
        assert_eq!(output(&mut l), b"x");
    }
}
