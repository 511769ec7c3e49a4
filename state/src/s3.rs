//! The S3 store: each workspace's state is one object in a bucket, with
//! Terraform's key layout (`KEY` for the default workspace,
//! `env:/NAME/KEY` for the others). Beside it:
//!
//! - `KEY.tflock`, the lock, taken by a conditional PutObject
//!   (`If-None-Match: *`) that only one writer can win; or, with
//!   `dynamodb_table`, an item whose `LockID` is `BUCKET/KEY`, put under
//!   `attribute_not_exists(LockID)`;
//! - `KEY.history/SERIAL`, earlier versions (versioned keys, the newest 20);
//! - `KEY.journal/N`, the intent journal, one object a record.

use crate::{JournalRecord, LockInfo, State, StateError, Store};
use std::sync::{Arc, Mutex};
use strata_aws_client::{xml, Client, Request};

/// The `backend "s3"` arguments Strata reads.
#[derive(Clone, Debug)]
pub struct S3Config {
    pub bucket: String,
    pub key: String,
    pub workspace_key_prefix: String,
    pub dynamodb_table: Option<String>,
    pub client: strata_aws_client::Config,
}

fn aws(e: strata_aws_client::Error) -> StateError {
    StateError::Io(std::io::Error::other(e.to_string()))
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StateError {
    StateError::Corrupt(format!("{what}: {e}"))
}

/// Talks to one bucket.
struct Bucket {
    client: Client,
    name: String,
}

impl Bucket {
    fn path(&self, key: &str) -> String {
        format!("/{}/{key}", self.name)
    }

    /// An object's bytes, or `None` when there is no such object.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        match self.client.send(&Request::new("s3", "GET", self.path(key))) {
            Ok(r) => Ok(Some(r.body)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(aws(e)),
        }
    }

    fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StateError> {
        self.client
            .send(&Request::new("s3", "PUT", self.path(key)).body(bytes))
            .map(|_| ())
            .map_err(aws)
    }

    /// Puts only when no object has the key; false when one had.
    fn put_new(&self, key: &str, bytes: Vec<u8>) -> Result<bool, StateError> {
        let request = Request::new("s3", "PUT", self.path(key))
            .header("if-none-match", "*")
            .body(bytes);
        match self.client.send(&request) {
            Ok(_) => Ok(true),
            Err(e) if e.status() == Some(412) || e.code() == Some("PreconditionFailed") => {
                Ok(false)
            }
            Err(e) => Err(aws(e)),
        }
    }

    fn delete(&self, key: &str) -> Result<(), StateError> {
        match self
            .client
            .send(&Request::new("s3", "DELETE", self.path(key)))
        {
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(aws(e)),
        }
    }

    /// Every key under `prefix`, in order.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut request = Request::new("s3", "GET", format!("/{}", self.name))
                .query("list-type", "2")
                .query("prefix", prefix);
            if let Some(t) = &token {
                request = request.query("continuation-token", t.clone());
            }
            let text = self.client.send(&request).map_err(aws)?.text();
            let doc = xml::parse(&text).map_err(|e| corrupt("ListObjectsV2", e))?;
            let root = doc.root_element();
            for contents in xml::children(root, "Contents") {
                if let Some(k) = xml::child_text(contents, "Key") {
                    keys.push(k);
                }
            }
            token = match xml::child_text(root, "IsTruncated").as_deref() {
                Some("true") => xml::child_text(root, "NextContinuationToken"),
                _ => None,
            };
            if token.is_none() {
                break;
            }
        }
        keys.sort();
        Ok(keys)
    }
}

/// DynamoDB locking: one item a state.
struct LockTable {
    table: String,
}

impl LockTable {
    fn call(
        &self,
        client: &Client,
        op: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, strata_aws_client::Error> {
        let r = client.send(&Request::json_target(
            "dynamodb",
            &format!("DynamoDB_20120810.{op}"),
            &body,
        ))?;
        Ok(r.json().unwrap_or(serde_json::Value::Null))
    }

    fn holder(&self, client: &Client, lock_id: &str) -> Result<Option<String>, StateError> {
        let item = self
            .call(
                client,
                "GetItem",
                serde_json::json!({"TableName": self.table, "Key": {"LockID": {"S": lock_id}}, "ConsistentRead": true}),
            )
            .map_err(aws)?;
        Ok(item["Item"]["Info"]["S"].as_str().map(str::to_string))
    }
}

pub struct S3Store {
    bucket: Arc<Bucket>,
    key: String,
    locks: Option<Arc<LockTable>>,
    cipher: Option<Arc<crate::crypt::Cipher>>,
    /// The next journal object's number, once known.
    journal_next: Mutex<Option<u64>>,
}

impl S3Store {
    fn seal(&self, bytes: Vec<u8>) -> Vec<u8> {
        crate::crypt::seal(self.cipher.as_deref(), bytes)
    }

