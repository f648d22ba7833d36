//! A bundle's `config.json` (parsed with `oci-spec`) turned into Veil's settings: the
//! sandbox's [`KernelConfig`] and the [`ProcessSpec`] of a process.

use std::path::{Path, PathBuf};

use oci_spec::runtime::{LinuxCapabilities, Process, Spec};
use veil_abi::structs::Rlimit;
use veil_kernel::kernel::DEFAULT_PIDS_LIMIT;
use veil_kernel::spawn::{Identity, ProcessSpec, Stdio};
use veil_kernel::vfs_setup::{MountSpec, RootfsConfig};
use veil_kernel::{Kernel, KernelConfig};

use super::{GlobalOptions, OciResult};

/// A loaded bundle.
pub struct Bundle {
    /// The bundle directory, absolute.
    pub dir: PathBuf,
    /// Its `config.json`.
    pub spec: Spec,
    /// The root file system, absolute.
    pub rootfs: PathBuf,
}

/// Loads and checks the bundle in `dir`: `config.json` readable and valid, with a
/// `process` that has arguments and a `root` that is a directory.
pub fn load(dir: &Path) -> OciResult<Bundle> {
    let dir = std::fs::canonicalize(dir).map_err(|e| format!("bundle {}: {e}", dir.display()))?;
    let config = dir.join("config.json");
    if !config.is_file() {
        return Err(format!("bundle {}: config.json not found", dir.display()).into());
    }
    let text = std::fs::read(&config).map_err(|e| format!("{}: {e}", config.display()))?;
    let spec: Spec = serde_json::from_slice(&text)
        .map_err(|e| format!("{}: invalid config: {e}", config.display()))?;
    let process = spec
        .process()
        .as_ref()
        .ok_or_else(|| format!("{}: the config has no process", config.display()))?;
    if process.args().as_ref().is_none_or(|a| a.is_empty()) {
        return Err(format!("{}: process.args is empty", config.display()).into());
    }
    let root = spec
        .root()
        .as_ref()
        .ok_or_else(|| format!("{}: the config has no root", config.display()))?;
    let rootfs = dir.join(root.path());
    let rootfs = std::fs::canonicalize(&rootfs)
        .ok()
        .filter(|p| p.is_dir())
        .ok_or_else(|| format!("rootfs {} does not exist", rootfs.display()))?;
    Ok(Bundle { dir, spec, rootfs })
}

/// Where a container's sentry lives on the network and which network its sockets
/// are on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPlan {
    /// The network namespace the sentry joins: the spec's by path, a fresh one
    /// (`None` with `fresh`), or the runtime's own (`None`, not `fresh`).
    pub join: Option<PathBuf>,
    /// Whether the sentry unshares a fresh network namespace.
    pub fresh: bool,
    /// The guest's sockets: host sockets in that namespace, or the sandbox's loopback.
    pub mode: veil_kernel::net::NetworkMode,
}

impl Bundle {
    /// The network of the container. A namespace the client made (`path`: podman's
    /// netavark, a CNI plugin) is joined and the guest's sockets are host sockets in
    /// it, so its interfaces and port forwarding serve the container; a namespace the
    /// spec asks for without a path gets the sandbox's own loopback in a fresh one;
    /// no network namespace in the spec is the runtime's network, as runc gives it.
    /// The runtime flag `--network=none` forces the sandbox's loopback (in a fresh
    /// namespace unless one is named), `--network=host` host sockets.
    pub fn network_plan(&self, globals: &GlobalOptions) -> NetworkPlan {
        use veil_kernel::net::NetworkMode;
        let entry = self
            .spec
            .linux()
            .as_ref()
            .and_then(|l| l.namespaces().as_ref())
            .and_then(|ns| {
                ns.iter()
                    .find(|n| n.typ() == oci_spec::runtime::LinuxNamespaceType::Network)
            });
        let join = entry.and_then(|n| n.path().clone());
        let by_spec = match (entry, &join) {
            (Some(_), Some(_)) => NetworkMode::Host,
            (Some(_), None) => NetworkMode::Loopback,
            (None, _) => NetworkMode::Host,
        };
        let mode = match globals.network.as_deref() {
            Some("none") => NetworkMode::Loopback,
            Some("host") => NetworkMode::Host,
            _ => by_spec,
        };
        // A fresh namespace when the spec asks for one without naming it, or for
        // the sandbox's own loopback; never for host sockets the flag asked for,
        // which are the runtime's own network.
        let fresh = join.is_none()
            && match globals.network.as_deref() {
                Some("host") => false,
                Some(_) => true,
                None => entry.is_some(),
            };
        NetworkPlan { join, fresh, mode }
    }

    /// The process to start (checked by [`load`] to exist).
    pub fn process(&self) -> &Process {
        self.spec
            .process()
            .as_ref()
            .expect("load checks the process")
    }

    /// Whether the container's process wants a terminal.
    pub fn terminal(&self) -> bool {
        self.process().terminal().unwrap_or(false)
    }

    /// The seccomp filter of the container's processes (`linux.seccomp`), if any.
    pub fn seccomp(&self) -> OciResult<Option<std::sync::Arc<veil_kernel::seccomp::Filter>>> {
        self.spec
            .linux()
            .as_ref()
            .and_then(|l| l.seccomp().as_ref())
            .map(super::seccomp_profile::filter)
            .transpose()
    }

