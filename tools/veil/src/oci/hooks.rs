//! OCI hooks: programs the spec lists to run at points of the lifecycle, each given
//! the container's state JSON on stdin.
//!
//! `prestart`, `createRuntime` and `createContainer` run in `create` once the sandbox
//! is ready; `startContainer` in `start` before init runs; `poststart` after it;
//! `poststop` in `delete`. All run on the host: the sandbox has no host processes of
//! its own to run a hook in. A hook that fails (non-zero, killed or past its
//! `timeout`) fails the command, but for `poststart` and `poststop`, whose failures
//! are only logged, as the spec says.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oci_spec::runtime::{Hook, Hooks};

use super::OciResult;

/// A point of the lifecycle where hooks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookPoint {
    /// `prestart` (deprecated, run with `createRuntime`).
    Prestart,
    /// `createRuntime`.
    CreateRuntime,
    /// `createContainer`.
    CreateContainer,
    /// `startContainer`.
    StartContainer,
    /// `poststart`.
    Poststart,
    /// `poststop`.
    Poststop,
}

impl HookPoint {
    fn name(self) -> &'static str {
        match self {
            HookPoint::Prestart => "prestart",
            HookPoint::CreateRuntime => "createRuntime",
            HookPoint::CreateContainer => "createContainer",
            HookPoint::StartContainer => "startContainer",
            HookPoint::Poststart => "poststart",
            HookPoint::Poststop => "poststop",
        }
    }

    fn list(self, hooks: &Hooks) -> Option<&Vec<Hook>> {
        #[allow(deprecated)]
        let list = match self {
            HookPoint::Prestart => hooks.prestart(),
            HookPoint::CreateRuntime => hooks.create_runtime(),
            HookPoint::CreateContainer => hooks.create_container(),
            HookPoint::StartContainer => hooks.start_container(),
            HookPoint::Poststart => hooks.poststart(),
            HookPoint::Poststop => hooks.poststop(),
        };
        list.as_ref()
    }

    /// Whether a failure here only warns.
    fn only_warns(self) -> bool {
        matches!(self, HookPoint::Poststart | HookPoint::Poststop)
    }
}

/// Runs the hooks of `point` in order with `state` (the state JSON) on stdin.
pub fn run(hooks: Option<&Hooks>, point: HookPoint, state: &str) -> OciResult {
    let Some(list) = hooks.and_then(|h| point.list(h)) else {
        return Ok(());
    };
    for hook in list {
        if let Err(e) = run_one(hook, state) {
            let message = format!("{} hook {}: {e}", point.name(), hook.path().display());
            if point.only_warns() {
                eprintln!("veil: warning: {message}");
            } else {
                return Err(message.into());
            }
        }
    }
    Ok(())
}

fn run_one(hook: &Hook, state: &str) -> Result<(), String> {
    let mut command = Command::new(hook.path());
    if let Some(args) = hook.args() {
        if let Some(arg0) = args.first() {
            command.arg0(arg0);
        }
        command.args(args.iter().skip(1));
    }
    command.env_clear();
    for kv in hook.env().as_deref().unwrap_or_default() {
        if let Some((k, v)) = kv.split_once('=') {
            command.env(k, v);
        }
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin is fine.
        let _ = stdin.write_all(state.as_bytes());
    }
    let deadline = hook
        .timeout()
        .filter(|&t| t > 0)
        .map(|t| Instant::now() + Duration::from_secs(t as u64));
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return if status.success() {
                Ok(())
            } else {
                Err(format!("failed: {status}"))
            };
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("timed out".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
