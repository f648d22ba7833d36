//! tests/programs/bash_features.sh under /bin/bash: arrays, command substitution,
//! pipelines and pipefail, traps and signals, subshells, background jobs (wait
//! statuses, SIGSTOP/SIGCONT), here-documents, read loops, arithmetic, string
//! operations, printf, functions. Its output under veil must be the one it prints
//! natively.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{programs_dir, run, veil_cmd, Run};

/// Debian's bash.
const BASH: &str = "/bin/bash";

/// Fails the test unless bash is installed.
fn require_bash() {
    assert!(
        Path::new(BASH).is_file(),
        "{BASH} is missing: install it with `apt-get install bash`"
    );
}

/// The script's absolute path, so that both runs show the same `$0`.
fn script() -> PathBuf {
    let path = programs_dir().join("bash_features.sh");
    path.canonicalize()
        .unwrap_or_else(|e| panic!("finding {}: {e}", path.display()))
}

/// `bash SCRIPT` natively, from `/`.
fn run_native() -> Run {
    run(Command::new(BASH).arg(script()).current_dir("/"))
}

/// The last lines of a complete run: the script's own, then its EXIT trap's.
const TAIL: &str = "bash features ok\nexit trap ran\n";

#[test]
fn bash_features_match_native() {
    require_bash();
    let host = run_native();
    host.assert_code(0);
    assert!(
        host.out().ends_with(TAIL),
        "bash natively\n{}",
        host.context()
    );

    let script = script();
    let guest =
        run(veil_cmd(&[], &[Path::new(BASH).as_os_str(), script.as_os_str()]).current_dir("/"));
    guest.assert_no_panic();
    assert_eq!(
        guest.out(),
        host.out(),
        "bash_features.sh output under veil vs natively\n{}",
        guest.context()
    );
    guest.assert_code(0);
}

#[test]
fn native_bash_features() {
    require_bash();
    let r = run_native();
    r.assert_code(0);
    assert!(r.out().ends_with(TAIL), "{}", r.context());
}