    /// The sandbox's settings from the spec and the global flags.
    pub fn kernel_config(&self, globals: &GlobalOptions) -> KernelConfig {
        let linux = self.spec.linux().as_ref();
        let resources = linux.and_then(|l| l.resources().as_ref());
        let pids_limit = resources
            .and_then(|r| r.pids().as_ref())
            .map(|p| p.limit())
            .filter(|&l| l > 0)
            .map_or(DEFAULT_PIDS_LIMIT, |l| l as usize);
        let memory_limit = resources
            .and_then(|r| r.memory().as_ref())
            .and_then(|m| m.limit())
            .filter(|&l| l > 0)
            .map(|l| l as u64);
        let mounts = self
            .spec
            .mounts()
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|m| MountSpec {
                destination: m.destination().display().to_string(),
                fs_type: m.typ().clone().unwrap_or_default(),
                source: m
                    .source()
                    .as_ref()
                    .map(|s| self.dir.join(s).display().to_string())
                    .unwrap_or_default(),
                options: m.options().clone().unwrap_or_default(),
            })
            .collect();
        let paths = |p: Option<&Vec<String>>| p.cloned().unwrap_or_default();
        let hostname = self.spec.hostname().clone().unwrap_or_else(|| {
            nix::unistd::gethostname()
                .map(|h| h.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        KernelConfig {
            strace: globals.strace,
            hostname,
            domainname: self.spec.domainname().clone().unwrap_or_default(),
            pids_limit,
            memory_limit,
            inherited_ignored: 0,
            inherited_mask: 0,
            network: self.network_plan(globals).mode,
            rootfs: RootfsConfig {
                lower: Some(self.rootfs.clone()),
                readonly: self
                    .spec
                    .root()
                    .as_ref()
                    .and_then(|r| r.readonly())
                    .unwrap_or(false),
                mounts: Some(mounts),
                masked_paths: paths(linux.and_then(|l| l.masked_paths().as_ref())),
                readonly_paths: paths(linux.and_then(|l| l.readonly_paths().as_ref())),
            },
        }
    }
}

/// The spawn of `process` in `kernel` with `stdio`: the program found in the
/// sandbox's `PATH` (from the process's environment), its user, groups, umask,
/// capabilities, rlimits and `noNewPrivileges`.
pub fn process_spec(kernel: &Kernel, process: &Process, stdio: Stdio) -> OciResult<ProcessSpec> {
    let args = process.args().clone().unwrap_or_default();
    let Some(arg0) = args.first() else {
        return Err("process.args is empty".into());
    };
    let env: Vec<String> = process.env().clone().unwrap_or_default();
    let path_env = env.iter().find_map(|e| e.strip_prefix("PATH="));
    let path = kernel
        .find_program(arg0.as_bytes(), path_env.map(str::as_bytes))
        .ok_or_else(|| format!("exec: \"{arg0}\": executable file not found in $PATH"))?;
    let user = process.user();
    let identity = Identity {
        uid: user.uid(),
        gid: user.gid(),
        groups: user.additional_gids().clone().unwrap_or_default(),
        caps: Some(capability_sets(process.capabilities().as_ref())),
    };
    let rlimits = process
        .rlimits()
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r.typ() as usize,
                Rlimit {
                    cur: r.soft(),
                    max: r.hard(),
                },
            )
        })
        .collect();
    Ok(ProcessSpec {
        path,
        argv: args.iter().map(|a| a.as_bytes().to_vec()).collect(),
        envp: env.iter().map(|e| e.as_bytes().to_vec()).collect(),
        cwd: process.cwd().display().to_string().into_bytes(),
        identity: Some(identity),
        rlimits,
        umask: user.umask(),
        no_new_privs: process.no_new_privileges().unwrap_or(false),
        seccomp: None,
        stdio,
        ignored: 0,
        mask: 0,
        extra_fds: Vec::new(),
    })
}

/// Linux's capability names, by number.
const CAPABILITY_NAMES: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// Every capability's name, `CAP_` first, in number order.
pub fn capability_names() -> Vec<String> {
    CAPABILITY_NAMES
        .iter()
        .map(|n| format!("CAP_{n}"))
        .collect()
}

/// The capability number of `name` (`CAP_CHOWN` or `chown`).
pub fn capability_number(name: &str) -> Option<u32> {
    let upper = name.to_ascii_uppercase();
    let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
    CAPABILITY_NAMES
        .iter()
        .position(|n| *n == bare)
        .map(|i| i as u32)
}

/// The effective, permitted, inheritable and bounding sets of `caps` as bit masks;
/// all empty when the spec gives none (as runc: no `capabilities`, no privilege).
/// Ambient capabilities are not modelled.
fn capability_sets(caps: Option<&LinuxCapabilities>) -> [u64; 4] {
    let Some(caps) = caps else { return [0; 4] };
    let bits = |set: Option<&oci_spec::runtime::Capabilities>| {
        set.into_iter()
            .flatten()
            .filter_map(|c| serde_json::to_value(c).ok())
            .filter_map(|v| v.as_str().and_then(capability_number))
            .fold(0u64, |acc, n| acc | (1 << n))
    };
    [
        bits(caps.effective().as_ref()),
        bits(caps.permitted().as_ref()),
        bits(caps.inheritable().as_ref()),
        bits(caps.bounding().as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names_map_to_linux_numbers() {
        assert_eq!(capability_number("CAP_CHOWN"), Some(0));
        assert_eq!(capability_number("CAP_SYS_ADMIN"), Some(21));
        assert_eq!(capability_number("net_bind_service"), Some(10));
        assert_eq!(capability_number("CAP_CHECKPOINT_RESTORE"), Some(40));
        assert_eq!(capability_number("CAP_NOPE"), None);
    }
}
