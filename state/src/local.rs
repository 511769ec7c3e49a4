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
    /// The lock this store holds: its ID and the open lock file the
    /// operating system's lock is on.
    held: std::sync::Mutex<Option<(String, File)>>,
}

/// How many earlier versions the local store keeps.
pub const HISTORY_LIMIT: usize = 20;

impl LocalStore {
    pub fn new(path: impl Into<PathBuf>) -> LocalStore {
        LocalStore {
            path: path.into(),
            cipher: None,
            held: std::sync::Mutex::new(None),
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
    Staged::write(path, 0o666, |f| f.write_all(bytes))?.commit()
}

/// [`write_atomically`] for a file only its owner may read (it holds
/// credentials).
pub fn write_privately(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    Staged::write(path, 0o600, |f| f.write_all(bytes))?.commit()
}

/// A file's next content, written and synced in a temporary file beside
/// it, put in its place by [`Staged::commit`]; dropped uncommitted, the
/// temporary file is removed.
struct Staged<'a> {
    path: &'a Path,
    tmp: PathBuf,
    committed: bool,
}

impl<'a> Staged<'a> {
    /// The temporary file for `path` (created with `mode`, less the
    /// umask), filled by `fill` and synced.
    fn write(
        path: &'a Path,
        mode: u32,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<Staged<'a>> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staged = Staged {
            path,
            tmp: Self::dir_of(path).join(format!(".{name}.tmp.{}", std::process::id())),
            committed: false,
        };
        // A file left by an earlier process of the same id keeps its mode
        // if reused: start from none.
        let _ = std::fs::remove_file(&staged.tmp);
        let written = (|| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
            #[cfg(not(unix))]
            let _ = mode;
            let mut f = std::io::BufWriter::with_capacity(1 << 20, options.open(&staged.tmp)?);
            fill(&mut f)?;
            f.into_inner().map_err(|e| e.into_error())?.sync_all()
        })();
        written.map_err(|e| staged.error(e))?;
        Ok(staged)
    }

    fn dir_of(path: &Path) -> &Path {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    fn error(&self, e: std::io::Error) -> std::io::Error {
        std::io::Error::new(e.kind(), format!("{}: {e}", self.path.display()))
    }

    /// Whether the file already holds what is staged.
    fn unchanged(&self) -> bool {
        use std::io::Read;
        let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).ok();
        if len(self.path).is_none() || len(self.path) != len(&self.tmp) {
            return false;
        }
        let (Ok(a), Ok(b)) = (File::open(self.path), File::open(&self.tmp)) else {
            return false;
        };
        let (mut a, mut b) = (std::io::BufReader::new(a), std::io::BufReader::new(b));
        let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
        loop {
            let n = match a.read(&mut x) {
                Ok(0) => return b.read(&mut y).is_ok_and(|m| m == 0),
                Ok(n) => n,
                Err(_) => return false,
            };
            if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
                return false;
            }
        }
    }

    /// Renames the staged file over the target and syncs the directory.
    fn commit(mut self) -> std::io::Result<()> {
        std::fs::rename(&self.tmp, self.path).map_err(|e| self.error(e))?;
        if let Ok(d) = File::open(Self::dir_of(self.path)) {
            let _ = d.sync_all();
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Copies the file `from` to `to` as [`write_atomically`] writes: through
/// a synced temporary file renamed into place.
fn copy_atomically(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut source = File::open(from)?;
    Staged::write(to, 0o666, |f| std::io::copy(&mut source, f).map(drop))?.commit()
}

pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

impl LocalStore {
    /// An I/O error that names the state file.
    fn io_error(&self, e: std::io::Error) -> StateError {
        StateError::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", self.path.display()),
        ))
    }
}

