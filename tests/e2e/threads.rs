//! tests/programs/threads.c, 100 times in a row: clone, futex (barrier,
//! mutex, condition variable) and pthread_exit must work every time, not
//! just usually.

use crate::harness::{compile, veil, TempDir};

const RUNS: usize = 100;

#[test]
fn threads_run_correctly_100_times() {
    let dir = TempDir::new("threads");
    let prog = compile(&dir, "threads");
    let want_threads: Vec<String> = (0..8).map(|n| format!("thread {n}")).collect();

    for run in 0..RUNS {
        let r = veil(&[&prog]);
        r.assert_no_panic();
        assert_eq!(r.code(), 0, "run {run}: exit code\n{}", r.context());

        let out = r.out();
        let lines: Vec<&str> = out.lines().collect();
        let mut threads: Vec<String> = lines
            .iter()
            .filter(|l| l.starts_with("thread "))
            .map(|l| l.to_string())
            .collect();
        threads.sort();
        assert_eq!(
            threads,
            want_threads,
            "run {run}: thread lines\n{}",
            r.context()
        );
        // Each thread's line came from one write: the first 8 lines are
        // exactly the thread lines, and main's lines follow in order.
        assert!(
            lines.len() == 11
                && lines[..8].iter().all(|l| l.starts_with("thread "))
                && lines[8..] == ["joined 8", "pingpong 1000", "pthread_exit 24301"],
            "run {run}: output\n{}",
            r.context()
        );
    }
}
