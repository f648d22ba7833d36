//! The state of containers on disk: one directory per container under `--root`.
//!
//! `<root>/<id>/state.json` is the [`Record`] (written atomically: a temporary file
//! renamed over it), `<root>/<id>/control.sock` the sentry's socket. Commands that
//! change a container hold an exclusive `flock` on its directory ([`ContainerDir::lock`])
//! so that two commands on one container run one after the other. Whether the
//! container still runs is not stored but seen: its sentry process alive, not a
//! zombie, and started when the record says (so a reused pid is not mistaken for it).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::OciResult;

/// The OCI runtime spec version Veil implements.
pub const OCI_VERSION: &str = "1.0.2";

/// A container's status, as `state` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// `create` is running.
    Creating,
    /// Created: the init process is loaded and waits for `start`.
    Created,
    /// Started and its sentry alive.
    Running,
    /// Paused.
    Paused,
    /// Its sentry has ended.
    Stopped,
}

impl Status {
    /// The lowercase name (`created`…).
    pub fn name(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Stopped => "stopped",
        }
    }
}

/// What is stored of a container.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// The container id.
    pub id: String,
    /// The host pid of the container's sentry process.
    pub pid: i32,
    /// That process's start time (field 22 of `/proc/<pid>/stat`).
    pub pid_start: u64,
    /// The status it was last put in (`created`, `running`, `paused`).
    pub status: Status,
    /// The bundle directory, absolute.
    pub bundle: PathBuf,
    /// The root file system, absolute.
    pub rootfs: PathBuf,
    /// When it was created, RFC 3339.
    pub created: String,
    /// The owner's user name (runc leaves it empty for root).
    pub owner: String,
    /// The spec's annotations.
    pub annotations: BTreeMap<String, String>,
}

/// The `state` JSON of the OCI runtime spec, with runc's extra fields.
#[derive(Debug, Serialize)]
pub struct StateView<'a> {
    /// The spec version.
    #[serde(rename = "ociVersion")]
    pub oci_version: &'a str,
    /// The container id.
    pub id: &'a str,
    /// The sentry's host pid; 0 once stopped.
    pub pid: i32,
    /// The status now.
    pub status: &'static str,
    /// The bundle.
    pub bundle: &'a Path,
    /// The root file system.
    pub rootfs: &'a Path,
    /// Creation time.
    pub created: &'a str,
    /// The owner.
    pub owner: &'a str,
    /// Annotations (left out when there are none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: &'a BTreeMap<String, String>,
}

impl Record {
    /// The status now: the stored one while the sentry lives, else `stopped`.
    pub fn current_status(&self) -> Status {
        if self.status == Status::Creating {
            return Status::Creating;
        }
        match process_start_time(self.pid) {
            Some(start) if start == self.pid_start => self.status,
            _ => Status::Stopped,
        }
    }

    /// The `state` view of the record now.
    pub fn view(&self) -> StateView<'_> {
        self.view_as(self.current_status())
    }

    /// The state as it was when the container had `status` (what a hook of that
    /// point is given, as runc gives it: `poststart` sees `running` even if init has
    /// already ended).
    pub fn view_as(&self, status: Status) -> StateView<'_> {
        StateView {
            oci_version: OCI_VERSION,
            id: &self.id,
            pid: if status == Status::Stopped {
                0
            } else {
                self.pid
            },
            status: status.name(),
            bundle: &self.bundle,
            rootfs: &self.rootfs,
            created: &self.created,
            owner: &self.owner,
            annotations: &self.annotations,
        }
    }
}

/// The start time of a live, non-zombie host process, or `None`.
pub fn process_start_time(pid: i32) -> Option<u64> {
    if pid <= 0 {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); the start time is field 22.
    if matches!(fields.first(), Some(&"Z") | Some(&"X")) {
        return None;
    }
    fields.get(22 - 3)?.parse().ok()
}

/// Checks a container id as runc does: letters, digits, `_`, `+`, `-`, `.`; not
/// `.` or `..`.
pub fn validate_id(id: &str) -> OciResult {
    let ok = !id.is_empty()
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!("invalid container id '{id}'").into())
    }
}

/// A container's state directory.
#[derive(Clone, Debug)]
pub struct ContainerDir {
    /// The container id.
    pub id: String,
    /// `<root>/<id>`.
    pub path: PathBuf,
}

/// An exclusive lock on a container; released when dropped.
pub struct DirLock {
    _lock: nix::fcntl::Flock<File>,
}

impl ContainerDir {
    /// The directory of container `id` under `root` (not checked to exist).
    pub fn new(root: &Path, id: &str) -> OciResult<ContainerDir> {
        validate_id(id)?;
        Ok(ContainerDir {
            id: id.to_string(),
            path: root.join(id),
        })
    }

    /// Makes the directory of a new container; fails if the id is taken.
    pub fn create_new(&self) -> OciResult {
        if let Some(root) = self.path.parent() {
            std::fs::create_dir_all(root)
                .map_err(|e| format!("cannot create the state root {}: {e}", root.display()))?;
        }
        match std::fs::create_dir(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                Err(format!("container with id '{}' already exists", self.id).into())
            }
            Err(e) => Err(format!("cannot create {}: {e}", self.path.display()).into()),
        }
    }

    /// Takes the container's lock, waiting for another command to finish with it.
    pub fn lock(&self) -> OciResult<DirLock> {
        let file = File::open(&self.path).map_err(|_| self.missing())?;
        let lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| format!("cannot lock container '{}': {e}", self.id))?;
        Ok(DirLock { _lock: lock })
    }

    /// The "does not exist" failure.
    pub fn missing(&self) -> super::Failure {
        format!("container '{}' does not exist", self.id).into()
    }

    /// Reads the record; a container without one does not exist.
    pub fn load(&self) -> OciResult<Record> {
        let text = std::fs::read(self.path.join("state.json")).map_err(|_| self.missing())?;
        serde_json::from_slice(&text)
            .map_err(|e| format!("container '{}': its state is corrupt: {e}", self.id).into())
    }

    /// Writes the record (atomically).
    pub fn save(&self, record: &Record) -> OciResult {
        let tmp = self.path.join("state.json.tmp");
        let text = serde_json::to_vec(record).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, self.path.join("state.json")))
            .map_err(|e| format!("cannot save the state of '{}': {e}", self.id).into())
    }

    /// The sentry's control socket.
    pub fn socket_path(&self) -> PathBuf {
        self.path.join("control.sock")
    }

    /// Removes the directory and all in it.
    pub fn remove(&self) -> OciResult {
        match std::fs::remove_dir_all(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot remove {}: {e}", self.path.display()).into()),
        }
    }
}

/// Every container directory under `root`, by id.
pub fn all_containers(root: &Path) -> Vec<ContainerDir> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut dirs: Vec<ContainerDir> = entries
        .flatten()
        .filter(|e| e.path().join("state.json").exists())
        .filter_map(|e| ContainerDir::new(root, &e.file_name().to_string_lossy()).ok())
        .collect();
    dirs.sort_by(|a, b| a.id.cmp(&b.id));
    dirs
}

/// The current time, RFC 3339 with nanoseconds, as runc's `created`.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_nanos(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_runc_rules() {
        assert!(validate_id("web-1_a.b+c").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "é"] {
            assert!(validate_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_live_process_has_a_start_time_and_a_dead_one_none() {
        let me = std::process::id() as i32;
        assert!(process_start_time(me).is_some());
        assert_eq!(process_start_time(0), None);
        assert_eq!(process_start_time(i32::MAX), None);
    }
}
