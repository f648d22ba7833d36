//! How many arguments each x86_64 system call takes, so that calls without a decoder
//! print their raw arguments like strace does. The counts follow strace's
//! `linux/x86_64/syscallent.h` and `linux/generic/syscallent-common.h`.

/// Counts for calls `0..=334`.
const LOW: [u8; 335] = [
    3, 3, 3, 1, 2, 2, 2, 3, 3, 6, // 0..
    3, 2, 1, 4, 4, 0, 3, 4, 4, 3, // 10..
    3, 2, 1, 5, 0, 5, 3, 3, 3, 3, // 20..
    3, 3, 1, 2, 0, 2, 2, 1, 3, 0, // 30..
    4, 3, 3, 3, 6, 6, 3, 3, 2, 3, // 40..
    2, 3, 3, 4, 5, 5, 5, 0, 0, 3, // 50..
    1, 4, 2, 1, 3, 3, 4, 1, 2, 4, // 60..
    5, 3, 3, 2, 1, 1, 2, 2, 3, 2, // 70..
    1, 1, 2, 2, 1, 2, 2, 1, 2, 3, // 80..
    2, 2, 3, 3, 3, 1, 2, 2, 2, 1, // 90..
    1, 4, 0, 3, 0, 1, 1, 0, 0, 2, // 100..
    0, 0, 0, 2, 2, 2, 2, 3, 3, 3, // 110..
    3, 1, 1, 1, 1, 2, 2, 2, 4, 3, // 120..
    2, 2, 2, 3, 1, 1, 2, 2, 2, 3, // 130..
    2, 3, 2, 2, 3, 1, 1, 1, 2, 2, // 140..
    2, 1, 0, 0, 3, 2, 1, 5, 2, 1, // 150..
    2, 1, 0, 1, 2, 5, 2, 2, 1, 4, // 160..
    2, 2, 1, 3, 2, 3, 2, 1, 5, 4, // 170..
    3, 5, 5, 5, 3, 3, 0, 3, 5, 5, // 180..
    5, 4, 4, 4, 3, 3, 3, 2, 2, 2, // 190..
    2, 1, 6, 3, 3, 1, 2, 1, 5, 3, // 200..
    3, 1, 3, 1, 4, 4, 5, 3, 1, 0, // 210..
    4, 4, 3, 4, 2, 1, 1, 2, 2, 2, // 220..
    4, 1, 4, 4, 3, 2, 5, 6, 3, 5, // 230..
    4, 1, 5, 5, 2, 3, 4, 5, 5, 4, // 240..
    5, 3, 2, 0, 3, 2, 4, 4, 3, 4, // 250..
    5, 3, 4, 3, 4, 5, 3, 4, 3, 3, // 260..
    6, 5, 1, 2, 3, 6, 4, 4, 4, 6, // 270..
    4, 6, 3, 2, 1, 4, 4, 2, 4, 4, // 280..
    2, 1, 3, 2, 1, 4, 4, 4, 5, 5, // 290..
    2, 5, 4, 5, 3, 2, 1, 4, 2, 3, // 300..
    6, 6, 5, 3, 3, 4, 5, 3, 3, 2, // 310..
    5, 3, 5, 1, 3, 3, 6, 6, 6, 4, // 320..
    2, 1, 5, 6, 4, // 330..
];

/// First number of the range shared by all architectures.
const HIGH_BASE: u64 = 424;

/// Counts for calls `424..=469`.
const HIGH: [u8; 46] = [
    4, 2, 6, 4, 3, 5, 2, 5, 3, 3, // 424..
    2, 2, 3, 4, 3, 4, 5, 6, 5, 4, // 434..
    3, 4, 2, 1, 2, 5, 4, 4, 4, 3, // 444..
    4, 6, 4, 4, 4, 4, 4, 3, 3, 6, // 454..
    6, 5, 4, 5, 5, 5, // 464..
];

/// The number of arguments system call `nr` takes, or `None` for an unknown number.
pub(crate) fn nargs(nr: u64) -> Option<usize> {
    let n = if nr < HIGH_BASE {
        LOW.get(usize::try_from(nr).ok()?)
    } else {
        HIGH.get(usize::try_from(nr - HIGH_BASE).ok()?)
    };
    n.map(|&n| usize::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use veil_abi::sysno;

    #[test]
    fn counts_match_known_calls() {
        assert_eq!(nargs(sysno::SYS_READ), Some(3));
        assert_eq!(nargs(sysno::SYS_MMAP), Some(6));
        assert_eq!(nargs(sysno::SYS_GETPID), Some(0));
        assert_eq!(nargs(sysno::SYS_RSEQ), Some(4));
        assert_eq!(nargs(sysno::SYS_CLONE3), Some(2));
        assert_eq!(nargs(469), Some(5));
        assert_eq!(nargs(335), None);
        assert_eq!(nargs(470), None);
    }

    #[test]
    fn every_named_call_has_a_count() {
        for &(nr, name) in sysno::ALL {
            assert!(nargs(nr).is_some(), "{name}");
        }
    }
}
