//! Printing plain values as strace does: addresses, hex and octal numbers, and quoted
//! strings with C escapes. Nothing here touches guest memory.

use std::fmt::Write as _;

/// An address: `NULL` for zero, else `0x7ffd1234` (strace's `printaddr`).
pub(crate) fn addr(v: u64) -> String {
    if v == 0 {
        "NULL".to_string()
    } else {
        format!("{v:#x}")
    }
}

/// A number in C's `%#lx`: `0` for zero, else `0x2a`.
pub(crate) fn hex(v: u64) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}

/// A file mode in C's `%#03o`: `0644`, `000`, `04755`.
pub(crate) fn mode(v: u64) -> String {
    let s = if v == 0 {
        "0".to_string()
    } else {
        format!("0{v:o}")
    };
    format!("{s:0>3}")
}

/// How non-printable bytes are escaped inside a quoted string.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// strace's default: `\n`-style escapes, printable ASCII as is, the rest in octal.
    Octal,
    /// Every byte as `\xNN` (strace does this for `getrandom` buffers).
    Hex,
}

/// Quotes `bytes` as a C string literal, escaping as strace does.
///
/// Octal escapes use the fewest digits, except when the next byte is an octal digit, in
/// which case all three digits are printed so that the literal stays unambiguous
/// (`"\0\0012"`).
pub(crate) fn quote(bytes: &[u8], esc: Escape) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for (i, &c) in bytes.iter().enumerate() {
        if esc == Escape::Hex {
            let _ = write!(s, "\\x{c:02x}");
            continue;
        }
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x0c => s.push_str("\\f"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x0b => s.push_str("\\v"),
            0x20..=0x7e => s.push(char::from(c)),
            _ => {
                let next_is_digit = bytes.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n));
                if next_is_digit {
                    let _ = write!(s, "\\{c:03o}");
                } else {
                    let _ = write!(s, "\\{c:o}");
                }
            }
        }
    }
    s.push('"');
    s
}

/// Reads a little-endian `u64` at `off`, or 0 past the end of `b`.
pub(crate) fn u64_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0)
}

/// Reads a little-endian `u32` at `off`, or 0 past the end of `b`.
pub(crate) fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .unwrap_or(0)
}

/// Reads a little-endian `u16` at `off`, or 0 past the end of `b`.
pub(crate) fn u16_at(b: &[u8], off: usize) -> u16 {
    b.get(off..off + 2)
        .and_then(|s| s.try_into().ok())
        .map(u16::from_le_bytes)
        .unwrap_or(0)
}

/// Reads a little-endian `i64` at `off`, or 0 past the end of `b`.
pub(crate) fn i64_at(b: &[u8], off: usize) -> i64 {
    u64_at(b, off) as i64
}

/// The bytes of a fixed-size, NUL-padded C string field (`utsname.sysname`).
pub(crate) fn cstr_field(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_c_formats() {
        assert_eq!(addr(0), "NULL");
        assert_eq!(addr(0x7ffd_1234), "0x7ffd1234");
        assert_eq!(hex(0), "0");
        assert_eq!(hex(255), "0xff");
        assert_eq!(mode(0), "000");
        assert_eq!(mode(0o7), "007");
        assert_eq!(mode(0o644), "0644");
        assert_eq!(mode(0o4755), "04755");
    }

    #[test]
    fn quoting_escapes_like_strace() {
        assert_eq!(
            quote(b"a\"b\\c\n\t\r\x0b\x0c", Escape::Octal),
            r#""a\"b\\c\n\t\r\v\f""#
        );
        assert_eq!(
            quote(b"\0\x012\x7f\x80\xff\x07\x08\x1b x", Escape::Octal),
            r#""\0\0012\177\200\377\7\10\33 x""#
        );
        assert_eq!(quote(b"\x7eA", Escape::Hex), r#""\x7e\x41""#);
    }
}
