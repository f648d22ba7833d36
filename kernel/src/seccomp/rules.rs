//! Seccomp filters given as rules rather than BPF: a container's `linux.seccomp`
//! profile (OCI, libseccomp's model), evaluated by the sentry as one filter of a
//! thread's chain. For a call, its rules are tried in order and the first whose
//! argument checks all hold gives the action; no rule, the default action.

use std::collections::HashMap;

/// How an argument is compared (libseccomp's `SCMP_CMP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `(arg & mask) == value`, the mask given here.
    MaskedEq(u64),
}

/// One argument check.
#[derive(Clone, Copy, Debug)]
pub struct ArgCheck {
    /// Which argument (0 to 5).
    pub index: usize,
    /// The value compared with.
    pub value: u64,
    /// How.
    pub cmp: Cmp,
}

impl ArgCheck {
    fn holds(&self, args: &[u64; 6]) -> bool {
        let Some(&a) = args.get(self.index) else {
            return false;
        };
        match self.cmp {
            Cmp::Ne => a != self.value,
            Cmp::Lt => a < self.value,
            Cmp::Le => a <= self.value,
            Cmp::Eq => a == self.value,
            Cmp::Ge => a >= self.value,
            Cmp::Gt => a > self.value,
            Cmp::MaskedEq(mask) => a & mask == self.value,
        }
    }
}

/// A rule: an action (`SECCOMP_RET_*` with its data) when every check holds.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The action.
    pub action: u32,
    /// The checks (none: always).
    pub checks: Vec<ArgCheck>,
}

/// A profile: rules by system call number and the default action.
#[derive(Clone, Debug)]
pub struct RuleSet {
    /// The action of a call no rule takes.
    pub default: u32,
    /// The rules of each call, in order.
    pub rules: HashMap<u64, Vec<Rule>>,
}

impl RuleSet {
    /// The action for call `nr` with `args`.
    pub fn eval(&self, nr: u64, args: &[u64; 6]) -> u32 {
        self.rules
            .get(&nr)
            .and_then(|rules| {
                rules
                    .iter()
                    .find(|r| r.checks.iter().all(|c| c.holds(args)))
            })
            .map_or(self.default, |r| r.action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_rule_whose_checks_hold_wins_else_the_default() {
        let mut rules = HashMap::new();
        rules.insert(
            56,
            vec![
                Rule {
                    action: 0x0005_0001,
                    checks: vec![ArgCheck {
                        index: 0,
                        value: 0x1000_0000,
                        cmp: Cmp::MaskedEq(0x1000_0000),
                    }],
                },
                Rule {
                    action: 0x7fff_0000,
                    checks: vec![],
                },
            ],
        );
        let set = RuleSet {
            default: 0x0005_0026,
            rules,
        };
        assert_eq!(set.eval(56, &[0x1000_0011, 0, 0, 0, 0, 0]), 0x0005_0001);
        assert_eq!(set.eval(56, &[0x11, 0, 0, 0, 0, 0]), 0x7fff_0000);
        assert_eq!(set.eval(39, &[0; 6]), 0x0005_0026);
    }
}
