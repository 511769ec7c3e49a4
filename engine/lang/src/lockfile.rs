//! The dependency lock file, `.terraform.lock.hcl`, in Terraform's format,
//! so one file serves both tools: per provider source, the version
//! selected, the constraints it was selected under, and the package
//! hashes (`h1:` of the unpacked package, `zh:` of the zip) any later
//! install must match.

use crate::ast::{literal_string, ExprKind};
use crate::requirements::SourceAddr;
use std::collections::BTreeMap;
use std::path::Path;
use strata_types::{Diagnostic, Diagnostics, SourceMap};

pub const LOCK_FILE: &str = ".terraform.lock.hcl";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LockFile {
    pub providers: BTreeMap<SourceAddr, Locked>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Locked {
    pub version: String,
    pub constraints: Option<String>,
    pub hashes: Vec<String>,
}

impl LockFile {
    /// Reads the lock file in `dir`; an absent file is an empty lock.
    /// Problems come back as diagnostics against the file's text, which
    /// `sources` receives.
    pub fn read(dir: &Path, sources: &mut SourceMap) -> Result<LockFile, Diagnostics> {
        let path = dir.join(LOCK_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LockFile::default()),
            Err(e) => {
                return Err(Diagnostics(vec![Diagnostic::global(
                    strata_types::codes::INVALID_LOCK_FILE,
                    "Failed to read the dependency lock file",
                    format!("{}: {e}", path.display()),
                )]))
            }
        };
        let file = sources.add(LOCK_FILE, text.clone());
        LockFile::parse(&text, file)
    }

    pub fn parse(text: &str, file: u32) -> Result<LockFile, Diagnostics> {
        let parsed = crate::parser::parse_body(text, file);
        let mut diagnostics = parsed.diagnostics;
        let mut out = LockFile::default();
        let invalid = |span, detail: String| {
            Diagnostic::error(
                strata_types::codes::INVALID_LOCK_FILE,
                "Invalid dependency lock file",
                format!("{detail} Run strata init to write the lock file again."),
                span,
            )
        };
        for block in &parsed.value.blocks {
            if block.type_name != "provider" || block.labels.len() != 1 {
                diagnostics.push(invalid(
                    block.type_span,
                    format!(
                        "A block of type \"{}\" is not expected here; the lock file holds provider \"SOURCE\" blocks.",
                        block.type_name
                    ),
                ));
                continue;
            }
            let source = match SourceAddr::parse(&block.labels[0].value) {
                Ok(s) => s,
                Err(e) => {
                    diagnostics.push(invalid(block.labels[0].span, format!("{e}.")));
                    continue;
                }
            };
            let mut locked = Locked::default();
            for attribute in &block.body.attributes {
                match attribute.name.as_str() {
                    "version" | "constraints" => match literal_string(&attribute.expr) {
                        Some(v) if attribute.name == "version" => locked.version = v,
                        Some(v) => locked.constraints = Some(v),
                        None => diagnostics.push(invalid(
                            attribute.expr.span,
                            format!("{} must be a string.", attribute.name),
                        )),
                    },
                    "hashes" => match &attribute.expr.kind {
                        ExprKind::Tuple(items) => {
                            for item in items {
                                match literal_string(item) {
                                    Some(h) => locked.hashes.push(h),
                                    None => diagnostics.push(invalid(
                                        item.span,
                                        "Each hash must be a string.".into(),
                                    )),
                                }
                            }
                        }
                        _ => diagnostics.push(invalid(
                            attribute.expr.span,
                            "hashes must be a list of strings.".into(),
                        )),
                    },
                    other => diagnostics.push(invalid(
                        attribute.name_span,
                        format!("\"{other}\" is not an argument of a locked provider."),
                    )),
                }
            }
            if locked.version.is_empty() {
                diagnostics.push(invalid(
                    block.span,
                    format!("The entry for {source} has no version."),
                ));
            }
            out.providers.insert(source, locked);
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        Ok(out)
    }

    /// The file's text as Terraform writes it.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# This file is maintained automatically by \"terraform init\".\n# Manual edits may be lost in future updates.\n",
        );
        for (source, locked) in &self.providers {
            out.push_str(&format!("\nprovider \"{source}\" {{\n"));
            match &locked.constraints {
                Some(c) => {
                    out.push_str(&format!("  version     = {}\n", quote(&locked.version)));
                    out.push_str(&format!("  constraints = {}\n", quote(c)));
                }
                None => out.push_str(&format!("  version = {}\n", quote(&locked.version))),
            }
            out.push_str("  hashes = [\n");
            let mut hashes = locked.hashes.clone();
            hashes.sort();
            hashes.dedup();
            for h in hashes {
                out.push_str(&format!("    {},\n", quote(&h)));
            }
            out.push_str("  ]\n}\n");
        }
        out
    }

    /// Writes the file into `dir` (whole, by rename).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let path = dir.join(LOCK_FILE);
        let scratch = dir.join(format!("{LOCK_FILE}.tmp"));
        std::fs::write(&scratch, self.render())?;
        std::fs::rename(scratch, path)
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERRAFORMS: &str = r#"# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "3.39.0"
  constraints = "3.39.0"
  hashes = [
    "h1:fjlp3Pd3QsTLghNm7TUh/KnEMM2D3tLb7jsDLs8oWUE=",
  ]
}

provider "registry.terraform.io/local/workato" {
  version = "0.16.0"
  hashes = [
    "h1:abc=",
    "zh:0123",
  ]
}
"#;

    #[test]
    fn reads_and_writes_terraforms_format_unchanged() {
        let lock = LockFile::parse(TERRAFORMS, 0).unwrap();
        let aws = &lock.providers[&SourceAddr::parse("hashicorp/aws").unwrap()];
        assert_eq!(aws.version, "3.39.0");
        assert_eq!(aws.constraints.as_deref(), Some("3.39.0"));
        assert_eq!(aws.hashes.len(), 1);
        assert_eq!(lock.render(), TERRAFORMS);
    }

    #[test]
    fn a_malformed_entry_is_diagnosed() {
        let err =
            LockFile::parse("provider \"hashicorp/aws\" {\n  hashes = \"x\"\n}\n", 0).unwrap_err();
        let details: Vec<&str> = err.0.iter().map(|d| d.detail.as_str()).collect();
        assert!(
            details.iter().any(|d| d.contains("hashes must be a list")),
            "{details:?}"
        );
        assert!(
            details.iter().any(|d| d.contains("has no version")),
            "{details:?}"
        );
    }
}
