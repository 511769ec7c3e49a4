//! The state lock as a value: held while it lives, released when it is
//! dropped.

use std::time::{Duration, Instant};
use strata_state::{LockInfo, StateError, Store};

/// A held lock on one store's state.
pub struct StateLock<'a> {
    store: &'a dyn Store,
    info: LockInfo,
}

impl<'a> StateLock<'a> {
    /// The store this lock is on.
    pub fn store(&self) -> &'a dyn Store {
        self.store
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }
}

impl Drop for StateLock<'_> {
    fn drop(&mut self) {
        let _ = self.store.unlock(&self.info.id);
    }
}

/// Takes the state lock for `operation`, retrying every 100 ms while
/// another holds it, for up to `wait` (`--lock-timeout`).
pub fn lock_state<'a>(
    store: &'a dyn Store,
    operation: &str,
    wait: Duration,
) -> Result<StateLock<'a>, StateError> {
    let deadline = Instant::now() + wait;
    loop {
        match store.lock(operation) {
            Ok(info) => return Ok(StateLock { store, info }),
            Err(StateError::Locked(_)) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
}
