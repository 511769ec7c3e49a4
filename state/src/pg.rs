//! The PostgreSQL store: state, history and journal in tables of one
//! schema, one row set per workspace; locking with a session advisory lock
//! (`pg_try_advisory_lock`) whose holder is recorded beside it, so others
//! are told who holds it.
//!
//! The connection lives on a thread of its own: the synchronous client
//! runs its own small runtime, which must not be nested inside the
//! engine's. Calls are sent to that thread and answered over a channel.

use crate::{JournalRecord, LockInfo, State, StateError, Store};
use std::sync::mpsc;
use std::sync::Mutex;

type Job = Box<dyn FnOnce(&mut postgres::Client) + Send>;

pub struct PgStore {
    jobs: Mutex<mpsc::Sender<Job>>,
    schema: String,
    workspace: String,
    cipher: Option<std::sync::Arc<crate::crypt::Cipher>>,
    /// The lock this store's session holds (advisory locks are re-entrant
    /// within a session, so a second take must be refused here).
    held: Mutex<Option<LockInfo>>,
}

fn db_error(e: postgres::Error) -> StateError {
    StateError::Io(std::io::Error::other(format!("PostgreSQL: {e}")))
}

fn ident(name: &str) -> Result<String, StateError> {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(name.to_string())
    } else {
        Err(StateError::Io(std::io::Error::other(format!(
            "invalid schema name {name:?}: use letters, digits and '_'"
        ))))
    }
}

impl PgStore {
    /// Connects with a libpq-style `conn_str` and prepares the schema.
    pub fn connect(
        conn_str: &str,
        schema_name: &str,
        workspace: &str,
    ) -> Result<PgStore, StateError> {
        let schema = ident(schema_name)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), StateError>>();
        let conn_str = conn_str.to_string();
        let setup_schema = schema.clone();
        std::thread::spawn(move || {
            let mut client = match postgres::Client::connect(&conn_str, postgres::NoTls) {
                Ok(c) => c,
                Err(e) => {
                    let _ = ready_tx.send(Err(db_error(e)));
                    return;
                }
            };
            let setup = format!(
                "CREATE SCHEMA IF NOT EXISTS {s};
                 CREATE TABLE IF NOT EXISTS {s}.states (name text PRIMARY KEY, data bytea NOT NULL);
                 CREATE TABLE IF NOT EXISTS {s}.history (name text NOT NULL, serial bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (name, serial));
                 CREATE TABLE IF NOT EXISTS {s}.journal (name text NOT NULL, seq bigserial, data bytea NOT NULL, PRIMARY KEY (name, seq));
                 CREATE TABLE IF NOT EXISTS {s}.locks (name text PRIMARY KEY, info text NOT NULL);",
                s = setup_schema
            );
            let _ = ready_tx.send(client.batch_execute(&setup).map_err(db_error));
            while let Ok(job) = rx.recv() {
                job(&mut client);
            }
        });
        ready_rx.recv().map_err(|_| {
            StateError::Io(std::io::Error::other("PostgreSQL connection thread ended"))
        })??;
        Ok(PgStore {
            jobs: Mutex::new(tx),
            schema,
            workspace: workspace.to_string(),
            cipher: None,
            held: Mutex::new(None),
        })
    }

    pub fn with_cipher(mut self, cipher: Option<std::sync::Arc<crate::crypt::Cipher>>) -> PgStore {
        self.cipher = cipher;
        self
    }

    /// Runs `f` on the connection thread and waits for its answer.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, StateError> + Send + 'static,
    ) -> Result<T, StateError> {
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move |client| {
            let _ = tx.send(f(client));
        });
        self.jobs
            .lock()
            .expect("job queue")
            .send(job)
            .map_err(|_| {
                StateError::Io(std::io::Error::other("PostgreSQL connection thread ended"))
            })?;
        rx.recv().map_err(|_| {
            StateError::Io(std::io::Error::other("PostgreSQL connection thread ended"))
        })?
    }

    fn seal(&self, bytes: Vec<u8>) -> Vec<u8> {
        crate::crypt::seal(self.cipher.as_deref(), bytes)
    }

    fn open(&self, bytes: Vec<u8>) -> Result<Vec<u8>, StateError> {
        Ok(crate::crypt::open(self.cipher.as_deref(), bytes)?)
    }

    /// The advisory lock key of this schema and workspace.
    fn lock_key(&self) -> String {
        format!("strata:{}:{}", self.schema, self.workspace)
    }
}

impl Store for PgStore {
    fn read(&self) -> Result<Option<State>, StateError> {
        let (s, name) = (self.schema.clone(), self.workspace.clone());
        let data: Option<Vec<u8>> = self.call(move |c| {
            let row = c
                .query_opt(
                    &format!("SELECT data FROM {s}.states WHERE name = $1"),
                    &[&name],
                )
                .map_err(db_error)?;
            Ok(row.map(|r| r.get(0)))
        })?;
        match data {
            Some(bytes) => State::from_bytes(&self.open(bytes)?).map(Some),
            None => Ok(None),
        }
    }

