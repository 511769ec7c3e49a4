//! Provider requirements: which providers a stack needs, from where, at
//! which versions.
//!
//! Read as Terraform reads them: `required_providers` entries in the root
//! module and in every child module (`aws = { source = "hashicorp/aws",
//! version = "~> 3.39" }`, or the legacy `aws = "~> 3.39"`), and providers
//! used without an entry (a resource type's prefix, a `provider` block)
//! implied as `hashicorp/NAME`. Constraints on one source from several
//! modules combine: every one must hold.

use crate::ast::{literal_string, Block, ExprKind, ObjectKey};
use crate::config::{Config, LoadedStack};
use crate::versions::Constraint;
use std::collections::BTreeMap;
use std::fmt;
use strata_types::{Diagnostic, Diagnostics, Span};

pub const DEFAULT_HOST: &str = "registry.terraform.io";

/// A provider's source address: `registry.terraform.io/hashicorp/aws`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceAddr {
    pub host: String,
    pub namespace: String,
    pub type_name: String,
}

impl SourceAddr {
    /// Parses `[HOST/]NAMESPACE/TYPE` (a bare `TYPE` is `hashicorp/TYPE`).
    pub fn parse(text: &str) -> Result<SourceAddr, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let valid = |p: &str| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        };
        let (host, namespace, type_name) = match parts.as_slice() {
            [t] => (DEFAULT_HOST, "hashicorp", *t),
            [n, t] => (DEFAULT_HOST, *n, *t),
            [h, n, t] => (*h, *n, *t),
            _ => {
                return Err(format!(
                    "{text:?} is not a provider source address: write [HOSTNAME/]NAMESPACE/TYPE, such as \"hashicorp/aws\""
                ))
            }
        };
        // A host may name its port, as Terraform's host names may.
        let host_ok = match host.split_once(':') {
            Some((name, port)) => {
                valid(name) && !port.is_empty() && port.chars().all(|c| c.is_ascii_digit())
            }
            None => valid(host),
        };
        if !host_ok || !valid(namespace) || !valid(type_name) {
            return Err(format!(
                "{text:?} is not a provider source address: each part holds letters, digits, dashes and underscores"
            ));
        }
        Ok(SourceAddr {
            host: host.to_ascii_lowercase(),
            namespace: namespace.to_ascii_lowercase(),
            type_name: type_name.to_ascii_lowercase(),
        })
    }

    /// The address Terraform implies for a provider used without a
    /// `required_providers` entry.
    pub fn implied(name: &str) -> SourceAddr {
        // Terraform's one built-in provider has a source of its own.
        if name == "terraform" {
            return SourceAddr {
                host: "terraform.io".to_string(),
                namespace: "builtin".to_string(),
                type_name: name.to_string(),
            };
        }
        SourceAddr {
            host: DEFAULT_HOST.to_string(),
            namespace: "hashicorp".to_string(),
            type_name: name.to_string(),
        }
    }
}

impl fmt::Display for SourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.host, self.namespace, self.type_name)
    }
}

/// What the whole stack asks of one provider source.
#[derive(Clone, Debug, Default)]
pub struct Requirement {
    /// Every module's constraint, combined.
    pub constraint: Option<Constraint>,
    /// The local names modules use for it (`aws`).
    pub local_names: Vec<String>,
    /// Whether some module names it in `required_providers` (not only
    /// implied by use).
    pub explicit: bool,
}

/// Every provider the stack needs, by source address.
pub fn requirements(stack: &LoadedStack) -> (BTreeMap<SourceAddr, Requirement>, Diagnostics) {
    let mut out = BTreeMap::new();
    let mut diagnostics = Diagnostics::default();
    for config in stack.configs() {
        collect(config, &mut out, &mut diagnostics);
    }
    (out, diagnostics)
}

