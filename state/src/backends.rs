//! The state backends Strata has — `local`, `pg` and `s3` — as data: each
//! kind's arguments (Terraform's names) with what each takes, a backend's
//! configuration as recorded by `strata init` ([`Spec`]), and [`open`],
//! which makes the backend a configuration names. Reading a `backend`
//! block from HCL is the CLI's; the environment comes in as a lookup.

use crate::{Backend, LocalBackend, PgBackend, S3Backend, S3Config};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The local backend's state file when its `path` is not set.
pub const LOCAL_STATE_FILE: &str = "strata.tfstate";
/// Where the local backend keeps non-default workspaces' states.
pub const LOCAL_WORKSPACES_DIR: &str = "strata.tfstate.d";

/// The backend kinds, by name.
pub const KINDS: &[&str] = &["local", "pg", "s3"];

pub type Args = BTreeMap<String, serde_json::Value>;

/// A backend as configured: its type, the arguments its block gives, and
/// those merged with `--backend-config` (what is opened).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    #[serde(rename = "type")]
    pub kind: String,
    /// The arguments the stack's block gives.
    pub block: Args,
    /// Those merged with `--backend-config`: what is opened.
    pub config: Args,
}

impl Spec {
    pub fn default_local() -> Spec {
        Spec {
            kind: "local".into(),
            block: Args::new(),
            config: Args::new(),
        }
    }

    fn text(&self, name: &str) -> Option<String> {
        match self.config.get(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.config.get(name).and_then(|v| v.as_bool())
    }
}

/// What a backend argument takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Text,
    Flag,
    Number,
    TextList,
    /// An object of strings (`endpoints`), also written as a block.
    Map,
}

const LOCAL: &[(&str, Kind)] = &[("path", Kind::Text), ("workspace_dir", Kind::Text)];

const PG: &[(&str, Kind)] = &[
    ("conn_str", Kind::Text),
    ("schema_name", Kind::Text),
    ("skip_schema_creation", Kind::Flag),
    ("skip_table_creation", Kind::Flag),
    ("skip_index_creation", Kind::Flag),
];

const S3: &[(&str, Kind)] = &[
    ("bucket", Kind::Text),
    ("key", Kind::Text),
    ("region", Kind::Text),
    ("endpoints", Kind::Map),
    ("endpoint", Kind::Text),
    ("dynamodb_endpoint", Kind::Text),
    ("use_lockfile", Kind::Flag),
    ("dynamodb_table", Kind::Text),
    ("workspace_key_prefix", Kind::Text),
    ("access_key", Kind::Text),
    ("secret_key", Kind::Text),
    ("token", Kind::Text),
    ("profile", Kind::Text),
    ("shared_credentials_files", Kind::TextList),
    ("shared_config_files", Kind::TextList),
    ("use_path_style", Kind::Flag),
    ("force_path_style", Kind::Flag),
    ("skip_credentials_validation", Kind::Flag),
    ("skip_region_validation", Kind::Flag),
    ("skip_requesting_account_id", Kind::Flag),
    ("skip_metadata_api_check", Kind::Flag),
    ("skip_s3_checksum", Kind::Flag),
    ("encrypt", Kind::Flag),
    ("kms_key_id", Kind::Text),
    ("acl", Kind::Text),
    ("max_retries", Kind::Number),
];

/// The arguments of a backend kind, or `None` for a kind there is not.
pub fn arguments(kind: &str) -> Option<&'static [(&'static str, Kind)]> {
    match kind {
        "local" => Some(LOCAL),
        "pg" => Some(PG),
        "s3" => Some(S3),
        _ => None,
    }
}

/// Checks a value against the argument's kind; the error says what is
/// expected.
pub fn check_value(kind: Kind, value: &serde_json::Value) -> Result<(), &'static str> {
    use serde_json::Value as J;
    let ok = match (kind, value) {
        (_, J::Null) => true,
        (Kind::Text, J::String(_) | J::Number(_) | J::Bool(_)) => true,
        (Kind::Flag, J::Bool(_)) => true,
        (Kind::Number, J::Number(_)) => true,
        (Kind::TextList, J::Array(items)) => items.iter().all(J::is_string),
        (Kind::Map, J::Object(items)) => items.values().all(J::is_string),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(match kind {
        Kind::Text => "a string",
        Kind::Flag => "true or false",
        Kind::Number => "a number",
        Kind::TextList => "a list of strings",
        Kind::Map => "an object of strings, such as { s3 = \"http://127.0.0.1:5000\" }",
    })
}

