//! Names of Unix sockets: `bind` to a path (a socket inode in the file system) or to
//! the abstract namespace, autobind, and the listening state `connect` and `accept`
//! use. A bound socket is found by its inode (path) or its name (abstract) in one
//! registry per sentry; the registry holds sockets weakly and a socket leaves it
//! when it ends.
//!
//! Locks: the registry, then a socket's `names` (both leaves otherwise).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use veil_abi::Errno;

use crate::unix_socket::UnixSocket;

/// Where a bound socket is found.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// A socket inode in the file system: `(st_dev, st_ino)`.
    Inode(u64, u64),
    /// An abstract name (without its leading NUL).
    Abstract(Vec<u8>),
}

/// A socket's names and listening state (`UnixSocket::names`).
#[derive(Default)]
pub struct Names {
    /// The address `getsockname` reports (`sun_path` bytes: a path, or a NUL and an
    /// abstract name), once bound.
    pub name: Option<Vec<u8>>,
    /// The registry key of the bound name.
    pub key: Option<Key>,
    /// The peer's address when it connected (`getpeername`; `None`: unnamed).
    pub peer_name: Option<Vec<u8>>,
    /// Listening: the most pending connections and the connections waiting for
    /// `accept` (the server ends, connected to their clients).
    pub listen: Option<(usize, VecDeque<Arc<UnixSocket>>)>,
}

impl Names {
    /// Connections waiting for `accept`, if listening.
    pub fn pending(&self) -> Option<usize> {
        self.listen.as_ref().map(|(_, q)| q.len())
    }
}

static REGISTRY: Mutex<Option<HashMap<Key, Weak<UnixSocket>>>> = Mutex::new(None);
static NEXT_AUTOBIND: AtomicU64 = AtomicU64::new(1);

/// Records `sock` under `key` (`EADDRINUSE` if a live socket has it).
pub fn register(key: Key, sock: &Arc<UnixSocket>) -> Result<(), Errno> {
    let mut reg = REGISTRY.lock();
    let map = reg.get_or_insert_with(HashMap::new);
    if map.get(&key).is_some_and(|w| w.strong_count() > 0) {
        return Err(Errno::EADDRINUSE);
    }
    map.insert(key, Arc::downgrade(sock));
    Ok(())
}

/// The live socket bound under `key`.
pub fn lookup(key: &Key) -> Option<Arc<UnixSocket>> {
    REGISTRY
        .lock()
        .as_ref()
        .and_then(|m| m.get(key))
        .and_then(Weak::upgrade)
}

/// Forgets the name of `sock`, which is ending (called from its `Drop`).
pub fn unbind(sock: &UnixSocket) {
    let Some(key) = sock.names.lock().key.take() else {
        return;
    };
    let mut reg = REGISTRY.lock();
    if let Some(map) = reg.as_mut() {
        // Ours only if no live socket took the name since (ours cannot be upgraded).
        if map.get(&key).is_some_and(|w| w.strong_count() == 0) {
            map.remove(&key);
        }
    }
}

/// Binds `sock` to a fresh abstract name of five hex digits (Linux's autobind):
/// returns the address.
pub fn autobind(sock: &Arc<UnixSocket>) -> Result<Vec<u8>, Errno> {
    loop {
        let n = NEXT_AUTOBIND.fetch_add(1, Ordering::Relaxed) & 0xfffff;
        let name = format!("{n:05x}").into_bytes();
        match register(Key::Abstract(name.clone()), sock) {
            Ok(()) => {
                let mut addr = vec![0u8];
                addr.extend_from_slice(&name);
                let mut names = sock.names.lock();
                names.name = Some(addr.clone());
                names.key = Some(Key::Abstract(name));
                return Ok(addr);
            }
            Err(Errno::EADDRINUSE) => continue,
            Err(e) => return Err(e),
        }
    }
}
