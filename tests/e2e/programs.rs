//! The differential program suite: every `tests/programs/differential/NAME.sh`
//! runs under bash natively and under `veil do`, each run in a fresh empty
//! directory (its cwd and `$HOME`) with the same environment; exit code,
//! stdout and stderr must be identical. See tests/programs/differential/README.md.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{programs_dir, run, veil_cmd, Run, TempDir};

/// Debian's bash, the interpreter of every script.
const BASH: &str = "/bin/bash";

/// The environment both runs get (and nothing else).
const ENV: &[(&str, &str)] = &[
    ("PATH", "/usr/local/bin:/usr/bin:/bin"),
    ("LC_ALL", "C"),
    ("TZ", "UTC"),
];

/// The script's absolute path.
fn script(name: &str) -> PathBuf {
    let path = programs_dir()
        .join("differential")
        .join(format!("{name}.sh"));
    path.canonicalize()
        .unwrap_or_else(|e| panic!("finding {}: {e}", path.display()))
}

/// Prepares `cmd` to run in `dir` with only [`ENV`] and `HOME=dir`.
fn in_fresh_dir<'a>(cmd: &'a mut Command, dir: &TempDir) -> &'a mut Command {
    cmd.env_clear()
        .envs(ENV.iter().copied())
        .env("HOME", dir.path())
        .current_dir(dir.path())
}

/// Runs the script `name` natively and under veil and compares the runs.
fn differential(name: &str) {
    assert!(Path::new(BASH).is_file(), "{BASH} is missing");
    let script = script(name);

    let native_dir = TempDir::new(&format!("diff-{name}-native"));
    let host: Run = run(in_fresh_dir(Command::new(BASH).arg(&script), &native_dir));

    let veil_dir = TempDir::new(&format!("diff-{name}-veil"));
    let args = [Path::new(BASH).as_os_str(), script.as_os_str()];
    let guest = run(in_fresh_dir(&mut veil_cmd(&[], &args), &veil_dir));
    guest.assert_no_panic();

    assert_eq!(
        guest.out(),
        host.out(),
        "{name}.sh stdout under veil vs natively\n--- native ---\n{}\n--- veil ---\n{}",
        host.context(),
        guest.context()
    );
    assert_eq!(
        guest.err(),
        host.err(),
        "{name}.sh stderr under veil vs natively\n{}",
        guest.context()
    );
    assert_eq!(
        guest.code(),
        host.code(),
        "{name}.sh exit code under veil vs natively\n{}",
        guest.context()
    );
    // The host directory given to the guest is untouched: its writes stayed
    // in the sandbox's upper layer.
    let left = std::fs::read_dir(veil_dir.path())
        .expect("reading the veil run's directory")
        .count();
    assert_eq!(
        left, 0,
        "{name}.sh under veil wrote into the host directory"
    );
}

/// One `#[test]` per script.
macro_rules! differential_cases {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                differential(stringify!($name));
            }
        )*
    };
}

differential_cases!(
    bash_scripting,
    busybox_sh,
    coreutils,
    gcc,
    git,
    loopback_network,
    make_j2,
    perl,
    pty_programs,
    python3,
    sqlite3,
    tar_gzip,
    text_tools,
);

/// Every script in the directory has a test above.
#[test]
fn every_script_has_a_case() {
    let listed = [
        "bash_scripting",
        "busybox_sh",
        "coreutils",
        "gcc",
        "git",
        "loopback_network",
        "make_j2",
        "perl",
        "pty_programs",
        "python3",
        "sqlite3",
        "tar_gzip",
        "text_tools",
    ];
    let dir = programs_dir().join("differential");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".sh").map(str::to_string)
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        listed,
        "scripts in {} vs cases in programs.rs",
        dir.display()
    );
}
