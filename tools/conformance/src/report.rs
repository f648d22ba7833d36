//! What a run of the suite found: one line per case, the counts, and `results.tsv`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use crate::exec::Outcome;

/// Both runs of one case.
#[derive(Debug)]
pub struct CaseResult {
    /// `family/syscall.name`.
    pub id: String,
    /// The syscall the case is about.
    pub syscall: String,
    /// The native run.
    pub native: Outcome,
    /// The run in the sandbox.
    pub sandbox: Outcome,
    /// The KNOWN_FAILURES reason, if the case is listed.
    pub known: Option<String>,
}

/// The counts of the summary line.
pub struct Summary {
    /// Cases that passed natively and in the sandbox.
    pub passed: usize,
    /// Cases that failed natively, or in the sandbox without being a known failure.
    pub failed: usize,
    /// Distinct syscalls the cases are about.
    pub syscalls: usize,
}

/// Prints one line per case (sorted by id) and returns the counts.
pub fn print(results: &[CaseResult]) -> Summary {
    let mut sorted: Vec<&CaseResult> = results.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let (mut passed, mut failed) = (0, 0);
    for r in sorted {
        let line = match (&r.native, &r.sandbox, &r.known) {
            (Outcome::Fail(why), _, _) => {
                failed += 1;
                format!("FAIL  {}  [native: the case is wrong] {why}", r.id)
            }
            (Outcome::Pass, Outcome::Pass, None) => {
                passed += 1;
                format!("PASS  {}", r.id)
            }
            (Outcome::Pass, Outcome::Pass, Some(_)) => {
                passed += 1;
                format!(
                    "PASS  {}  (listed in KNOWN_FAILURES but passes: remove it)",
                    r.id
                )
            }
            (Outcome::Pass, Outcome::Fail(_), Some(reason)) => format!("KNOWN {}  {reason}", r.id),
            (Outcome::Pass, Outcome::Fail(why), None) => {
                failed += 1;
                format!("FAIL  {}  [sandbox] {why}", r.id)
            }
        };
        println!("{line}");
    }
    let syscalls = results
        .iter()
        .map(|r| r.syscall.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    Summary {
        passed,
        failed,
        syscalls,
    }
}

fn word(o: &Outcome) -> &'static str {
    if o.passed() {
        "pass"
    } else {
        "fail"
    }
}

/// Writes `id  syscall  native  sandbox` (tab-separated, `pass`/`fail`), sorted by id.
pub fn write_tsv(path: &Path, results: &[CaseResult]) -> Result<(), String> {
    let mut sorted: Vec<&CaseResult> = results.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut text = String::from("# case\tsyscall\tnative\tsandbox\n");
    for r in sorted {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}",
            r.id,
            r.syscall,
            word(&r.native),
            word(&r.sandbox)
        );
    }
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}