    fn write(&self, state: &State) -> Result<(), StateError> {
        let plain = state.to_bytes();
        let previous = self.read()?;
        if previous.as_ref().map(State::to_bytes).as_deref() == Some(plain.as_slice()) {
            return Ok(());
        }
        let sealed = self.seal(plain);
        let previous_sealed = previous
            .as_ref()
            .map(|p| (p.serial as i64, self.seal(p.to_bytes())));
        let (s, name) = (self.schema.clone(), self.workspace.clone());
        self.call(move |c| {
            let mut tx = c.transaction().map_err(db_error)?;
            if let Some((serial, bytes)) = previous_sealed {
                tx.execute(
                    &format!("INSERT INTO {s}.history (name, serial, data) VALUES ($1, $2, $3) ON CONFLICT (name, serial) DO UPDATE SET data = EXCLUDED.data"),
                    &[&name, &serial, &bytes],
                )
                .map_err(db_error)?;
                tx.execute(
                    &format!("DELETE FROM {s}.history WHERE name = $1 AND serial NOT IN (SELECT serial FROM {s}.history WHERE name = $1 ORDER BY serial DESC LIMIT $2)"),
                    &[&name, &(crate::local::HISTORY_LIMIT as i64)],
                )
                .map_err(db_error)?;
            }
            tx.execute(
                &format!("INSERT INTO {s}.states (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data"),
                &[&name, &sealed],
            )
            .map_err(db_error)?;
            tx.commit().map_err(db_error)
        })
    }

    fn lock(&self, operation: &str) -> Result<LockInfo, StateError> {
        if let Some(holder) = self.held.lock().expect("held").clone() {
            return Err(StateError::Locked(Box::new(holder)));
        }
        let info = LockInfo::new(
            operation,
            format!(
                "postgres schema {}, workspace {}",
                self.schema, self.workspace
            ),
        );
        let (s, name, key) = (self.schema.clone(), self.workspace.clone(), self.lock_key());
        let text = serde_json::to_string(&info).expect("lock info serializes");
        let holder: Option<String> = self.call(move |c| {
            let got: bool = c.query_one("SELECT pg_try_advisory_lock(hashtext($1))", &[&key]).map_err(db_error)?.get(0);
            if got {
                c.execute(&format!("INSERT INTO {s}.locks (name, info) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET info = EXCLUDED.info"), &[&name, &text])
                    .map_err(db_error)?;
                Ok(None)
            } else {
                let row = c.query_opt(&format!("SELECT info FROM {s}.locks WHERE name = $1"), &[&name]).map_err(db_error)?;
                Ok(Some(row.map(|r| r.get::<_, String>(0)).unwrap_or_default()))
            }
        })?;
        match holder {
            None => {
                *self.held.lock().expect("held") = Some(info.clone());
                Ok(info)
            }
            Some(text) => {
                let holder: LockInfo = serde_json::from_str(&text)
                    .unwrap_or_else(|_| LockInfo::unknown(info.path.clone()));
                Err(StateError::Locked(Box::new(holder)))
            }
        }
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        let (s, name, key, id) = (
            self.schema.clone(),
            self.workspace.clone(),
            self.lock_key(),
            id.to_string(),
        );
        let mine = self
            .held
            .lock()
            .expect("held")
            .as_ref()
            .is_some_and(|h| h.id == id);
        if mine {
            *self.held.lock().expect("held") = None;
        }
        self.call(move |c| {
            let row = c
                .query_opt(
                    &format!("SELECT info FROM {s}.locks WHERE name = $1"),
                    &[&name],
                )
                .map_err(db_error)?;
            if let Some(row) = row {
                let info: LockInfo = serde_json::from_str(&row.get::<_, String>(0))
                    .map_err(|e| StateError::Corrupt(e.to_string()))?;
                if info.id != id {
                    return Err(StateError::Locked(Box::new(info)));
                }
            }
            c.execute(&format!("DELETE FROM {s}.locks WHERE name = $1"), &[&name])
                .map_err(db_error)?;
            c.query_one("SELECT pg_advisory_unlock(hashtext($1))", &[&key])
                .map_err(db_error)?;
            Ok(())
        })
    }

    fn append_journal(&self, record: &JournalRecord, _durable: bool) -> Result<(), StateError> {
        // Every insert is committed, so every record is durable.
        let bytes = self.seal(serde_json::to_vec(record).expect("journal records serialize"));
        let (s, name) = (self.schema.clone(), self.workspace.clone());
        self.call(move |c| {
            c.execute(
                &format!("INSERT INTO {s}.journal (name, data) VALUES ($1, $2)"),
                &[&name, &bytes],
            )
            .map_err(db_error)?;
            Ok(())
        })
    }

