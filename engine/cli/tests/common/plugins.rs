//! Running Strata and Terraform 1.11 side by side on provider plugins
//! from the test mirror `.ci/plugins` lays out (STRATA_TEST_PLUGINS).

use super::Sandbox;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn mirror() -> PathBuf {
    PathBuf::from(std::env::var("STRATA_TEST_PLUGINS").unwrap_or_else(|_| {
        super::missing("no provider mirror: set STRATA_TEST_PLUGINS (`bash .ci/plugins CACHE DIR` lays one out; `bash .ci/run` runs everything)")
    }))
}

pub fn cli_config(dir: &Path, mirror: &Path) -> PathBuf {
    let path = dir.join("cli.tfrc");
    std::fs::write(
        &path,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .unwrap();
    path
}

pub struct Tool<'a> {
    pub strata: Option<&'a Sandbox>,
    pub dir: PathBuf,
    pub config: PathBuf,
}

impl Tool<'_> {
    /// Runs the tool; panics with its output unless it exits 0.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out) = self.run(args);
        assert_eq!(code, 0, "{out}");
        out
    }

    pub fn run(&self, args: &[&str]) -> (i32, String) {
        eprintln!(
            "{} {}",
            if self.strata.is_some() {
                "strata"
            } else {
                "terraform"
            },
            args.join(" ")
        );
        let config = self.config.display().to_string();
        match self.strata {
            Some(sandbox) => sandbox.run_with(args, "", &[("TF_CLI_CONFIG_FILE", &config)]),
            None => {
                let out = Command::new(super::terraform())
                    .args(args)
                    .stdin(std::process::Stdio::null())
                    .current_dir(&self.dir)
                    .env("TF_CLI_CONFIG_FILE", &config)
                    .env("TF_IN_AUTOMATION", "1")
                    .output()
                    .expect("terraform");
                (
                    out.status.code().unwrap_or(-1),
                    format!(
                        "$ terraform {}\n{}{}",
                        args.join(" "),
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    ),
                )
            }
        }
    }

    /// Actions and replace paths by address in the saved plan `file`.
    pub fn planned(&self, file: &str) -> BTreeMap<String, (Json, Json)> {
        let json: Json = serde_json::from_str(
            &self
                .ok(&["show", "-json", file])
                .lines()
                .find(|l| l.starts_with('{'))
                .map(str::to_string)
                .unwrap_or_default(),
        )
        .expect("plan JSON");
        json["resource_changes"]
            .as_array()
            .expect("resource_changes")
            .iter()
            .map(|c| {
                (
                    c["address"].as_str().unwrap().to_string(),
                    (
                        c["change"]["actions"].clone(),
                        c["change"]["replace_paths"].clone(),
                    ),
                )
            })
            .collect()
    }

    /// Attribute names by resource address in the state.
    pub fn state_attributes(
        &self,
        file: &str,
        prefix: &str,
    ) -> BTreeMap<String, BTreeMap<String, Json>> {
        let text = std::fs::read_to_string(self.dir.join(file)).expect("state");
        let text = text.replace(prefix, "PREFIX");
        let state: Json = serde_json::from_str(&text).unwrap();
        let mut out = BTreeMap::new();
        for r in state["resources"].as_array().unwrap() {
            for i in r["instances"].as_array().unwrap() {
                let address = match &i["index_key"] {
                    Json::Null => format!(
                        "{}.{}",
                        r["type"].as_str().unwrap(),
                        r["name"].as_str().unwrap()
                    ),
                    k => format!(
                        "{}.{}[{k}]",
                        r["type"].as_str().unwrap(),
                        r["name"].as_str().unwrap()
                    ),
                };
                let mut attributes: BTreeMap<String, Json> = i["attributes"]
                    .as_object()
                    .unwrap()
                    .clone()
                    .into_iter()
                    .collect();
                // The provider's private data (the SDK keeps timeouts
                // there), under a name no attribute has.
                if let Some(private) = i["private"].as_str() {
                    let bytes = strata_state::decode_private(Some(private));
                    attributes.insert(
                        PRIVATE.into(),
                        serde_json::from_slice(&bytes).unwrap_or(Json::Null),
                    );
                }
                out.insert(address, attributes);
            }
        }
        out
    }
}

/// Where [`Tool::state_attributes`] puts an instance's private data.
pub const PRIVATE: &str = "(private)";

/// `args` followed by `extra` (a tool's `-var` options).
pub fn with<'a>(args: &[&'a str], extra: &'a [String]) -> Vec<&'a str> {
    args.iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .collect()
}
