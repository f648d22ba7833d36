//! A container's `linux.seccomp` profile turned into the rules the sentry runs on
//! every call of the container's processes (init and every `exec`), as runc installs
//! it with libseccomp: the default action, and per system call name its action and
//! argument checks. Names this architecture does not have are skipped, as libseccomp
//! skips them; `SCMP_ACT_NOTIFY` (a seccomp agent) is refused.

use std::collections::HashMap;
use std::sync::Arc;

use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator};
use veil_kernel::seccomp::rules::{ArgCheck, Cmp, Rule, RuleSet};
use veil_kernel::seccomp::{self, Filter};

use super::OciResult;

/// What libseccomp's `SCMP_ACT_ERRNO` returns when the profile gives no errno.
const DEFAULT_ERRNO: u32 = libc::EPERM as u32;

/// The `SECCOMP_RET_*` value of `action` with `errno` (for `ERRNO` and `TRACE`).
fn action_value(action: LinuxSeccompAction, errno: Option<u32>) -> OciResult<u32> {
    Ok(match action {
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => {
            seccomp::RET_KILL_THREAD
        }
        LinuxSeccompAction::ScmpActKillProcess => seccomp::RET_KILL_PROCESS,
        LinuxSeccompAction::ScmpActTrap => seccomp::RET_TRAP,
        LinuxSeccompAction::ScmpActErrno => {
            seccomp::RET_ERRNO | (errno.unwrap_or(DEFAULT_ERRNO) & 0xffff)
        }
        LinuxSeccompAction::ScmpActTrace => {
            seccomp::RET_TRACE | (errno.unwrap_or(DEFAULT_ERRNO) & 0xffff)
        }
        LinuxSeccompAction::ScmpActLog => seccomp::RET_LOG,
        LinuxSeccompAction::ScmpActAllow => seccomp::RET_ALLOW,
        LinuxSeccompAction::ScmpActNotify => {
            return Err("linux.seccomp: SCMP_ACT_NOTIFY (a seccomp agent) is not supported".into())
        }
    })
}

/// The number of the x86_64 system call `name`.
fn number(name: &str) -> Option<u64> {
    veil_abi::sysno::ALL
        .iter()
        .find(|&&(_, n)| n == name)
        .map(|&(nr, _)| nr)
}

/// The filter of `profile`.
pub fn filter(profile: &LinuxSeccomp) -> OciResult<Arc<Filter>> {
    let default = action_value(profile.default_action(), profile.default_errno_ret())?;
    let mut rules: HashMap<u64, Vec<Rule>> = HashMap::new();
    for entry in profile.syscalls().as_deref().unwrap_or_default() {
        let action = action_value(entry.action(), entry.errno_ret())?;
        let mut checks = Vec::new();
        for arg in entry.args().as_deref().unwrap_or_default() {
            if arg.index() > 5 {
                return Err(format!(
                    "linux.seccomp: argument index {} is not 0 to 5",
                    arg.index()
                )
                .into());
            }
            let (value, cmp) = match arg.op() {
                LinuxSeccompOperator::ScmpCmpNe => (arg.value(), Cmp::Ne),
                LinuxSeccompOperator::ScmpCmpLt => (arg.value(), Cmp::Lt),
                LinuxSeccompOperator::ScmpCmpLe => (arg.value(), Cmp::Le),
                LinuxSeccompOperator::ScmpCmpEq => (arg.value(), Cmp::Eq),
                LinuxSeccompOperator::ScmpCmpGe => (arg.value(), Cmp::Ge),
                LinuxSeccompOperator::ScmpCmpGt => (arg.value(), Cmp::Gt),
                // (arg & value) == valueTwo.
                LinuxSeccompOperator::ScmpCmpMaskedEq => {
                    (arg.value_two().unwrap_or(0), Cmp::MaskedEq(arg.value()))
                }
            };
            checks.push(ArgCheck {
                index: arg.index(),
                value,
                cmp,
            });
        }
        for name in entry.names() {
            if let Some(nr) = number(name) {
                rules.entry(nr).or_default().push(Rule {
                    action,
                    checks: checks.clone(),
                });
            }
        }
    }
    Ok(Filter::of_rules(RuleSet { default, rules }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_becomes_rules_by_number() {
        let profile: LinuxSeccomp = serde_json::from_str(
            r#"{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,
                "syscalls":[{"names":["getpid","no_such_call"],"action":"SCMP_ACT_ALLOW"},
                            {"names":["personality"],"action":"SCMP_ACT_ALLOW",
                             "args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}"#,
        )
        .unwrap();
        assert!(filter(&profile).is_ok());
        assert_eq!(number("getpid"), Some(39));
        let notify: LinuxSeccomp =
            serde_json::from_str(r#"{"defaultAction":"SCMP_ACT_NOTIFY"}"#).unwrap();
        assert!(filter(&notify).is_err());
    }
}
