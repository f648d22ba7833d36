//! The capabilities a container's sentry keeps once it is in its namespaces: only
//! what it still needs of the host, [`KEPT`]. Everything else leaves every set
//! (bounding, permitted, effective, inheritable, ambient), before the sentry starts
//! any thread, since capabilities are per thread and threads inherit them.

use caps::{CapSet, Capability, CapsHashSet};

use super::OciResult;

/// What the sentry still needs: reading the rootfs and bind-mounted host files
/// whatever their modes (the guest's own permission checks are the kernel's), and
/// binding a port below 1024 for a guest on the host's network.
pub const KEPT: [Capability; 3] = [
    Capability::CAP_DAC_OVERRIDE,
    Capability::CAP_DAC_READ_SEARCH,
    Capability::CAP_NET_BIND_SERVICE,
];

/// Drops every capability but [`KEPT`] from the calling thread (the only one).
pub fn drop_all_but_kept() -> OciResult {
    let kept: CapsHashSet = KEPT.iter().copied().collect();
    let fail = |what: &str, e: caps::errors::CapsError| format!("cannot drop {what}: {e}");
    for cap in caps::all() {
        if !kept.contains(&cap) {
            caps::drop(None, CapSet::Bounding, cap).map_err(|e| fail("the bounding set", e))?;
        }
    }
    caps::clear(None, CapSet::Ambient).map_err(|e| fail("ambient capabilities", e))?;
    caps::clear(None, CapSet::Inheritable).map_err(|e| fail("inheritable capabilities", e))?;
    caps::set(None, CapSet::Effective, &kept).map_err(|e| fail("effective capabilities", e))?;
    caps::set(None, CapSet::Permitted, &kept).map_err(|e| fail("permitted capabilities", e))?;
    Ok(())
}
