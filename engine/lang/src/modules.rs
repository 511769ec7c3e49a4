//! Where module calls find their code. A local source (`./…`, `../…`)
//! is a directory beside the calling module. Every other source is
//! installed by `strata init` under `.terraform/modules` and listed in
//! `.terraform/modules/modules.json`, in Terraform's layout and format, so
//! either tool can use what the other installed.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The manifest's path under a root module's directory.
pub const MANIFEST_PATH: &str = ".terraform/modules/modules.json";
/// Where installed modules go, under a root module's directory.
pub const MODULES_DIR: &str = ".terraform/modules";

/// A local source: a path that starts with `./` or `../` (as Terraform
/// decides it; anything else is fetched by `strata init`).
pub fn is_local(source: &str) -> bool {
    source.starts_with("./")
        || source.starts_with("../")
        || source.starts_with(".\\")
        || source.starts_with("..\\")
}

/// The dotted path of a module call below the root (`vpc.subnets`).
pub fn module_key(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// `.terraform/modules/modules.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(rename = "Modules", default)]
    pub modules: Vec<ManifestEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The call's dotted path; `""` for the root module.
    #[serde(rename = "Key")]
    pub key: String,
    /// The source address as the configuration wrote it.
    #[serde(rename = "Source")]
    pub source: String,
    /// The version a registry module resolved to.
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The module's directory, relative to the root module's.
    #[serde(rename = "Dir")]
    pub dir: String,
}

impl Manifest {
    /// The manifest under `root`, empty when there is none or it cannot
    /// be read (every remote module is then reported as not installed).
    pub fn read(root: &Path) -> Manifest {
        std::fs::read(root.join(MANIFEST_PATH))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn entry(&self, key: &str) -> Option<&ManifestEntry> {
        self.modules.iter().find(|e| e.key == key)
    }

    /// Where the entry's module is, given the root module's directory.
    pub fn dir_of(root: &Path, entry: &ManifestEntry) -> PathBuf {
        root.join(&entry.dir)
    }
}

/// Whether a manifest's recorded source is the one the configuration
/// writes: the same text, or a registry address Terraform recorded with
/// its default host (`registry.terraform.io/NS/NAME/PROVIDER`).
pub fn same_source(recorded: &str, written: &str) -> bool {
    recorded == written
        || recorded
            .strip_prefix("registry.terraform.io/")
            .is_some_and(|rest| rest == written)
        || written
            .strip_prefix("registry.terraform.io/")
            .is_some_and(|rest| rest == recorded)
}

/// `path` with `.` and `name/..` taken out, without touching the disk
/// (`modules/a/../b` is `modules/b`), as Terraform records module paths.
pub fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
