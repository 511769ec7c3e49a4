//! State: what Strata knows exists in the world, and where it keeps that.
//!
//! The model follows Terraform's version-4 state: serial, lineage,
//! outputs, resources with instances (attributes as JSON, sensitive paths,
//! *direct* dependencies only). It is normalized — resources and instances
//! sorted, keys sorted, one layout — so equal states are equal bytes.
//!
//! Stores sit behind the small [`Store`] trait; the local file store is the
//! default. Writes are crash-safe: temp file → fsync → rename, with the
//! previous version kept as a backup. This crate knows nothing about
//! providers, schemas or the language: attribute values stay JSON here and
//! the engine decodes them with the provider's schema.

mod attributes;
pub mod backends;
pub mod conformance;
pub mod crypt;
mod local;
mod pg;
mod s3;

pub use attributes::Attributes;
pub use local::{write_atomically, write_privately, LocalBackend, LocalStore};
pub use pg::{PgBackend, PgStore};
pub use s3::{S3Backend, S3Config, S3Store};

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

pub const FORMAT_VERSION: u64 = 4;

/// The Terraform release whose state format and behaviour Strata follows:
/// written as `terraform_version`, which Terraform requires to read a
/// state (it refuses one written by a newer release than itself).
pub const TERRAFORM_VERSION: &str = "1.11.0";

fn terraform_version() -> String {
    TERRAFORM_VERSION.to_string()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u64,
    /// Terraform reads this; Strata reads states without it.
    #[serde(default = "terraform_version")]
    pub terraform_version: String,
    /// Absent from a state Terraform wrote.
    #[serde(default)]
    pub strata_version: String,
    pub serial: u64,
    pub lineage: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    #[serde(default)]
    pub resources: Vec<ResourceState>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(rename = "type")]
    pub ty: serde_json::Value,
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl OutputState {
    /// The value, decoded with its recorded type (`None` when the two do
    /// not agree).
    pub fn value(&self) -> Option<strata_types::Value> {
        let ty = strata_types::json::type_from_json(&self.ty).ok()?;
        strata_types::json::value_from_json(&self.value, &ty).ok()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub module: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub name: String,
    pub provider: String,
    #[serde(deserialize_with = "exact_vec")]
    pub instances: Vec<InstanceState>,
}

/// A vector read from a document, holding what it holds: most resources
/// have one instance, which a vector grown by pushes gives room for four.
fn exact_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let mut v = Vec::<T>::deserialize(d)?;
    v.shrink_to_fit();
    Ok(v)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<serde_json::Value>,
    #[serde(default)]
    pub schema_version: u64,
    pub attributes: Attributes,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_attributes: Vec<serde_json::Value>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "exact_vec"
    )]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub create_before_destroy: bool,
    /// The provider's private data for the object (base64), kept as it
    /// came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<String>,
}

