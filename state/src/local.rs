//! The local file store, Strata's default: `strata.tfstate` in the stack's
//! directory, its previous version in `strata.tfstate.backup`, and a lock
//! file beside it that names the holder.

use crate::{JournalRecord, LockInfo, State, StateError, Store};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct LocalStore {
    path: PathBuf,
    /// Encrypts state, history and journal at rest when set.
    cipher: Option<std::sync::Arc<crate::crypt::Cipher>>,
}

/// How many earlier versions the local store keeps.
pub const HISTORY_LIMIT: usize = 20;

impl LocalStore {
    pub fn new(path: impl Into<PathBuf>) -> LocalStore {
        LocalStore {
            path: path.into(),
            cipher: None,
        }
    }

    pub fn with_cipher(
        mut self,
        cipher: Option<std::sync::Arc<crate::crypt::Cipher>>,
    ) -> LocalStore {
        self.cipher = cipher;
        self
    }

    fn seal(&self, bytes: Vec<u8>) -> Vec<u8> {
        crate::crypt::seal(self.cipher.as_deref(), bytes)
    }

    fn open(&self, bytes: Vec<u8>) -> Result<Vec<u8>, StateError> {
        Ok(crate::crypt::open(self.cipher.as_deref(), bytes)?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.path.with_file_name(format!("{name}{suffix}"))
    }

    fn history_dir(&self) -> PathBuf {
        self.sibling(".history")
    }

    /// The intent journal beside the state: one JSON record a line.
    pub fn journal_path(&self) -> PathBuf {
        self.sibling(".journal")
    }

    fn lock_path(&self) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.path.with_file_name(format!(".{name}.lock.info"))
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, fsynced, renamed over the target, and the directory fsynced.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn process_alive(pid: u32) -> bool {
    pid == 0 || Path::new(&format!("/proc/{pid}")).exists()
}

pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

impl Store for LocalStore {
    fn read(&self) -> Result<Option<State>, StateError> {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(None),
            Ok(bytes) => State::from_bytes(&self.open(bytes)?).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn write(&self, state: &State) -> Result<(), StateError> {
        let plain = state.to_bytes();
        let bytes = self.seal(plain.clone());
        if let Ok(previous) = std::fs::read(&self.path) {
            let previous_plain = self.open(previous.clone()).ok();
            if previous_plain.as_deref() == Some(plain.as_slice()) {
                return Ok(());
            }
            write_atomically(&self.sibling(".backup"), &previous)?;
            // Numbered history: the previous version by its serial.
            if let Some(old) = previous_plain.and_then(|p| State::from_bytes(&p).ok()) {
                let dir = self.history_dir();
                std::fs::create_dir_all(&dir)?;
                write_atomically(&dir.join(format!("{}.tfstate", old.serial)), &previous)?;
                let mut serials = self.history()?;
                for serial in serials.split_off(HISTORY_LIMIT.min(serials.len())) {
                    let _ = std::fs::remove_file(dir.join(format!("{serial}.tfstate")));
                }
            }
        }
        write_atomically(&self.path, &bytes)?;
        Ok(())
    }

    fn lock(&self, operation: &str) -> Result<LockInfo, StateError> {
        let info = LockInfo::new(operation, self.path.display().to_string());
        let lock_path = self.lock_path();
        // The lock appears whole or not at all: its record is written to a
        // file of this process's own, then linked into place, which fails
        // when a lock is already there. A process killed half-way leaves at
        // most its own temporary file, never an empty lock.
        let dir = lock_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let staged = dir.join(format!(
            ".{}.{}",
            lock_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        {
            let mut f = File::create(&staged)?;
            f.write_all(&serde_json::to_vec_pretty(&info).expect("lock info serializes"))?;
            f.sync_all()?;
        }
        let outcome = (|| {
            for _ in 0..2 {
                match std::fs::hard_link(&staged, &lock_path) {
                    Ok(()) => return Ok(info.clone()),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        let bytes = std::fs::read(&lock_path).unwrap_or_default();
                        let holder: Option<LockInfo> = serde_json::from_slice(&bytes).ok();
                        match holder {
                            // A holder on this host whose process is gone
                            // left the lock behind: take it over.
                            Some(h) if h.host == info.host && !process_alive(h.pid) => {
                                let _ = std::fs::remove_file(&lock_path);
                            }
                            Some(h) => return Err(StateError::Locked(Box::new(h))),
                            // An empty lock is what an older Strata killed
                            // while taking the lock left: nobody holds it.
                            None if bytes.iter().all(u8::is_ascii_whitespace) => {
                                let _ = std::fs::remove_file(&lock_path);
                            }
                            None => {
                                return Err(StateError::Locked(Box::new(LockInfo::unknown(
                                    lock_path.display().to_string(),
                                ))))
                            }
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(StateError::Io(std::io::Error::other(
                "could not take the state lock",
            )))
        })();
        let _ = std::fs::remove_file(&staged);
        if outcome.is_ok() {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        outcome
    }

    fn append_journal(&self, record: &JournalRecord, durable: bool) -> Result<(), StateError> {
        let mut line = self.seal(serde_json::to_vec(record).expect("journal records serialize"));
        line.push(b'\n');
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.journal_path())?;
        f.write_all(&line)?;
        if durable {
            f.sync_data()?;
        }
        Ok(())
    }

    fn read_journal(&self) -> Result<Vec<JournalRecord>, StateError> {
        let text = match std::fs::read_to_string(self.journal_path()) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let plain = self.open(line.as_bytes().to_vec())?;
            match serde_json::from_slice(&plain) {
                Ok(r) => out.push(r),
                // A record cut short by a crash is the last line: it was
                // never acknowledged, so nothing relied on it.
                Err(_) => break,
            }
        }
        Ok(out)
    }

    fn reset_journal(&self, keep: &[JournalRecord]) -> Result<(), StateError> {
        if keep.is_empty() {
            match std::fs::remove_file(self.journal_path()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
            return Ok(());
        }
        let mut bytes = Vec::new();
        for r in keep {
            bytes.extend(self.seal(serde_json::to_vec(r).expect("journal records serialize")));
            bytes.push(b'\n');
        }
        write_atomically(&self.journal_path(), &bytes)?;
        Ok(())
    }

    fn history(&self) -> Result<Vec<u64>, StateError> {
        let mut serials: Vec<u64> = match std::fs::read_dir(self.history_dir()) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .strip_suffix(".tfstate")
                        .and_then(|s| s.parse().ok())
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        serials.sort_unstable_by(|a, b| b.cmp(a));
        Ok(serials)
    }

    fn read_version(&self, serial: u64) -> Result<Option<State>, StateError> {
        match std::fs::read(self.history_dir().join(format!("{serial}.tfstate"))) {
            Ok(bytes) => State::from_bytes(&self.open(bytes)?).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        match std::fs::read(self.lock_path()) {
            Ok(b) => Ok(Some(serde_json::from_slice(&b).unwrap_or_else(|_| {
                LockInfo::unknown(self.lock_path().display().to_string())
            }))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn describe(&self) -> String {
        format!("local state file {}", self.path.display())
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        let lock_path = self.lock_path();
        let holder: Option<LockInfo> = std::fs::read(&lock_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        match holder {
            Some(h) if h.id != id => Err(StateError::Locked(Box::new(h))),
            _ => {
                let _ = std::fs::remove_file(&lock_path);
                Ok(())
            }
        }
    }
}

/// The local backend: the default workspace's state at `path`, every
/// other workspace's under `workspace_dir/NAME/`, as Terraform lays them
/// out.
pub struct LocalBackend {
    pub path: PathBuf,
    pub workspace_dir: PathBuf,
    pub cipher: Option<std::sync::Arc<crate::crypt::Cipher>>,
}

impl LocalBackend {
    pub fn state_path(&self, workspace: &str) -> PathBuf {
        if workspace == "default" {
            self.path.clone()
        } else {
            let file = self
                .path
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("strata.tfstate"));
            self.workspace_dir.join(workspace).join(file)
        }
    }

    pub fn local_store(&self, workspace: &str) -> LocalStore {
        LocalStore::new(self.state_path(workspace)).with_cipher(self.cipher.clone())
    }
}

impl crate::Backend for LocalBackend {
    fn store(&self, workspace: &str) -> Result<Box<dyn Store>, StateError> {
        Ok(Box::new(self.local_store(workspace)))
    }

    fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let mut names = Vec::new();
        match std::fs::read_dir(&self.workspace_dir) {
            Ok(entries) => {
                for e in entries {
                    let e = e?;
                    if e.path().is_dir() {
                        names.push(e.file_name().to_string_lossy().into_owned());
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        Ok(crate::workspace_list(names))
    }

    fn create_workspace(&self, workspace: &str) -> Result<(), StateError> {
        let path = self.state_path(workspace);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        self.local_store(workspace).write(&State::fresh())
    }

    fn delete_workspace(&self, workspace: &str) -> Result<(), StateError> {
        match std::fs::remove_dir_all(self.workspace_dir.join(workspace)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn kind(&self) -> &'static str {
        "local"
    }
}

pub(crate) fn now_text() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{secs} (seconds since the Unix epoch)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_store_passes_the_conformance_suite() {
        let dir =
            std::env::temp_dir().join(format!("strata-state-conformance-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let failures = crate::conformance::run_backend(&LocalBackend {
            path: dir.join("strata.tfstate"),
            workspace_dir: dir.join("strata.tfstate.d"),
            cipher: None,
        });
        let _ = std::fs::remove_dir_all(&dir);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// A process killed while taking the lock must not leave the state
    /// locked: the lock is linked into place whole, and an empty lock
    /// file (what a kill between creating and writing it used to leave)
    /// is taken over.
    #[test]
    fn a_lock_is_never_left_half_made() {
        let dir = std::env::temp_dir().join(format!("strata-state-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = LocalStore::new(dir.join("strata.tfstate"));
        std::fs::write(dir.join(".strata.tfstate.lock.info"), b"").unwrap();
        let held = store
            .lock("apply")
            .expect("an empty lock file holds nothing");
        assert_eq!(
            store.lock_holder().unwrap().map(|h| h.id),
            Some(held.id.clone())
        );
        assert!(
            matches!(store.lock("plan"), Err(StateError::Locked(h)) if h.id == held.id),
            "a second lock must name the holder"
        );
        store.unlock(&held.id).unwrap();
        let leftovers: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("lock"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn write_keeps_a_backup_and_equal_states_are_equal_bytes() {
        let dir = std::env::temp_dir().join(format!("strata-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = LocalStore::new(dir.join("strata.tfstate"));
        assert!(store.read().unwrap().is_none());
        let mut state = State::fresh();
        store.write(&state).unwrap();
        state.serial += 1;
        store.write(&state).unwrap();
        assert_eq!(store.read().unwrap().unwrap(), state);
        let backup =
            State::from_bytes(&std::fs::read(dir.join("strata.tfstate.backup")).unwrap()).unwrap();
        assert_eq!(backup.serial, 0);
        assert_eq!(state.to_bytes(), store.read().unwrap().unwrap().to_bytes());
        let lock = store.lock("apply").unwrap();
        let err = store.lock("plan").unwrap_err().to_string();
        assert!(err.contains("\"apply\"") && err.contains(&lock.id), "{err}");
        store.unlock(&lock.id).unwrap();
        store.lock("plan").unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
