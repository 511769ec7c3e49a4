//! `plan -json`, `apply -json` and `destroy -json` against Terraform 1.11
//! on the same `terraform_data` stack: the same machine-readable lines
//! (type, message, change or hook, summary, outputs) — plans in the same
//! order, applies as the same set with each resource started before it
//! completes (parallel changes interleave differently run to run).
//! Object ids (random for `terraform_data`) are compared by presence.

mod common;
use common::terraform;
use std::path::Path;
use std::process::Command;

const STACK: &str = r#"
resource "terraform_data" "a" {
  input = "x"
}

resource "terraform_data" "b" {
  count = 2
  input = terraform_data.a.output
}

module "child" {
  source = "./child"
  name   = terraform_data.a.output
}

output "o" {
  value = terraform_data.a.output
}

output "s" {
  value     = "secret"
  sensitive = true
}
"#;

const CHILD: &str = r#"
variable "name" {
  type = string
}

resource "terraform_data" "inner" {
  for_each = toset(["k1", "k2"])
  input    = "${var.name}-${each.key}"
}
"#;

fn lines(program: &Path, args: &[&str], dir: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{} {args:?}:\n{}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            let o = v.as_object_mut().unwrap();
            o.remove("@timestamp");
            if let Some(id) = o.get_mut("hook").and_then(|h| h.get_mut("id_value")) {
                *id = serde_json::json!("ID");
            }
            // How long a step took depends on the machine's load.
            if let Some(s) = o.get_mut("hook").and_then(|h| h.get_mut("elapsed_seconds")) {
                *s = serde_json::json!(0);
            }
            if let Some(m) = o.get("@message").and_then(|m| m.as_str()) {
                let m = regex::Regex::new(r" \[id=[^\]]*\]")
                    .unwrap()
                    .replace(m, " [id=ID]")
                    .into_owned();
                let m = regex::Regex::new(r"after \d+s")
                    .unwrap()
                    .replace(&m, "after 0s")
                    .into_owned();
                o.insert("@message".into(), serde_json::json!(m));
            }
            v
        })
        .filter(|v| v["type"] != "version")
        .collect()
}

fn same(strata: &[serde_json::Value], terraform: &[serde_json::Value], what: &str) {
    let text = |v: &[serde_json::Value]| v.iter().map(|l| format!("{l}\n")).collect::<String>();
    let (s, t) = (text(strata), text(terraform));
    if s != t {
        let diff = similar::TextDiff::from_lines(t.as_str(), s.as_str())
            .unified_diff()
            .header("terraform", "strata")
            .to_string();
        panic!("{what} differs:\n{diff}");
    }
}

fn sorted(mut v: Vec<serde_json::Value>) -> Vec<String> {
    let mut s: Vec<String> = v.drain(..).map(|x| x.to_string()).collect();
    s.sort();
    s
}

/// Each resource's apply_start comes before its apply_complete.
fn starts_before_completes(stream: &[serde_json::Value]) {
    for (i, line) in stream.iter().enumerate() {
        if line["type"] == "apply_complete" {
            let addr = &line["hook"]["resource"]["addr"];
            assert!(
                stream[..i]
                    .iter()
                    .any(|l| l["type"] == "apply_start" && l["hook"]["resource"]["addr"] == *addr),
                "{addr} completed before it started"
            );
        }
    }
}

#[test]
fn json_ui_lines_agree_with_terraform() {
    let tf = terraform();
    let strata = Path::new(env!("CARGO_BIN_EXE_strata")).to_path_buf();
    let scratch = std::env::temp_dir().join(format!("strata-ui-json-{}", std::process::id()));
    let mut streams = Vec::new();
    for (tool, program) in [("terraform", &tf), ("strata", &strata)] {
        let dir = scratch.join(tool);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("child")).unwrap();
        std::fs::write(dir.join("main.tf"), STACK).unwrap();
        std::fs::write(dir.join("child/main.tf"), CHILD).unwrap();
        let init = Command::new(program)
            .arg("init")
            .current_dir(&dir)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output()
            .expect("init");
        assert!(init.status.success(), "{tool} init failed");
        let plan = lines(program, &["plan", "-json"], &dir);
        let apply = lines(program, &["apply", "-json", "-auto-approve"], &dir);
        let again = lines(program, &["plan", "-json"], &dir);
        let destroy = lines(program, &["destroy", "-json", "-auto-approve"], &dir);
        streams.push((plan, apply, again, destroy));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let (tf, st) = (&streams[0], &streams[1]);
    let as_values = |v: Vec<String>| -> Vec<serde_json::Value> {
        v.iter().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    // Lines about single objects come in the order the graph walk
    // reaches them (Terraform's own order varies run to run); the rest —
    // summaries, outputs — in order.
    let per_object = [
        "planned_change",
        "refresh_start",
        "refresh_complete",
        "apply_start",
        "apply_complete",
    ];
    let overall = |v: &[serde_json::Value]| -> Vec<serde_json::Value> {
        v.iter()
            .filter(|l| !per_object.iter().any(|t| l["type"] == *t))
            .cloned()
            .collect()
    };
    for (what, strata, terraform) in [
        ("plan -json", &st.0, &tf.0),
        ("apply -json", &st.1, &tf.1),
        ("a plan with nothing to do", &st.2, &tf.2),
        ("destroy -json", &st.3, &tf.3),
    ] {
        starts_before_completes(strata);
        same(
            &as_values(sorted(strata.clone())),
            &as_values(sorted(terraform.clone())),
            what,
        );
        same(&overall(strata), &overall(terraform), what);
    }
}

/// `providers schema -json` gives a resource type's schema as Terraform
/// gives it (here `terraform_data`, which both tools have built in).
#[test]
fn provider_schemas_agree_with_terraform() {
    let tf = terraform();
    let strata = Path::new(env!("CARGO_BIN_EXE_strata")).to_path_buf();
    let scratch = std::env::temp_dir().join(format!("strata-schema-json-{}", std::process::id()));
    let mut schemas = Vec::new();
    for (tool, program) in [("terraform", &tf), ("strata", &strata)] {
        let dir = scratch.join(tool);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("main.tf"),
            "resource \"terraform_data\" \"a\" {}\n",
        )
        .unwrap();
        let init = Command::new(program)
            .arg("init")
            .current_dir(&dir)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output()
            .expect("init");
        assert!(init.status.success(), "{tool} init failed");
        let out = Command::new(program)
            .args(["providers", "schema", "-json"])
            .current_dir(&dir)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output()
            .expect("schema");
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v["format_version"], "1.0", "{tool}");
        schemas.push(
            v["provider_schemas"]["terraform.io/builtin/terraform"]["resource_schemas"]
                ["terraform_data"]
                .clone(),
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        schemas[0].is_object(),
        "terraform gave no terraform_data schema"
    );
    assert_eq!(schemas[1], schemas[0]);
}
