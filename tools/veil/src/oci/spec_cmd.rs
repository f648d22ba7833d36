//! `spec`: writes a starting `config.json` (runc's default: `sh` in `rootfs`, with
//! the usual mounts), or with `--rootless` one with user namespace mappings.

use std::path::PathBuf;

use clap::Args;
use oci_spec::runtime::Spec;

use super::OciResult;

/// Arguments of `spec`.
#[derive(Args, Debug)]
pub struct SpecArgs {
    /// The bundle directory to write config.json in.
    #[arg(long, short = 'b', default_value = ".")]
    pub bundle: PathBuf,
    /// A spec for a container run by an unprivileged user.
    #[arg(long)]
    pub rootless: bool,
}

/// `spec`.
pub fn spec(args: &SpecArgs) -> OciResult<u8> {
    let path = args.bundle.join("config.json");
    if path.exists() {
        return Err(format!("{} exists; remove it first", path.display()).into());
    }
    let spec = if args.rootless {
        Spec::rootless(
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        )
    } else {
        Spec::default()
    };
    spec.save(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(0)
}