/// The provider's private data as the state keeps it (base64), `None`
/// for none.
pub fn encode_private(bytes: &[u8]) -> Option<String> {
    use base64::Engine;
    (!bytes.is_empty()).then(|| base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The bytes of private data the state keeps (none when it is not
/// base64).
pub fn decode_private(text: Option<&str>) -> Vec<u8> {
    use base64::Engine;
    text.and_then(|t| base64::engine::general_purpose::STANDARD.decode(t).ok())
        .unwrap_or_default()
}

/// The state document `bytes` with its resources read in parallel, a share
/// per core; `None` for a small document, or one that does not read this
/// way (which a whole read then reports).
fn parse_in_parts(bytes: &[u8]) -> Option<State> {
    const LARGE: usize = 4 << 20;
    if strata_types::parallel::threads() == 1 || bytes.len() < LARGE {
        return None;
    }
    /// The document with each resource left as its text.
    #[derive(Deserialize)]
    struct Outline<'a> {
        version: u64,
        #[serde(default = "terraform_version")]
        terraform_version: String,
        #[serde(default)]
        strata_version: String,
        serial: u64,
        lineage: String,
        #[serde(default)]
        outputs: BTreeMap<String, OutputState>,
        #[serde(default, borrow)]
        resources: Vec<&'a serde_json::value::RawValue>,
    }
    let outline: Outline = serde_json::from_slice(bytes).ok()?;
    let parts = strata_types::parallel::map_parts(&outline.resources, 2, |part, _| {
        part.iter()
            .map(|raw| serde_json::from_str::<ResourceState>(raw.get()).ok())
            .collect::<Option<Vec<_>>>()
    });
    let mut resources = Vec::with_capacity(outline.resources.len());
    for part in parts {
        resources.extend(part?);
    }
    Some(State {
        version: outline.version,
        terraform_version: outline.terraform_version,
        strata_version: outline.strata_version,
        serial: outline.serial,
        lineage: outline.lineage,
        outputs: outline.outputs,
        resources,
    })
}

/// The serial of the state document `bytes`, read without building the
/// rest of it (the history names a large state's previous version by it).
pub fn serial_of(bytes: &[u8]) -> Option<u64> {
    serial_from(serde_json::Deserializer::from_slice(bytes))
}

/// [`serial_of`] for a state file: read up to its serial, which comes
/// near the top, not to its end.
pub fn serial_of_file(path: &std::path::Path) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    serial_from(serde_json::Deserializer::from_reader(
        std::io::BufReader::new(file),
    ))
}

fn serial_from<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> Option<u64> {
    /// Stops the read at the serial: what follows is not read at all.
    struct Serial<'a>(&'a std::cell::Cell<Option<u64>>);
    impl<'de> serde::de::Visitor<'de> for Serial<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a state")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == "serial" {
                    self.0.set(Some(map.next_value::<u64>()?));
                    return Err(serde::de::Error::custom("found"));
                }
                map.next_value::<serde::de::IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let serial = std::cell::Cell::new(None);
    let _ = serde::Deserializer::deserialize_map(&mut de, Serial(&serial));
    serial.get()
}

/// The resources one thread lays out at a time when a state is written.
const PART: usize = 2_000;

/// `resources` as elements of the state's `resources` array, indented as
/// [`serde_json::to_vec_pretty`] indents them there, each preceded by its
/// separator; in parts, written in parallel for large states.
fn pretty_resources(resources: &[ResourceState], first: bool) -> Vec<Vec<u8>> {
    fn write(resources: &[ResourceState], first: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut one = Vec::new();
        for (i, r) in resources.iter().enumerate() {
            out.extend_from_slice(if first && i == 0 {
                b"\n    "
            } else {
                b",\n    "
            });
            one.clear();
            serde_json::to_writer(&mut one, r).expect("state serializes");
            attributes::write_pretty(&mut out, &one, 2);
        }
        out
    }
    strata_types::parallel::map_parts(resources, PART, |part, i| write(part, first && i == 0))
}

/// The resource address of an instance address, as Terraform's state
/// lists dependencies: every instance key dropped, module ones too
/// (`module.net[0].aws_subnet.a["x"]` → `module.net.aws_subnet.a`). Keys
/// are skipped whole, quoted strings with brackets in them included.
pub fn resource_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for c in address.chars() {
        if depth > 0 {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            continue;
        }
        if c == '[' {
            depth = 1;
        } else {
            out.push(c);
        }
    }
    out
}

impl State {
    pub fn new(lineage: String) -> State {
        State {
            version: FORMAT_VERSION,
            terraform_version: terraform_version(),
            strata_version: env!("CARGO_PKG_VERSION").into(),
            serial: 0,
            lineage,
            outputs: BTreeMap::new(),
            resources: Vec::new(),
        }
    }

    /// A new state with a fresh random lineage.
    pub fn fresh() -> State {
        State::new(uuid::Uuid::new_v4().to_string())
    }

    /// Sorts everything into the one canonical order and drops resources
    /// without instances.
    pub fn normalize(&mut self) {
        self.resources.retain(|r| !r.instances.is_empty());
        for r in &mut self.resources {
            r.instances
                .sort_by(|a, b| key_order(&a.index_key, &b.index_key));
            for i in &mut r.instances {
                for d in &mut i.dependencies {
                    if d.contains('[') {
                        *d = resource_address(d);
                    }
                }
                i.dependencies.sort();
                i.dependencies.dedup();
            }
        }
        self.resources.sort_by(|a, b| {
            (&a.module, &a.mode, &a.type_name, &a.name).cmp(&(
                &b.module,
                &b.mode,
                &b.type_name,
                &b.name,
            ))
        });
    }