    fn open(&self, bytes: Vec<u8>) -> Result<Vec<u8>, StateError> {
        Ok(crate::crypt::open(self.cipher.as_deref(), bytes)?)
    }

    fn decode(&self, bytes: Vec<u8>) -> Result<State, StateError> {
        State::from_bytes(&self.open(bytes)?)
    }

    fn lock_key(&self) -> String {
        format!("{}.tflock", self.key)
    }

    fn lock_id(&self) -> String {
        format!("{}/{}", self.bucket.name, self.key)
    }

    fn history_prefix(&self) -> String {
        format!("{}.history/", self.key)
    }

    fn journal_prefix(&self) -> String {
        format!("{}.journal/", self.key)
    }

    fn journal_keys(&self) -> Result<Vec<String>, StateError> {
        // Zero-padded numbers: the listing's order is the journal's.
        self.bucket.list(&self.journal_prefix())
    }

    fn holder_info(&self, text: Option<Vec<u8>>) -> Option<LockInfo> {
        text.map(|t| {
            serde_json::from_slice(&t).unwrap_or_else(|_| LockInfo::unknown(self.describe()))
        })
    }

    fn put_journal(&self, record: &JournalRecord) -> Result<(), StateError> {
        let mut next = self.journal_next.lock().expect("journal counter");
        let n = match *next {
            Some(n) => n,
            None => self
                .journal_keys()?
                .last()
                .and_then(|k| k.rsplit('/').next())
                .and_then(|n| n.parse::<u64>().ok())
                .map(|n| n + 1)
                .unwrap_or(0),
        };
        let bytes = self.seal(serde_json::to_vec(record).expect("journal records serialize"));
        self.bucket
            .put(&format!("{}{n:020}", self.journal_prefix()), bytes)?;
        *next = Some(n + 1);
        Ok(())
    }
}

impl Store for S3Store {
    fn read(&self) -> Result<Option<State>, StateError> {
        match self.bucket.get(&self.key)? {
            Some(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(None),
            Some(b) => self.decode(b).map(Some),
            None => Ok(None),
        }
    }

    fn write(&self, state: &State) -> Result<(), StateError> {
        let plain = state.to_bytes();
        if let Some(previous) = self.read()? {
            if previous.to_bytes() == plain {
                return Ok(());
            }
            // The previous version first: a crash between the two puts
            // leaves it both current and in history, never lost.
            let prefix = self.history_prefix();
            self.bucket.put(
                &format!("{prefix}{:020}", previous.serial),
                self.seal(previous.to_bytes()),
            )?;
            let keys = self.bucket.list(&prefix)?;
            let extra = keys.len().saturating_sub(crate::local::HISTORY_LIMIT);
            for old in &keys[..extra] {
                self.bucket.delete(old)?;
            }
        }
        self.bucket.put(&self.key, self.seal(plain))
    }

    fn lock(&self, operation: &str) -> Result<LockInfo, StateError> {
        let info = LockInfo::new(operation, self.describe());
        let text = serde_json::to_string(&info).expect("lock info serializes");
        match &self.locks {
            None => {
                if self.bucket.put_new(&self.lock_key(), text.into_bytes())? {
                    return Ok(info);
                }
                let holder = self.holder_info(self.bucket.get(&self.lock_key())?);
                Err(StateError::Locked(Box::new(
                    holder.unwrap_or_else(|| LockInfo::unknown(self.describe())),
                )))
            }
            Some(table) => {
                let put = table.call(
                    &self.bucket.client,
                    "PutItem",
                    serde_json::json!({
                        "TableName": table.table,
                        "Item": {"LockID": {"S": self.lock_id()}, "Info": {"S": text}},
                        "ConditionExpression": "attribute_not_exists(LockID)",
                    }),
                );
                match put {
                    Ok(_) => Ok(info),
                    Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                        let holder = table
                            .holder(&self.bucket.client, &self.lock_id())?
                            .map(String::into_bytes);
                        Err(StateError::Locked(Box::new(
                            self.holder_info(holder)
                                .unwrap_or_else(|| LockInfo::unknown(self.describe())),
                        )))
                    }
                    Err(e) => Err(aws(e)),
                }
            }
        }
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        if let Some(holder) = self.lock_holder()? {
            if holder.id != id {
                return Err(StateError::Locked(Box::new(holder)));
            }
        }
        match &self.locks {
            None => self.bucket.delete(&self.lock_key()),
            Some(table) => table
                .call(
                    &self.bucket.client,
                    "DeleteItem",
                    serde_json::json!({"TableName": table.table, "Key": {"LockID": {"S": self.lock_id()}}}),
                )
                .map(|_| ())
                .map_err(aws),
        }
    }

    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        let text = match &self.locks {
            None => self.bucket.get(&self.lock_key())?,
            Some(table) => table
                .holder(&self.bucket.client, &self.lock_id())?
                .map(String::into_bytes),
        };
        Ok(self.holder_info(text))
    }

