//! Sentry logging: warnings to stderr, or everything from debug up to a file.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

/// Installs the global subscriber: `debug` and up into `file` if given, else `warn`
/// and up on stderr, each line prefixed `veil:`.
pub fn init(file: Option<&Path>) -> Result<(), String> {
    let builder = tracing_subscriber::fmt().with_target(false).without_time();
    match file {
        Some(path) => {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open the debug log {}: {e}", path.display()))?;
            builder
                .with_max_level(tracing::Level::DEBUG)
                .with_ansi(false)
                .with_writer(Mutex::new(f))
                .init();
        }
        None => {
            builder
                .with_max_level(tracing::Level::WARN)
                .with_ansi(false)
                .with_level(false)
                .with_writer(|| VeilStderr)
                .init();
        }
    }
    Ok(())
}

/// stderr with each write prefixed by `veil: `.
struct VeilStderr;

impl std::io::Write for VeilStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut line = b"veil: ".to_vec();
        line.extend_from_slice(buf);
        std::io::stderr().write_all(&line)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