    fn read_journal(&self) -> Result<Vec<JournalRecord>, StateError> {
        let (s, name) = (self.schema.clone(), self.workspace.clone());
        let rows: Vec<Vec<u8>> = self.call(move |c| {
            let rows = c
                .query(
                    &format!("SELECT data FROM {s}.journal WHERE name = $1 ORDER BY seq"),
                    &[&name],
                )
                .map_err(db_error)?;
            Ok(rows.into_iter().map(|r| r.get(0)).collect())
        })?;
        rows.into_iter()
            .map(|b| {
                self.open(b).and_then(|p| {
                    serde_json::from_slice(&p).map_err(|e| {
                        StateError::Journal(format!(
                            "a record in {}.journal for workspace {:?}: {e}",
                            self.schema, self.workspace
                        ))
                    })
                })
            })
            .collect()
    }

    fn reset_journal(&self, keep: &[JournalRecord]) -> Result<(), StateError> {
        let kept: Vec<Vec<u8>> = keep
            .iter()
            .map(|r| self.seal(serde_json::to_vec(r).expect("journal records serialize")))
            .collect();
        let (s, name) = (self.schema.clone(), self.workspace.clone());
        self.call(move |c| {
            let mut tx = c.transaction().map_err(db_error)?;
            tx.execute(
                &format!("DELETE FROM {s}.journal WHERE name = $1"),
                &[&name],
            )
            .map_err(db_error)?;
            for bytes in &kept {
                tx.execute(
                    &format!("INSERT INTO {s}.journal (name, data) VALUES ($1, $2)"),
                    &[&name, bytes],
                )
                .map_err(db_error)?;
            }
            tx.commit().map_err(db_error)
        })
    }

    fn history(&self) -> Result<Vec<u64>, StateError> {
        let (s, name) = (self.schema.clone(), self.workspace.clone());
        self.call(move |c| {
            let rows = c
                .query(
                    &format!("SELECT serial FROM {s}.history WHERE name = $1 ORDER BY serial DESC"),
                    &[&name],
                )
                .map_err(db_error)?;
            Ok(rows
                .into_iter()
                .map(|r| r.get::<_, i64>(0) as u64)
                .collect())
        })
    }

    fn read_version(&self, serial: u64) -> Result<Option<State>, StateError> {
        let (s, name) = (self.schema.clone(), self.workspace.clone());
        let data: Option<Vec<u8>> = self.call(move |c| {
            let row = c
                .query_opt(
                    &format!("SELECT data FROM {s}.history WHERE name = $1 AND serial = $2"),
                    &[&name, &(serial as i64)],
                )
                .map_err(db_error)?;
            Ok(row.map(|r| r.get(0)))
        })?;
        match data {
            Some(bytes) => State::from_bytes(&self.open(bytes)?).map(Some),
            None => Ok(None),
        }
    }

    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        let (s, name) = (self.schema.clone(), self.workspace.clone());
        let text: Option<String> = self.call(move |c| {
            let row = c
                .query_opt(
                    &format!("SELECT info FROM {s}.locks WHERE name = $1"),
                    &[&name],
                )
                .map_err(db_error)?;
            Ok(row.map(|r| r.get(0)))
        })?;
        Ok(text.map(|t| {
            serde_json::from_str(&t).unwrap_or_else(|_| LockInfo::unknown(self.describe()))
        }))
    }

    fn describe(&self) -> String {
        format!(
            "PostgreSQL schema {}, workspace {}",
            self.schema, self.workspace
        )
    }
}

/// The PostgreSQL backend: every workspace in the same schema, each store
/// on a session of its own (advisory locks belong to sessions).
pub struct PgBackend {
    conn_str: String,
    admin: PgStore,
    cipher: Option<std::sync::Arc<crate::crypt::Cipher>>,
}

impl PgBackend {
    pub fn connect(
        conn_str: &str,
        schema_name: &str,
        cipher: Option<std::sync::Arc<crate::crypt::Cipher>>,
    ) -> Result<PgBackend, StateError> {
        Ok(PgBackend {
            conn_str: conn_str.to_string(),
            admin: PgStore::connect(conn_str, schema_name, "default")?,
            cipher,
        })
    }
}

impl crate::Backend for PgBackend {
    fn store(&self, workspace: &str) -> Result<Box<dyn Store>, StateError> {
        Ok(Box::new(
            PgStore::connect(&self.conn_str, &self.admin.schema, workspace)?
                .with_cipher(self.cipher.clone()),
        ))
    }

    fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let s = self.admin.schema.clone();
        let names = self.admin.call(move |c| {
            let rows = c
                .query(&format!("SELECT name FROM {s}.states"), &[])
                .map_err(db_error)?;
            Ok(rows.into_iter().map(|r| r.get::<_, String>(0)).collect())
        })?;
        Ok(crate::workspace_list(names))
    }

    fn delete_workspace(&self, workspace: &str) -> Result<(), StateError> {
        let (s, name) = (self.admin.schema.clone(), workspace.to_string());
        self.admin.call(move |c| {
            let mut tx = c.transaction().map_err(db_error)?;
            for table in ["states", "history", "journal", "locks"] {
                tx.execute(
                    &format!("DELETE FROM {s}.{table} WHERE name = $1"),
                    &[&name],
                )
                .map_err(db_error)?;
            }
            tx.commit().map_err(db_error)
        })
    }

    fn kind(&self) -> &'static str {
        "pg"
    }
}