    fn append_journal(&self, record: &JournalRecord, _durable: bool) -> Result<(), StateError> {
        // A completed PutObject is durable.
        self.put_journal(record)
    }

    fn read_journal(&self) -> Result<Vec<JournalRecord>, StateError> {
        let mut out = Vec::new();
        for key in self.journal_keys()? {
            if let Some(bytes) = self.bucket.get(&key)? {
                let plain = self.open(bytes)?;
                out.push(
                    serde_json::from_slice(&plain)
                        .map_err(|e| StateError::Journal(format!("{key}: {e}")))?,
                );
            }
        }
        Ok(out)
    }

    fn reset_journal(&self, keep: &[JournalRecord]) -> Result<(), StateError> {
        let old = self.journal_keys()?;
        // New records go after the old ones, so a crash half-way leaves
        // at worst a record twice, which replay tolerates.
        for record in keep {
            self.put_journal(record)?;
        }
        for key in old {
            self.bucket.delete(&key)?;
        }
        Ok(())
    }

    fn history(&self) -> Result<Vec<u64>, StateError> {
        let prefix = self.history_prefix();
        let mut serials: Vec<u64> = self
            .bucket
            .list(&prefix)?
            .iter()
            .filter_map(|k| k.strip_prefix(&prefix)?.parse().ok())
            .collect();
        serials.sort_unstable_by(|a, b| b.cmp(a));
        Ok(serials)
    }

    fn read_version(&self, serial: u64) -> Result<Option<State>, StateError> {
        match self
            .bucket
            .get(&format!("{}{serial:020}", self.history_prefix()))?
        {
            Some(b) => self.decode(b).map(Some),
            None => Ok(None),
        }
    }

    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket.name, self.key)
    }
}

/// The S3 backend: every workspace's state in one bucket.
pub struct S3Backend {
    bucket: Arc<Bucket>,
    key: String,
    prefix: String,
    locks: Option<Arc<LockTable>>,
    cipher: Option<Arc<crate::crypt::Cipher>>,
}

impl S3Backend {
    pub fn new(
        config: S3Config,
        cipher: Option<Arc<crate::crypt::Cipher>>,
    ) -> Result<S3Backend, StateError> {
        if config.bucket.is_empty() {
            return Err(StateError::Io(std::io::Error::other(
                "the s3 backend needs a bucket",
            )));
        }
        if config.key.is_empty() || config.key.starts_with('/') || config.key.ends_with('/') {
            return Err(StateError::Io(std::io::Error::other(format!(
                "the s3 backend key {:?} must be a path that neither starts nor ends with '/'",
                config.key
            ))));
        }
        let client = Client::new(config.client).map_err(aws)?;
        Ok(S3Backend {
            bucket: Arc::new(Bucket {
                client,
                name: config.bucket,
            }),
            key: config.key,
            prefix: config.workspace_key_prefix,
            locks: config
                .dynamodb_table
                .map(|table| Arc::new(LockTable { table })),
            cipher,
        })
    }

    fn state_key(&self, workspace: &str) -> String {
        if workspace == "default" {
            self.key.clone()
        } else {
            format!("{}/{workspace}/{}", self.prefix, self.key)
        }
    }

    pub fn s3_store(&self, workspace: &str) -> S3Store {
        S3Store {
            bucket: self.bucket.clone(),
            key: self.state_key(workspace),
            locks: self.locks.clone(),
            cipher: self.cipher.clone(),
            journal_next: Mutex::new(None),
        }
    }
}

impl crate::Backend for S3Backend {
    fn store(&self, workspace: &str) -> Result<Box<dyn Store>, StateError> {
        Ok(Box::new(self.s3_store(workspace)))
    }

    fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let prefix = format!("{}/", self.prefix);
        let suffix = format!("/{}", self.key);
        let names = self
            .bucket
            .list(&prefix)?
            .iter()
            .filter_map(|k| {
                let name = k.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
                (!name.is_empty() && !name.contains('/')).then(|| name.to_string())
            })
            .collect();
        Ok(crate::workspace_list(names))
    }

    fn delete_workspace(&self, workspace: &str) -> Result<(), StateError> {
        let store = self.s3_store(workspace);
        for prefix in [store.history_prefix(), store.journal_prefix()] {
            for key in self.bucket.list(&prefix)? {
                self.bucket.delete(&key)?;
            }
        }
        self.bucket.delete(&store.lock_key())?;
        self.bucket.delete(&store.key)
    }

    fn kind(&self) -> &'static str {
        "s3"
    }
}