/// One module's own `required_providers` entries by local name: the
/// source and the constraints it writes (errors are left to
/// [`requirements`]).
pub fn module_requirements(config: &Config) -> BTreeMap<String, (SourceAddr, Option<Constraint>)> {
    let mut ignored = Diagnostics::default();
    let mut out: BTreeMap<String, (SourceAddr, Option<Constraint>)> = BTreeMap::new();
    for block in config
        .terraform
        .iter()
        .flat_map(|t| t.body.blocks_of("required_providers"))
    {
        for (name, source, constraint) in entries(block, &mut ignored) {
            let entry = out.entry(name).or_insert((source, None));
            if let Some(c) = constraint {
                entry.1 = Some(match entry.1.take() {
                    Some(existing) => existing.and(&c),
                    None => c,
                });
            }
        }
    }
    out
}

/// One module's requirements: its own entries, then what it uses.
fn collect(
    config: &Config,
    out: &mut BTreeMap<SourceAddr, Requirement>,
    diagnostics: &mut Diagnostics,
) {
    let mut local: BTreeMap<String, SourceAddr> = BTreeMap::new();
    for block in config
        .terraform
        .iter()
        .flat_map(|t| t.body.blocks_of("required_providers"))
    {
        for (name, source, constraint) in entries(block, diagnostics) {
            let requirement = out.entry(source.clone()).or_default();
            requirement.explicit = true;
            if !requirement.local_names.contains(&name) {
                requirement.local_names.push(name.clone());
            }
            if let Some(c) = constraint {
                requirement.constraint = Some(match requirement.constraint.take() {
                    Some(existing) => existing.and(&c),
                    None => c,
                });
            }
            local.insert(name, source);
        }
    }
    let used = config
        .resources
        .iter()
        .map(|r| resource_provider(r).0)
        .chain(
            config
                .providers
                .iter()
                .filter_map(|p| p.labels.first().map(|l| l.value.clone())),
        );
    for name in used {
        if local.contains_key(&name) {
            continue;
        }
        let source = SourceAddr::implied(&name);
        let requirement = out.entry(source.clone()).or_default();
        if !requirement.local_names.contains(&name) {
            requirement.local_names.push(name.clone());
        }
        local.insert(name, source);
    }
}

/// The provider configuration a resource uses: the provider's local name
/// and the configuration's name (`aws`, `aws.west`), from its `provider`
/// argument, else implied by its type's prefix as Terraform implies it.
pub fn resource_provider(r: &crate::config::Resource) -> (String, String) {
    let written = r.body.attribute("provider").and_then(|a| {
        let (root, steps) = a.expr.as_traversal()?;
        Some(match steps.first() {
            Some(crate::ast::TraversalStep::Attr(alias, _)) => {
                (root.to_string(), format!("{root}.{alias}"))
            }
            _ => (root.to_string(), root.to_string()),
        })
    });
    written.unwrap_or_else(|| {
        let name = r.type_name.split('_').next().unwrap_or(&r.type_name);
        (name.to_string(), name.to_string())
    })
}