    /// Refuses a state that holds a resource, or an instance of one, more
    /// than once (as Terraform does): which of the two is real cannot be
    /// told, and collapsing them would lose one.
    pub fn check_unique(&self) -> Result<(), String> {
        let mut resources = std::collections::HashSet::with_capacity(self.resources.len());
        for r in &self.resources {
            let name = || {
                let prefix = if r.module.is_empty() {
                    String::new()
                } else {
                    format!("{}.", r.module)
                };
                let data = if r.mode == "data" { "data." } else { "" };
                format!("{prefix}{data}{}.{}", r.type_name, r.name)
            };
            if !resources.insert((&r.module, &r.mode, &r.type_name, &r.name)) {
                return Err(format!("Duplicate resource {} in state", name()));
            }
            // One instance cannot repeat itself.
            if r.instances.len() < 2 {
                continue;
            }
            let mut keys = std::collections::HashSet::new();
            for i in &r.instances {
                let key = i.index_key.as_ref().map(|k| k.to_string());
                if !keys.insert(key.clone()) {
                    return Err(format!(
                        "Duplicate resource instance in state: {}{}",
                        name(),
                        key.map(|k| format!("[{k}]")).unwrap_or_default()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether [`State::normalize`] would leave the state as it is.
    pub fn is_normalized(&self) -> bool {
        fn order(r: &ResourceState) -> (&str, &str, &str, &str) {
            (&r.module, &r.mode, &r.type_name, &r.name)
        }
        self.resources.iter().all(|r| {
            !r.instances.is_empty()
                && r.instances.windows(2).all(|w| {
                    key_order(&w[0].index_key, &w[1].index_key) != std::cmp::Ordering::Greater
                })
                && r.instances.iter().all(|i| {
                    i.dependencies.windows(2).all(|d| d[0] < d[1])
                        && i.dependencies.iter().all(|d| !d.contains('['))
                })
        }) && self
            .resources
            .windows(2)
            .all(|w| order(&w[0]) <= order(&w[1]))
    }

    /// The canonical bytes: normalized, two-space indented JSON with a
    /// trailing newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out).expect("a vector takes every write");
        out
    }

    /// Writes [`State::to_bytes`] to `out` as it is made: a large state is
    /// laid out on every core a window of resources at a time, and never
    /// held whole.
    pub fn write_to(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if !self.is_normalized() {
            let mut normalized = self.clone();
            normalized.normalize();
            return normalized.write_to(out);
        }
        let header = State {
            version: self.version,
            terraform_version: self.terraform_version.clone(),
            strata_version: self.strata_version.clone(),
            serial: self.serial,
            lineage: self.lineage.clone(),
            outputs: self.outputs.clone(),
            resources: Vec::new(),
        };
        let mut head = serde_json::to_vec_pretty(&header).expect("state serializes");
        const EMPTY: &[u8] = b"[]\n}";
        debug_assert!(head.ends_with(EMPTY), "resources come last");
        if self.resources.is_empty() {
            out.write_all(&head)?;
            return out.write_all(b"\n");
        }
        head.truncate(head.len() - EMPTY.len());
        head.push(b'[');
        out.write_all(&head)?;
        // A window is a part per core: what is laid out but not yet
        // written stays a few megabytes, whatever the state's size.
        let window = PART * strata_types::parallel::threads();
        for (i, window) in self.resources.chunks(window).enumerate() {
            for part in pretty_resources(window, i == 0) {
                out.write_all(&part)?;
            }
        }
        out.write_all(b"\n  ]\n}\n")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<State, StateError> {
        let whole =
            || serde_json::from_slice(bytes).map_err(|e| StateError::Corrupt(e.to_string()));
        // A large state's resources are read on every core; a state that
        // does not read so is read whole, for the error's position.
        let state: State = match parse_in_parts(bytes) {
            Some(state) => state,
            None => whole()?,
        };
        state.check_unique().map_err(StateError::Corrupt)?;
        // Every write adds one to the serial, and PostgreSQL keeps it as a
        // signed 64-bit number: a serial that could not grow is refused.
        if state.serial >= i64::MAX as u64 {
            return Err(StateError::Corrupt(format!(
                "its serial {} is too large to be increased",
                state.serial
            )));
        }
        if state.version != FORMAT_VERSION {
            return Err(StateError::Corrupt(format!(
                "state format version {} is not supported (expected {FORMAT_VERSION})",
                state.version
            )));
        }
        Ok(state)
    }

    pub fn resource(
        &self,
        module: &str,
        mode: &str,
        type_name: &str,
        name: &str,
    ) -> Option<&ResourceState> {
        self.resources.iter().find(|r| {
            r.module == module && r.mode == mode && r.type_name == type_name && r.name == name
        })
    }

    /// The resource entry, created empty if missing.
    pub fn resource_mut(
        &mut self,
        module: &str,
        mode: &str,
        type_name: &str,
        name: &str,
        provider: &str,
    ) -> &mut ResourceState {
        let position = self.resources.iter().position(|r| {
            r.module == module && r.mode == mode && r.type_name == type_name && r.name == name
        });
        let index = match position {
            Some(i) => i,
            None => {
                self.resources.push(ResourceState {
                    module: module.to_string(),
                    mode: mode.to_string(),
                    type_name: type_name.to_string(),
                    name: name.to_string(),
                    provider: provider.to_string(),
                    instances: Vec::new(),
                });
                self.resources.len() - 1
            }
        };
        &mut self.resources[index]
    }

    pub fn instance_count(&self) -> usize {
        self.resources.iter().map(|r| r.instances.len()).sum()
    }
}

/// Integer keys first in numeric order, then string keys.
fn key_order(a: &Option<serde_json::Value>, b: &Option<serde_json::Value>) -> std::cmp::Ordering {
    use serde_json::Value as J;
    match (a, b) {
        (Some(J::Number(x)), Some(J::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
        (Some(J::String(x)), Some(J::String(y))) => x.cmp(y),
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Less,
        (_, None) => std::cmp::Ordering::Greater,
        (Some(J::Number(_)), _) => std::cmp::Ordering::Less,
        _ => std::cmp::Ordering::Greater,
    }
}

/// Who holds a lock, recorded so that others can be told.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Operation")]
    pub operation: String,
    #[serde(rename = "Who")]
    pub who: String,
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Path")]
    pub path: String,
    #[serde(rename = "Pid", default)]
    pub pid: u32,
    #[serde(rename = "Host", default)]
    pub host: String,
}

impl LockInfo {
    /// A new lock for `operation` on the state at `path`, held by this
    /// process.
    pub fn new(operation: &str, path: String) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!(
                "{}@{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
                local::host_name()
            ),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: local::now_text(),
            path,
            pid: std::process::id(),
            host: local::host_name(),
        }
    }

    /// A lock whose record cannot be read.
    pub fn unknown(path: String) -> LockInfo {
        LockInfo {
            id: "unknown".into(),
            operation: "unknown".into(),
            who: "another session".into(),
            version: String::new(),
            created: String::new(),
            path,
            pid: 0,
            host: String::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("the state is locked by {} ({}, pid {} on {}) for \"{}\" since {}; lock ID {}", .0.who, .0.path, .0.pid, .0.host, .0.operation, .0.created, .0.id)]
    Locked(Box<LockInfo>),
    #[error("the state file is not valid: {0}")]
    Corrupt(String),
    /// A journal record that cannot be read; the journal is kept.
    #[error("the journal of an interrupted apply is not valid: {0}")]
    Journal(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Crypt(#[from] crypt::CryptError),
}

/// One record of the intent journal. An `Intent` is written (and made
/// durable) before a provider call that changes the world; a `Done` after
/// it, with the instance as it then is. A later command replays the
/// journal into the state and reconciles intents that have no `Done`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum JournalRecord {
    Intent {
        seq: u64,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        module: String,
        mode: String,
        #[serde(rename = "type")]
        type_name: String,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_key: Option<serde_json::Value>,
        provider: String,
        /// create, update or delete.
        action: String,
        /// How the provider finds the object if the call's result is lost.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        /// The planned attributes (for a delete: the object being deleted).
        planned: serde_json::Value,
        #[serde(default)]
        schema_version: u64,
    },
    Done {
        seq: u64,
        /// The instance after the call; `None` when it no longer exists.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "instance_from_tree"
        )]
        instance: Option<InstanceState>,
    },
}

/// An instance inside a tagged record, which serde reads through its own
/// buffer: read as a JSON tree first, since the attributes' text is taken
/// only from JSON itself.
fn instance_from_tree<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<InstanceState>, D::Error> {
    Option::<serde_json::Value>::deserialize(deserializer)?
        .map(serde_json::from_value)
        .transpose()
        .map_err(serde::de::Error::custom)
}

impl JournalRecord {
    pub fn seq(&self) -> u64 {
        match self {
            JournalRecord::Intent { seq, .. } | JournalRecord::Done { seq, .. } => *seq,
        }
    }
}

/// Where state lives. Implementations must make `write` atomic: a reader
/// sees the old state or the new one, never a mix.
pub trait Store: Send + Sync {
    /// The current state, or `None` when there is none yet.
    fn read(&self) -> Result<Option<State>, StateError>;
    fn write(&self, state: &State) -> Result<(), StateError>;
    /// Takes the lock for `operation`, or fails naming the holder.
    fn lock(&self, operation: &str) -> Result<LockInfo, StateError>;
    fn unlock(&self, id: &str) -> Result<(), StateError>;

    /// Appends a journal record. With `durable`, it (and every record
    /// before it) is on disk when this returns; results are appended
    /// without waiting, since a lost result only makes the next command
    /// look the object up again.
    fn append_journal(&self, record: &JournalRecord, durable: bool) -> Result<(), StateError>;
    /// Every record since the journal was last reset.
    fn read_journal(&self) -> Result<Vec<JournalRecord>, StateError>;
    /// Replaces the journal with these records (those still pending after a
    /// snapshot); empty after a complete apply.
    fn reset_journal(&self, keep: &[JournalRecord]) -> Result<(), StateError>;

    /// Earlier versions kept by `write`, newest first, by serial.
    fn history(&self) -> Result<Vec<u64>, StateError>;
    /// One earlier version, by serial.
    fn read_version(&self, serial: u64) -> Result<Option<State>, StateError>;

    /// Who holds the lock now, if anyone.
    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError>;
    /// Where the state lives, for messages.
    fn describe(&self) -> String;
}

/// Where a stack's states live: one [`Store`] per workspace. Configured by
/// the stack's `backend` block.
pub trait Backend: Send + Sync {
    /// The store of one workspace.
    fn store(&self, workspace: &str) -> Result<Box<dyn Store>, StateError>;
    /// Every workspace with a state, `default` always among them, sorted.
    fn workspaces(&self) -> Result<Vec<String>, StateError>;
    /// Makes a new, empty workspace.
    fn create_workspace(&self, workspace: &str) -> Result<(), StateError> {
        self.store(workspace)?.write(&State::fresh())
    }
    /// Forgets a workspace: its state, history, journal and lock.
    fn delete_workspace(&self, workspace: &str) -> Result<(), StateError>;
    /// What this backend is, for messages ("local", "pg", "s3").
    fn kind(&self) -> &'static str;
}

/// Sorts workspace names with `default` first and always present.
pub(crate) fn workspace_list(mut names: Vec<String>) -> Vec<String> {
    names.retain(|n| n != "default");
    names.sort();
    names.dedup();
    names.insert(0, "default".into());
    names
}

#[cfg(test)]
mod address_tests {
    use super::resource_address;

    #[test]
    fn instance_keys_are_dropped_as_terraform_lists_dependencies() {
        assert_eq!(resource_address("aws_subnet.a[0]"), "aws_subnet.a");
        assert_eq!(
            resource_address("module.net[1].aws_subnet.a[\"x]y\\\"[z\"]"),
            "module.net.aws_subnet.a"
        );
        assert_eq!(resource_address("data.aws_ami.gpu"), "data.aws_ami.gpu");
    }
}

#[cfg(test)]
mod bytes_tests {
    use super::*;

    fn state_of(n: usize) -> State {
        let mut state = State::new("lineage".into());
        state.outputs.insert(
            "out".into(),
            OutputState {
                value: serde_json::json!({"a": [1, "two\nlines"]}),
                ty: serde_json::json!(["object", {"a": ["tuple", ["number", "string"]]}]),
                sensitive: false,
            },
        );
        for i in 0..n {
            state.resources.push(ResourceState {
                module: String::new(),
                mode: "managed".into(),
                type_name: "terraform_data".into(),
                name: format!("r{i:05}"),
                provider: "provider[\"terraform.io/builtin/terraform\"]".into(),
                instances: vec![InstanceState {
                    index_key: None,
                    schema_version: 0,
                    attributes: serde_json::json!({"id": format!("{i}"), "input": {"type": "string", "value": "a\n\"b\""}, "empty": [], "none": {}}).into(),
                    sensitive_attributes: vec![],
                    dependencies: if i > 0 { vec![format!("terraform_data.r{:05}", i - 1)] } else { vec![] },
                    create_before_destroy: false,
                    private: None,
                }],
            });
        }
        state
    }

    /// Written in parts, the state is byte for byte what one pretty
    /// serialization writes.
    #[test]
    fn parts_make_the_pretty_document() {
        for n in [0, 1, 3, 2_500] {
            let state = state_of(n);
            // The whole document written compact, then laid out as
            // serde_json lays out a pretty document.
            let compact = serde_json::to_vec(&state).expect("serializes");
            let mut whole = Vec::new();
            attributes::write_pretty(&mut whole, &compact, 0);
            whole.push(b'\n');
            assert!(
                state.to_bytes() == whole,
                "{n} resources: {}",
                String::from_utf8_lossy(&state.to_bytes()[..200.min(whole.len())])
            );
            assert_eq!(State::from_bytes(&whole).expect("reads"), state);
            let tree: serde_json::Value = serde_json::from_slice(&whole).expect("JSON");
            assert_eq!(tree, serde_json::to_value(&state).expect("serializes"));
        }
    }

    /// A state file's serial is read from its top: what follows it is
    /// not read.
    #[test]
    fn a_serial_is_read_from_the_top_of_the_file() {
        let mut state = state_of(3);
        state.serial = 41;
        let mut bytes = state.to_bytes();
        assert_eq!(serial_of(&bytes), Some(41));
        bytes.truncate(bytes.len() / 2);
        let dir = std::env::temp_dir().join(format!("strata-serial-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("cut.tfstate");
        std::fs::write(&path, &bytes).expect("writes");
        assert_eq!(serial_of_file(&path), Some(41));
        assert_eq!(serial_of_file(&dir.join("none.tfstate")), None);
        std::fs::remove_dir_all(&dir).expect("cleans up");
    }

    /// A journal's done record carries an instance, attributes and all.
    #[test]
    fn a_journal_record_carries_an_instance() {
        let state = state_of(1);
        let record = JournalRecord::Done {
            seq: 7,
            instance: Some(state.resources[0].instances[0].clone()),
        };
        let line = serde_json::to_string(&record).expect("serializes");
        let read: JournalRecord = serde_json::from_str(&line).expect("reads");
        assert_eq!(read, record);
    }

    /// A large state is read in parts as one read would read it, and a
    /// damaged one is refused with the position of the damage.
    #[test]
    fn a_large_state_reads_in_parts() {
        let state = state_of(15_000);
        let bytes = state.to_bytes();
        assert!(bytes.len() > 4 << 20, "{} bytes", bytes.len());
        assert!(parse_in_parts(&bytes).is_some());
        assert_eq!(State::from_bytes(&bytes).expect("reads"), state);
        // A second comma after a member, in the middle of the document.
        let mut damaged = bytes.clone();
        let middle = damaged.len() / 2;
        let at = middle
            + damaged[middle..]
                .windows(2)
                .position(|w| w == b",\n")
                .expect("a member ends after the middle");
        damaged.insert(at, b',');
        let Err(StateError::Corrupt(why)) = State::from_bytes(&damaged) else {
            panic!("a damaged state was read");
        };
        assert!(why.contains("line"), "{why}");
    }
}
