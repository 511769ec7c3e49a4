//! Policy as code: Rego policies evaluated in-process (the `regorus`
//! engine) against the plan in Terraform's JSON layout, with Strata's
//! `cost_estimate` in it. A policy's `deny` rule stops the plan; its
//! `warn` rule is reported. Each rule gives messages (strings, or objects
//! with `msg`).

use std::path::{Path, PathBuf};
use strata_core::plan::PolicyFinding;

/// The `.rego` files a `--policy` path names: the file, or the files of
/// the directory (test files left out).
fn policy_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.ends_with(".rego") && !name.ends_with("_test.rego")
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Whether the policy text defines a rule named `rule` at the top level.
fn defines(text: &str, rule: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.strip_prefix(rule)
            .is_some_and(|rest| rest.starts_with([' ', '[', '{', ':', '=']) || rest.is_empty())
            && !l.starts_with('#')
            && l.len() == l.trim_start().len()
    })
}

fn messages(value: &serde_json::Value) -> Vec<String> {
    let one = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o
            .get("msg")
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    };
    match value {
        serde_json::Value::Array(items) => items.iter().map(one).collect(),
        serde_json::Value::Bool(true) => vec!["denied".into()],
        serde_json::Value::Null | serde_json::Value::Bool(false) => Vec::new(),
        other => vec![one(other)],
    }
}

/// Evaluates the policies at `paths` against `input`.
pub fn evaluate(
    paths: &[PathBuf],
    input: &serde_json::Value,
) -> Result<Vec<PolicyFinding>, String> {
    let mut engine = regorus::Engine::new();
    let mut rules: Vec<(String, &'static str)> = Vec::new();
    for path in paths {
        for file in policy_files(path)? {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let package = engine
                .add_policy(file.display().to_string(), text.clone())
                .map_err(|e| format!("{}: {e}", file.display()))?;
            for rule in ["deny", "warn"] {
                if defines(&text, rule) && !rules.contains(&(package.clone(), rule)) {
                    rules.push((package.clone(), rule));
                }
            }
        }
    }
    engine
        .set_input_json(&input.to_string())
        .map_err(|e| format!("the plan as policy input: {e}"))?;
    let mut findings = Vec::new();
    for (package, rule) in rules {
        let value = engine
            .eval_rule(format!("{package}.{rule}"))
            .map_err(|e| format!("{package}.{rule}: {e}"))?;
        let json: serde_json::Value = value
            .to_json_str()
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null);
        let policy = package
            .strip_prefix("data.")
            .unwrap_or(&package)
            .to_string();
        for message in messages(&json) {
            findings.push(PolicyFinding {
                level: rule.to_string(),
                policy: policy.clone(),
                message,
            });
        }
    }
    findings
        .sort_by(|a, b| (&a.level, &a.policy, &a.message).cmp(&(&b.level, &b.policy, &b.message)));
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_found_by_their_heads() {
        assert!(defines(
            "package x\n\ndeny contains msg if {\n  true\n}\n",
            "deny"
        ));
        assert!(defines("deny[msg] {\n}", "deny"));
        assert!(!defines("  deny_all := true", "deny"));
        assert!(!defines("# deny contains", "deny"));
    }

    #[test]
    fn deny_and_warn_messages_come_back() {
        let dir = std::env::temp_dir().join(format!("strata-policy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("budget.rego"),
            "package budget\n\ndeny contains msg if {\n  input.cost_estimate.hourly_after > 10\n  msg := sprintf(\"costs %v an hour\", [input.cost_estimate.hourly_after])\n}\n\nwarn contains {\"msg\": \"GPUs in use\"} if {\n  input.cost_estimate.gpus_after > 0\n}\n",
        )
        .unwrap();
        let input = serde_json::json!({"cost_estimate": {"hourly_after": 12.5, "gpus_after": 8}});
        let found = evaluate(std::slice::from_ref(&dir), &input).unwrap();
        assert_eq!(
            found,
            vec![
                PolicyFinding {
                    level: "deny".into(),
                    policy: "budget".into(),
                    message: "costs 12.5 an hour".into()
                },
                PolicyFinding {
                    level: "warn".into(),
                    policy: "budget".into(),
                    message: "GPUs in use".into()
                },
            ]
        );
        let cheap = serde_json::json!({"cost_estimate": {"hourly_after": 1, "gpus_after": 0}});
        assert!(evaluate(std::slice::from_ref(&dir), &cheap)
            .unwrap()
            .is_empty());
        std::fs::write(
            dir.join("broken.rego"),
            "package broken\ndeny contains if {",
        )
        .unwrap();
        assert!(evaluate(std::slice::from_ref(&dir), &input)
            .unwrap_err()
            .contains("broken.rego"));
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[cfg(test)]
mod example_policies {
    use super::*;

    fn examples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies/no_public_s3.rego")
    }

    fn change(ty: &str, after: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"address": format!("{ty}.x"), "type": ty, "change": {"actions": ["create"], "before": null, "after": after}})
    }

    /// The shipped no-public-buckets policy, on plan JSON with the AWS
    /// provider's bucket ACL, access block and policy types.
    #[test]
    fn no_public_buckets() {
        let input = serde_json::json!({"resource_changes": [
            change("aws_s3_bucket_acl", serde_json::json!({"acl": "public-read"})),
            change("aws_s3_bucket_public_access_block", serde_json::json!({"block_public_acls": true, "block_public_policy": false, "ignore_public_acls": true, "restrict_public_buckets": true})),
            change("aws_s3_bucket_policy", serde_json::json!({"policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\"}]}"})),
            change("aws_s3_bucket_acl", serde_json::json!({"acl": "private"})),
        ]});
        let found = evaluate(&[examples()], &input).unwrap();
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(found.len(), 3, "{messages:?}");
        assert!(
            messages.iter().any(|m| m.contains("acl = \"public-read\"")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("block_public_policy off")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("allows everyone")),
            "{messages:?}"
        );
        assert!(found
            .iter()
            .all(|f| f.level == "deny" && f.policy == "strata.no_public_s3"));
    }
}
