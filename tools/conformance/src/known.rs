//! `tests/syscalls/KNOWN_FAILURES`: cases known to fail under Veil, each with a reason.
//!
//! One entry a line: the case id (`family/syscall.name`), white space, then the reason
//! in a sentence. Blank lines and lines starting with `#` are ignored.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Case id → reason.
pub type KnownFailures = BTreeMap<String, String>;

/// Reads the list at `path` (a missing file is an empty list). An entry without a
/// reason, or listed twice, is an error.
pub fn read(path: &Path) -> Result<KnownFailures, String> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KnownFailures::new()),
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses the list's text.
pub fn parse(text: &str) -> Result<KnownFailures, String> {
    let mut known = KnownFailures::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, reason) = line
            .split_once(char::is_whitespace)
            .map(|(id, r)| (id, r.trim()))
            .unwrap_or((line, ""));
        if reason.is_empty() {
            return Err(format!("line {}: {id} has no reason", n + 1));
        }
        if known.insert(id.to_string(), reason.to_string()).is_some() {
            return Err(format!("line {}: {id} is listed twice", n + 1));
        }
    }
    Ok(known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_comments_and_reasons() {
        let k = parse("# comment\n\nfd/dup.x   dup is wrong here\n").unwrap();
        assert_eq!(k.len(), 1);
        assert_eq!(k["fd/dup.x"], "dup is wrong here");
    }

    #[test]
    fn an_entry_needs_a_reason() {
        assert!(parse("fd/dup.x\n").is_err());
        assert!(parse("fd/dup.x  \n").is_err());
    }

    #[test]
    fn an_entry_is_listed_once() {
        assert!(parse("a/b.c one\na/b.c two\n").is_err());
    }
}
