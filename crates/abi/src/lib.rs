//! The Linux x86_64 ABI: system call numbers, errno values, the structs the kernel
//! exchanges with user space, and flag constants. This crate holds no logic; every
//! struct is plain old data (`bytemuck::Pod`) laid out exactly as Linux lays it out.
#![forbid(unsafe_code)]

pub mod errno;
pub mod flags;
pub mod structs;
pub mod sysno;

pub use errno::Errno;

/// The page size of x86_64 Linux.
pub const PAGE_SIZE: u64 = 4096;

/// Rounds `x` down to a page boundary.
pub const fn page_down(x: u64) -> u64 {
    x & !(PAGE_SIZE - 1)
}

/// Rounds `x` up to a page boundary, or `None` on overflow.
pub const fn page_up(x: u64) -> Option<u64> {
    match x.checked_add(PAGE_SIZE - 1) {
        Some(v) => Some(v & !(PAGE_SIZE - 1)),
        None => None,
    }
}