impl Store for LocalStore {
    fn read(&self) -> Result<Option<State>, StateError> {
        match std::fs::read(&self.path) {
            // An empty file is not "no state": it is what a truncated
            // write leaves, and reading it as none would recreate every
            // object under a new lineage.
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
                Err(StateError::Corrupt(format!(
                    "{} is empty; if this stack manages nothing, delete it",
                    self.path.display()
                )))
            }
            Ok(bytes) => State::from_bytes(&self.open(bytes)?).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io_error(e)),
        }
    }

    fn write(&self, state: &State) -> Result<(), StateError> {
        // A plain state is written into the temporary file as it is laid
        // out, and compared with the previous one on disk: a large state's
        // bytes are never held whole.
        // A sealed state is sealed whole: its plain bytes are kept for the
        // comparison below.
        let plain = self.cipher.as_ref().map(|_| state.to_bytes());
        let staged = match &plain {
            None => Staged::write(&self.path, 0o666, |f| state.write_to(f))?,
            Some(plain) => {
                let sealed = self.seal(plain.clone());
                Staged::write(&self.path, 0o666, |f| f.write_all(&sealed))?
            }
        };
        if std::fs::metadata(&self.path).is_ok() {
            let backup = self.sibling(".backup");
            let serial = match &plain {
                None => {
                    if staged.unchanged() {
                        return Ok(());
                    }
                    copy_atomically(&self.path, &backup)?;
                    crate::serial_of_file(&backup)
                }
                Some(plain) => {
                    let previous = std::fs::read(&self.path)?;
                    let previous_plain = self.open(previous.clone()).ok();
                    if previous_plain.as_ref() == Some(plain) {
                        return Ok(());
                    }
                    write_atomically(&backup, &previous)?;
                    previous_plain.and_then(|p| crate::serial_of(&p))
                }
            };
            // Numbered history: the previous version by its serial. It is
            // the backup's file under a second name (the backup is
            // replaced, never written in place), or a copy where links
            // are not possible.
            if let Some(serial) = serial {
                let dir = self.history_dir();
                std::fs::create_dir_all(&dir)?;
                let numbered = dir.join(format!("{serial}.tfstate"));
                let _ = std::fs::remove_file(&numbered);
                if std::fs::hard_link(&backup, &numbered).is_err() {
                    copy_atomically(&backup, &numbered)?;
                }
                let mut serials = self.history()?;
                for serial in serials.split_off(HISTORY_LIMIT.min(serials.len())) {
                    let _ = std::fs::remove_file(dir.join(format!("{serial}.tfstate")));
                }
            }
        }
        staged.commit()?;
        Ok(())
    }

    fn lock(&self, operation: &str) -> Result<LockInfo, StateError> {
        let info = LockInfo::new(operation, self.path.display().to_string());
        let lock_path = self.lock_path();
        // The lock is the operating system's lock on the lock file, held
        // as long as this store holds the state: it is released when the
        // process ends however it ends, so a killed holder never leaves a
        // lock behind, and taking it is one atomic step, so no two
        // processes ever both hold it. The file's content only names the
        // holder for others to read.
        // Taking the lock writes the file: never through a link to
        // another file.
        if std::fs::symlink_metadata(&lock_path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(StateError::Io(std::io::Error::other(format!(
                "the lock file {} is a symbolic link; remove it (the lock is a plain file Strata makes)",
                lock_path.display()
            ))));
        }
        for _ in 0..8 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&lock_path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StateError::Locked(Box::new(
                        self.holder_named_in(&file, &lock_path),
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
            }
            // The previous holder removes the file as it unlocks: a lock
            // taken on a file no longer at the path guards nothing.
            if !names_same_file(&file, &lock_path) {
                continue;
            }
            file.set_len(0)?;
            file.write_all(&serde_json::to_vec_pretty(&info).expect("lock info serializes"))?;
            file.sync_all()?;
            *self.held.lock().expect("lock slot") = Some((info.id.clone(), file));
            return Ok(info);
        }
        Err(StateError::Io(std::io::Error::other(format!(
            "could not take the state lock {}: it kept being replaced",
            lock_path.display()
        ))))
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
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .collect();
        let mut out = Vec::new();
        for (position, (number, line)) in lines.iter().enumerate() {
            let plain = match self.open(line.as_bytes().to_vec()) {
                Ok(p) => Some(p),
                // The first record not opening is a wrong or missing key.
                Err(e) if position == 0 && lines.len() > 1 => return Err(e),
                Err(_) => None,
            };
            let record = plain.and_then(|p| serde_json::from_slice(&p).ok());
            match record {
                Some(r) => out.push(r),
                // A record cut short by a crash is the last line and has
                // no newline: it was never acknowledged, so nothing relied
                // on it.
                None if position + 1 == lines.len() && !text.ends_with('\n') => break,
                // Anything else is damage: refuse, and keep the journal as
                // it is, rather than settle part of it and lose the rest.
                None => {
                    return Err(StateError::Journal(format!(
                        "line {} of {} cannot be read (of {} records); the journal is kept as it is. Restore it from a copy, or remove that line if it is damaged beyond use",
                        number + 1,
                        self.journal_path().display(),
                        lines.len()
                    )))
                }
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
        let lock_path = self.lock_path();
        let file = match OpenOptions::new().read(true).open(&lock_path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if let Some((_, held)) = &*self.held.lock().expect("lock slot") {
            return Ok(Some(self.holder_named_in(held, &lock_path)));
        }
        // A file nobody holds is what a finished or killed holder left.
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                Ok(None)
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                Ok(Some(self.holder_named_in(&file, &lock_path)))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }

    fn describe(&self) -> String {
        format!("local state file {}", self.path.display())
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        let lock_path = self.lock_path();
        let mut held = self.held.lock().expect("lock slot");
        match held.take() {
            Some((held_id, file)) if held_id == id => {
                // Removed while still held, so whoever opens the path next
                // opens a new file (see `lock`).
                let _ = std::fs::remove_file(&lock_path);
                drop(file);
                Ok(())
            }
            Some((held_id, file)) => {
                let holder = self.holder_named_in(&file, &lock_path);
                *held = Some((held_id, file));
                Err(StateError::Locked(Box::new(holder)))
            }
            None => {
                drop(held);
                match self.lock_holder()? {
                    // Another live process holds it: only that process can
                    // release it (it does when it ends, however it ends).
                    Some(holder) => Err(StateError::Locked(Box::new(holder))),
                    None => {
                        let _ = std::fs::remove_file(&lock_path);
                        Ok(())
                    }
                }
            }
        }
    }
}

impl LocalStore {
    /// The holder a lock file names, or "unknown" while its holder has
    /// not written it yet.
    fn holder_named_in(&self, file: &File, lock_path: &Path) -> LockInfo {
        use std::io::{Read, Seek};
        let mut reader = file;
        let mut bytes = Vec::new();
        let _ = reader.seek(std::io::SeekFrom::Start(0));
        let _ = reader.read_to_end(&mut bytes);
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| LockInfo::unknown(lock_path.display().to_string()))
    }
}

/// Whether `path` still names the open `file`.
#[cfg(unix)]
fn names_same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn names_same_file(_file: &File, path: &Path) -> bool {
    path.exists()
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
    /// locked: an empty lock file (what a kill between creating and
    /// writing it leaves) is taken over.
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

    /// Many stores on one path, each taking the lock over a stale lock
    /// file another "killed" holder left: at no moment do two hold it.
    #[test]
    fn only_one_holder_at_a_time_even_when_taking_over_a_stale_lock() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let dir = std::env::temp_dir().join(format!("strata-state-race-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut gone = LockInfo::new("apply", "gone".into());
        gone.pid = 999_999_999;
        let stale = serde_json::to_vec(&gone).unwrap();
        let holders = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let granted = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for worker in 0..8 {
                let (dir, stale, holders, most, granted) =
                    (&dir, &stale, &holders, &most, &granted);
                scope.spawn(move || {
                    let store = LocalStore::new(dir.join("strata.tfstate"));
                    for round in 0..150 {
                        if (round + worker) % 7 == 0 {
                            // A holder killed mid-apply leaves its record.
                            let _ = std::fs::write(dir.join(".strata.tfstate.lock.info"), stale);
                        }
                        if let Ok(info) = store.lock("apply") {
                            let now = holders.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            granted.fetch_add(1, Ordering::SeqCst);
                            std::thread::yield_now();
                            holders.fetch_sub(1, Ordering::SeqCst);
                            store.unlock(&info.id).unwrap();
                        }
                    }
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 1, "two holders at once");
        assert!(
            granted.load(Ordering::SeqCst) > 0,
            "nobody ever got the lock"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The lock is held by the process, not by a file: once the holder is
    /// gone (its store dropped, as when the process dies), the record it
    /// left takes nobody's turn.
    #[test]
    fn a_lock_ends_with_its_holder() {
        let dir = std::env::temp_dir().join(format!("strata-state-ends-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let first = LocalStore::new(dir.join("strata.tfstate"));
        let held = first.lock("apply").unwrap();
        let second = LocalStore::new(dir.join("strata.tfstate"));
        assert!(matches!(second.lock("plan"), Err(StateError::Locked(h)) if h.id == held.id));
        assert_eq!(
            second.lock_holder().unwrap().map(|h| h.id),
            Some(held.id.clone())
        );
        // Another process cannot release a live holder's lock.
        assert!(matches!(
            second.unlock(&held.id),
            Err(StateError::Locked(_))
        ));
        drop(first);
        assert!(dir.join(".strata.tfstate.lock.info").exists());
        assert_eq!(second.lock_holder().unwrap(), None);
        second.lock("plan").expect("the holder is gone");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A lock file that is a link is refused, so taking the lock never
    /// truncates the file it points to.
    #[cfg(unix)]
    #[test]
    fn a_linked_lock_file_is_refused_and_its_target_untouched() {
        let dir = std::env::temp_dir().join(format!("strata-state-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("precious"), "keep me").unwrap();
        std::os::unix::fs::symlink(dir.join("precious"), dir.join(".strata.tfstate.lock.info"))
            .unwrap();
        let store = LocalStore::new(dir.join("strata.tfstate"));
        assert!(matches!(store.lock("apply"), Err(StateError::Io(_))));
        assert_eq!(
            std::fs::read_to_string(dir.join("precious")).unwrap(),
            "keep me"
        );
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
