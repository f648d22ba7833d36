//! tests/programs/fuzz.c: tens of thousands of system calls with garbage
//! arguments. The sentry must answer every one (with an error or not) and
//! never crash or hang: the program runs to its end and veil exits 0.
//!
//! To find the call a failure happened on, run the program by hand with
//! `verbose` as third argument: `veil do -- fuzz 20000 SEED verbose`.

use crate::harness::{compile, run_with, veil_cmd, TempDir};
use std::time::Duration;

const CALLS: u32 = 20_000;

#[test]
fn fuzz_completes_for_three_seeds() {
    let dir = TempDir::new("fuzz");
    let prog = compile(&dir, "fuzz");
    for seed in ["0x5eed5eed5eed", "7", "20240601"] {
        let calls = CALLS.to_string();
        let args = [prog.as_os_str(), calls.as_ref(), seed.as_ref()];
        let r = run_with(&mut veil_cmd(&[], &args), Duration::from_secs(300));
        r.assert_no_panic();
        assert_eq!(r.code(), 0, "seed {seed}: exit code\n{}", r.context());
        let out = r.out();
        assert_eq!(
            out.lines().last(),
            Some(format!("fuzz ok {CALLS} calls").as_str()),
            "seed {seed}: the last line of stdout\n{}",
            r.context()
        );
    }
}
