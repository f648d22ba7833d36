//! End-to-end tests: real programs run under `veil do`.
//!
//! The guests are the static C programs in `tests/programs` (compiled with
//! gcc for each test into its own temporary directory) and static busybox
//! (`/bin/busybox`, Debian's `busybox-static`). Each test checks what a user
//! sees: exit statuses, output bytes, error messages, and that the host is
//! left unchanged. The `native_*` tests run the same programs on the host,
//! so a failure under veil is never a broken test program.
//!
//! Run with `cargo test -p veil --test e2e` (`-- native_` for the host-only
//! checks). See tests/README.md.

mod harness;

mod bash;
mod busybox;
mod cli;
mod clients;
mod epoll;
mod files;
mod fuzz;
mod hostfs;
mod identity;
mod inherited;
mod locks;
mod memory;
mod native;
mod network;
mod oci;
mod overlay;
mod poll;
mod process;
mod programs;
mod signals;
mod strace;
mod terminal;
mod threads;