/// The entries of one `required_providers` block.
fn entries(
    block: &Block,
    diagnostics: &mut Diagnostics,
) -> Vec<(String, SourceAddr, Option<Constraint>)> {
    let mut out = Vec::new();
    let invalid = |span: Span, detail: String| {
        Diagnostic::error(
            strata_types::codes::INVALID_PROVIDER_REQUIREMENT,
            "Invalid required_providers entry",
            detail,
            span,
        )
    };
    for attribute in &block.body.attributes {
        let name = attribute.name.clone();
        let (source_text, version) = match &attribute.expr.kind {
            ExprKind::Object(items) => {
                let mut source = None;
                let mut version = None;
                for (key, value) in items {
                    let key = match key {
                        ObjectKey::Name(n) => n.clone(),
                        ObjectKey::Expr(e) => literal_string(e).unwrap_or_default(),
                    };
                    match key.as_str() {
                        "source" => source = Some((literal_string(value), value.span)),
                        "version" => version = Some((literal_string(value), value.span)),
                        // configuration_aliases name provider configurations a
                        // module expects to be passed; nothing to install.
                        "configuration_aliases" => {}
                        other => diagnostics.push(invalid(
                            value.span,
                            format!("\"{other}\" is not an argument of a provider requirement; use source and version."),
                        )),
                    }
                }
                (source, version)
            }
            // The legacy form: `aws = "~> 3.0"`.
            _ => (
                None,
                Some((literal_string(&attribute.expr), attribute.expr.span)),
            ),
        };
        let source = match source_text {
            None => SourceAddr::implied(&name),
            Some((Some(text), span)) => match SourceAddr::parse(&text) {
                Ok(s) => s,
                Err(e) => {
                    diagnostics.push(invalid(span, e));
                    continue;
                }
            },
            Some((None, span)) => {
                diagnostics.push(invalid(
                    span,
                    "source must be a literal string, such as \"hashicorp/aws\".".into(),
                ));
                continue;
            }
        };
        let constraint = match version {
            None => None,
            Some((Some(text), span)) => match Constraint::parse(&text) {
                Ok(c) => Some(c),
                Err(e) => {
                    diagnostics.push(invalid(span, e));
                    continue;
                }
            },
            Some((None, span)) => {
                diagnostics.push(invalid(
                    span,
                    "version must be a literal string, such as \"~> 3.39\".".into(),
                ));
                continue;
            }
        };
        out.push((name, source, constraint));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> LoadedStack {
        let dir = tempfile_dir();
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let stack = crate::config::load_directory(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        stack
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "strata-req-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn sources_parse_as_terraform_reads_them() {
        assert_eq!(
            SourceAddr::parse("hashicorp/aws").unwrap().to_string(),
            "registry.terraform.io/hashicorp/aws"
        );
        assert_eq!(
            SourceAddr::parse("example.com/Acme/Thing")
                .unwrap()
                .to_string(),
            "example.com/acme/thing"
        );
        assert!(SourceAddr::parse("a/b/c/d").is_err());
        assert!(SourceAddr::parse("hashicorp/").is_err());
        assert!(SourceAddr::parse("../../x").is_err());
    }

    #[test]
    fn constraints_combine_across_modules_and_use_implies_sources() {
        let stack = load(&[
            (
                "main.tf",
                r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 3.0" }
    workato = { source = "local/workato" }
  }
}
module "child" { source = "./child" }
resource "random_pet" "p" {}
"#,
            ),
            (
                "child/main.tf",
                r#"
terraform {
  required_providers {
    aws = "< 4.0"
  }
}
"#,
            ),
        ]);
        let (reqs, diagnostics) = requirements(&stack);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        let aws = &reqs[&SourceAddr::parse("hashicorp/aws").unwrap()];
        assert_eq!(
            aws.constraint.as_ref().unwrap().to_string(),
            ">= 3.0, < 4.0"
        );
        assert!(aws.explicit);
        let workato = &reqs[&SourceAddr::parse("local/workato").unwrap()];
        assert!(workato.constraint.is_none());
        let random = &reqs[&SourceAddr::parse("hashicorp/random").unwrap()];
        assert!(!random.explicit);
        assert_eq!(random.local_names, ["random"]);
    }

    #[test]
    fn bad_entries_are_diagnosed_where_they_are_written() {
        let stack = load(&[(
            "main.tf",
            r#"
terraform {
  required_providers {
    aws = { source = "a/b/c/d" }
    gcp = { source = "hashicorp/google", version = "about two" }
  }
}
"#,
        )]);
        let (_, diagnostics) = requirements(&stack);
        let messages: Vec<String> = diagnostics.0.iter().map(|d| d.detail.clone()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("not a provider source address"));
        assert!(messages[1].contains("not a version constraint"));
    }
}