/// An environment variable, from the caller (the CLI reads the
/// environment; this crate does not).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Opens a backend.
pub fn open(
    spec: &Spec,
    cipher: Option<Arc<crate::crypt::Cipher>>,
    env: Env<'_>,
) -> Result<Box<dyn Backend>, String> {
    match spec.kind.as_str() {
        "local" => Ok(Box::new(LocalBackend {
            path: spec
                .text("path")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(LOCAL_STATE_FILE)),
            workspace_dir: spec
                .text("workspace_dir")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(LOCAL_WORKSPACES_DIR)),
            cipher,
        })),
        "pg" => {
            let conn_str = spec.text("conn_str").or_else(|| env("PG_CONN_STR")).ok_or(
                "the pg backend needs conn_str (or PG_CONN_STR), such as postgres://user@127.0.0.1/db",
            )?;
            let schema = spec
                .text("schema_name")
                .or_else(|| env("PG_SCHEMA_NAME"))
                .unwrap_or_else(|| "terraform_remote_state".into());
            PgBackend::connect(&conn_str, &schema, cipher)
                .map(|b| Box::new(b) as Box<dyn Backend>)
                .map_err(|e| e.to_string())
        }
        "s3" => open_s3(spec, cipher, env),
        other => Err(format!("there is no backend named {other:?}")),
    }
}

fn open_s3(
    spec: &Spec,
    cipher: Option<Arc<crate::crypt::Cipher>>,
    env: Env<'_>,
) -> Result<Box<dyn Backend>, String> {
    let credentials = strata_aws_client::CredentialSource {
        access_key: spec.text("access_key"),
        secret_key: spec.text("secret_key"),
        token: spec.text("token"),
        profile: spec.text("profile"),
        shared_credentials_files: list(spec, "shared_credentials_files"),
        shared_config_files: list(spec, "shared_config_files"),
    };
    let region = spec
        .text("region")
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| credentials.profile_setting("region"))
        .ok_or("the s3 backend needs a region (the region argument, AWS_REGION, or the profile's region)")?;
    let mut endpoints = BTreeMap::new();
    if let Some(serde_json::Value::Object(map)) = spec.config.get("endpoints") {
        for (k, v) in map {
            if let Some(url) = v.as_str() {
                endpoints.insert(k.clone(), url.to_string());
            }
        }
    }
    for (legacy, service) in [("endpoint", "s3"), ("dynamodb_endpoint", "dynamodb")] {
        if let Some(url) = spec.text(legacy) {
            endpoints.entry(service.to_string()).or_insert(url);
        }
    }
    let config = S3Config {
        bucket: spec.text("bucket").ok_or("the s3 backend needs a bucket")?,
        key: spec.text("key").ok_or(
            "the s3 backend needs a key, the state object's name such as ml/terraform.tfstate",
        )?,
        workspace_key_prefix: spec
            .text("workspace_key_prefix")
            .unwrap_or_else(|| "env:".into()),
        dynamodb_table: spec.text("dynamodb_table"),
        client: strata_aws_client::Config {
            region,
            credentials,
            endpoints,
            max_retries: spec
                .config
                .get("max_retries")
                .and_then(|v| v.as_u64())
                .unwrap_or(5) as u32,
            ..Default::default()
        },
    };
    // Locking is always on: by the lock object unless a DynamoDB table is
    // named. `use_lockfile = false` without a table is refused rather
    // than silently unlocked.
    if spec.flag("use_lockfile") == Some(false) && config.dynamodb_table.is_none() {
        return Err(
            "the s3 backend always locks: keep use_lockfile = true, or name a dynamodb_table"
                .into(),
        );
    }
    S3Backend::new(config, cipher)
        .map(|b| Box::new(b) as Box<dyn Backend>)
        .map_err(|e| e.to_string())
}

fn list(spec: &Spec, name: &str) -> Vec<PathBuf> {
    spec.config
        .get(name)
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str())
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default()
}
