//! Whole-binary tests of the workflow: plan rendering, exit codes, saved
//! plans, locking, partial failure. Each step runs the real `strata`
//! binary with a pinned environment; its exit code, stdout and stderr are
//! compared with `tests/cli_snapshots/NAME.snap` (random ids and temporary
//! paths masked). STRATA_UPDATE_SNAPSHOTS=1 rewrites the snapshots for
//! review.

mod common;

use common::Sandbox;
use std::process::Command;

fn check(name: &str, transcript: &str) {
    common::check_snapshot("cli_snapshots", "snap", name, transcript);
}

const STACK_V1: &str = r#"variable "token" {
  default   = "s3cr3t"
  sensitive = true
}

resource "terraform_data" "dataset" {
  input = "s3://datasets/imagenet"
}

resource "terraform_data" "worker" {
  count = 2
  input = "worker-${count.index} reads ${terraform_data.dataset.output}"
}

resource "terraform_data" "endpoint" {
  for_each         = toset(["staging", "prod"])
  input            = { stage = each.key, token = var.token }
  triggers_replace = "model-v1"
}

resource "terraform_data" "script" {
  input = <<-EOT
    #!/bin/bash
    python train.py --epochs 10
    echo done
  EOT
}

output "workers" {
  value = terraform_data.worker[*].output
}
"#;

const STACK_V2: &str = r#"variable "token" {
  default   = "s3cr3t"
  sensitive = true
}

resource "terraform_data" "dataset" {
  input = "s3://datasets/imagenet-21k"
}

resource "terraform_data" "worker" {
  count = 1
  input = "worker-${count.index} reads ${terraform_data.dataset.output}"
}

resource "terraform_data" "endpoint" {
  for_each         = toset(["staging", "prod"])
  input            = { stage = each.key, token = var.token }
  triggers_replace = "model-v2"
}

resource "terraform_data" "script" {
  input = <<-EOT
    #!/bin/bash
    python train.py --epochs 20
    echo done
  EOT
}

output "workers" {
  value = terraform_data.worker[*].output
}
"#;

#[test]
fn plan_apply_change_and_destroy() {
    let sb = Sandbox::new("lifecycle");
    sb.write("main.tf", STACK_V1);
    let mut transcript = String::new();
    let mut step = |args: &[&str], stdin: &str, want: i32| {
        let (code, text) = sb.run(args, stdin);
        assert_eq!(code, want, "{text}");
        transcript.push_str(&text);
        transcript.push('\n');
    };
    step(&["plan", "-detailed-exitcode"], "", 2);
    step(&["apply"], "no\n", 1);
    step(&["apply", "-auto-approve", "-parallelism=1"], "", 0);
    step(&["plan", "-detailed-exitcode"], "", 0);
    sb.write("main.tf", STACK_V2);
    step(&["plan", "-out=change.plan"], "", 0);
    step(&["show", "change.plan"], "", 0);
    step(&["apply", "change.plan"], "", 0);
    step(&["apply", "change.plan"], "", 1);
    step(&["output"], "", 0);
    step(&["output", "-raw", "workers"], "", 1);
    step(&["destroy", "-auto-approve", "-parallelism=1"], "", 0);
    assert!(
        !transcript.contains("s3cr3t"),
        "a sensitive value leaked into the output:\n{transcript}"
    );
    check("plan_apply_change_and_destroy", &transcript);
}

/// Starts `strata apply` in the sandbox and leaves it waiting for
/// approval, holding the lock; returns once its lock is recorded.
fn apply_waiting_for_approval(sb: &Sandbox) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("apply")
        .current_dir(&sb.dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("apply");
    // Waiting for the approval, the apply holds the lock and is past
    // everything it does before asking (the journal settled among them).
    let (seen, prompted) = std::sync::mpsc::channel();
    let mut stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        use std::io::Read;
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&text).contains("Enter a value:") {
                let _ = seen.send(());
                text.clear();
            }
        }
    });
    prompted
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the apply asks for approval");
    assert!(
        std::fs::read_to_string(sb.dir.join(".strata.tfstate.lock.info"))
            .is_ok_and(|t| t.contains("\"apply\"")),
        "the apply holds the lock while it asks"
    );
    child
}

#[test]
fn lock_names_its_holder() {
    let sb = Sandbox::new("lock");
    sb.write("main.tf", "resource \"terraform_data\" \"a\" {}\n");
    // A live holder: an apply waiting for its approval.
    let mut holder = apply_waiting_for_approval(&sb);
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("\"apply\""), "{text}");
    // Its lock cannot be released by another process, even by its ID.
    let info: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sb.dir.join(".strata.tfstate.lock.info")).unwrap(),
    )
    .unwrap();
    let id = info["ID"].as_str().unwrap().to_string();
    let (code, unlock) = sb.run(&["force-unlock", &id], "");
    assert_eq!(code, 1, "{unlock}");
    // Killed, it leaves its record behind, which holds nothing.
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(sb.dir.join(".strata.tfstate.lock.info").exists());
    let (code2, text2) = sb.run(&["plan"], "");
    assert_eq!(code2, 0, "{text2}");
    check("lock_names_its_holder", &format!("{text}\n{text2}"));
}

/// Four applies started at once over a lock a killed apply left: one
/// applies, the others are refused or find nothing to do, every round.
#[test]
fn concurrent_applies_over_a_stale_lock_apply_once() {
    let stale = serde_json::json!({
        "ID": "5a5e0f1c-0000-4000-8000-000000000000", "Operation": "apply", "Who": "ci@runner",
        "Version": "0.1.0", "Created": "1", "Path": "strata.tfstate", "Pid": 999_999_999u64, "Host": "localhost",
    });
    for round in 0..12 {
        let sb = Sandbox::new(&format!("stale-lock-{round}"));
        sb.write(
            "main.tf",
            "resource \"time_sleep\" \"wait\" {\n  create_duration = \"100ms\"\n}\n\nresource \"local_file\" \"out\" {\n  filename = \"${path.module}/out.txt\"\n  content  = time_sleep.wait.id\n}\n",
        );
        sb.write(".strata.tfstate.lock.info", &stale.to_string());
        let children: Vec<_> = (0..4)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_strata"))
                    .args(["apply", "-auto-approve"])
                    .current_dir(&sb.dir)
                    .env("NO_COLOR", "1")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("apply")
            })
            .collect();
        let outputs: Vec<String> = children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().expect("wait");
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
            })
            .collect();
        let applied = outputs
            .iter()
            .filter(|o| o.contains("Apply complete! Resources: 2 added"))
            .count();
        assert_eq!(applied, 1, "round {round}:\n{}", outputs.join("\n----\n"));
        for o in &outputs {
            assert!(
                o.contains("Apply complete!")
                    || o.contains("Error acquiring the state lock")
                    || o.contains("No changes"),
                "round {round}: {o}"
            );
        }
        let state = std::fs::read_to_string(sb.dir.join("strata.tfstate")).unwrap();
        assert_eq!(state.matches("\"local_file\"").count(), 1, "{state}");
    }
}

#[test]
fn a_failure_skips_only_its_dependents() {
    let sb = Sandbox::new("failure");
    sb.write(
        "main.tf",
        r#"resource "local_file" "broken" {
  filename = "/proc/strata-cannot-write-here/config.yaml"
  content  = "x"
}

resource "terraform_data" "needs_broken" {
  input = local_file.broken.id
}

resource "terraform_data" "independent" {
  input = "fine"
}
"#,
    );
    let (code, text) = sb.run(&["apply", "-auto-approve", "-parallelism=1"], "");
    assert_eq!(code, 1, "{text}");
    let state = std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state written");
    assert!(
        state.contains("\"independent\"") && !state.contains("\"needs_broken\""),
        "{state}"
    );
    check("a_failure_skips_only_its_dependents", &text);
}

#[test]
fn invalid_configuration_fails_before_planning() {
    let sb = Sandbox::new("invalid");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  inptu = 1\n}\nresource \"aws_nope\" \"b\" {}\n",
    );
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        !sb.dir.join("strata.tfstate").exists(),
        "a failed plan must not write state"
    );
    check("invalid_configuration_fails_before_planning", &text);
}

#[test]
fn state_commands_edit_the_state() {
    let sb = Sandbox::new("state");
    sb.write("main.tf", "resource \"terraform_data\" \"a\" {\n  count = 2\n  input = \"x${count.index}\"\n}\n\nresource \"terraform_data\" \"b\" {\n  input = \"b\"\n}\n");
    let mut transcript = String::new();
    let mut step = |args: &[&str], want: i32| {
        let (code, text) = sb.run(args, "");
        assert_eq!(code, want, "{text}");
        transcript.push_str(&text);
        transcript.push('\n');
    };
    step(&["apply", "-auto-approve", "-parallelism=1"], 0);
    step(&["state", "list"], 0);
    step(
        &["state", "mv", "terraform_data.a[1]", "terraform_data.c"],
        0,
    );
    step(&["state", "mv", "terraform_data.b", "terraform_data.c"], 1);
    step(&["state", "rm", "terraform_data.b"], 0);
    step(&["state", "rm", "terraform_data.nope"], 1);
    step(&["state", "list", "terraform_data.a"], 0);
    step(&["plan", "-detailed-exitcode"], 2);
    step(&["force-unlock", "not-a-lock"], 1);
    check("state_commands_edit_the_state", &transcript);
    // push refuses an older serial, accepts the same state back
    let (_, pulled) = sb.run(&["state", "pull"], "");
    assert!(pulled.contains("\"lineage\""), "{pulled}");
    let state = std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state");
    let mut older: serde_json::Value = serde_json::from_str(&state).expect("json");
    older["serial"] = serde_json::json!(0);
    sb.write("older.json", &older.to_string());
    let (code, text) = sb.run(&["state", "push", "older.json"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Older serial"), "{text}");
    sb.write("same.json", &state);
    let (code, text) = sb.run(&["state", "push", "same.json"], "");
    assert_eq!(code, 0, "{text}");
}

#[test]
fn two_applies_at_once_one_waits_or_fails_naming_the_holder() {
    let sb = Sandbox::new("concurrent");
    sb.write(
        "main.tf",
        "resource \"time_sleep\" \"settle\" {\n  create_duration = \"1500ms\"\n}\n\nresource \"terraform_data\" \"after\" {\n  input      = \"x\"\n  depends_on = [time_sleep.settle]\n}\n",
    );
    let first = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["apply", "-auto-approve"])
        .current_dir(&sb.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("first apply");
    // Wait until the first apply holds the lock.
    let lock = sb.dir.join(".strata.tfstate.lock.info");
    let started = std::time::Instant::now();
    while !lock.exists() && started.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(lock.exists(), "the first apply never took the lock");
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Error acquiring the state lock") && text.contains("for \"apply\""),
        "{text}"
    );
    // With --lock-timeout the second waits for the first, then finds
    // nothing left to do.
    let (code, text) = sb.run(&["apply", "-auto-approve", "-lock-timeout=20s"], "");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("No changes"), "{text}");
    let mut first = first;
    assert!(first.wait().expect("first").success());
    let state = std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state");
    assert_eq!(
        state.matches("\"type\": \"terraform_data\"").count(),
        1,
        "{state}"
    );
    assert_eq!(
        state.matches("\"type\": \"time_sleep\"").count(),
        1,
        "{state}"
    );
}

#[test]
fn history_keeps_versions_and_rollback_restores_one() {
    let sb = Sandbox::new("history");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"one\"\n}\n",
    );
    assert_eq!(sb.run(&["apply", "-auto-approve"], "").0, 0);
    let first = std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state");
    let first_serial = serde_json::from_str::<serde_json::Value>(&first).expect("json")["serial"]
        .as_u64()
        .expect("serial");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"two\"\n}\n",
    );
    assert_eq!(sb.run(&["apply", "-auto-approve"], "").0, 0);
    let (code, history) = sb.run(&["state", "history"], "");
    assert_eq!(code, 0, "{history}");
    assert!(
        history.contains(&format!("serial {first_serial:>4}")),
        "{history}"
    );
    let (code, text) = sb.run(&["state", "rollback", &first_serial.to_string()], "");
    assert_eq!(code, 0, "{text}");
    // The rolled-back state plans the change back to "two" again.
    let (code, plan) = sb.run(&["plan", "-detailed-exitcode"], "");
    assert_eq!(code, 2, "{plan}");
    assert!(plan.contains("\"one\" -> \"two\""), "{plan}");
    let (code, text) = sb.run(&["state", "rollback", "999"], "");
    assert_eq!(code, 1, "{text}");
}

#[test]
fn workspaces_keep_separate_states() {
    let sb = Sandbox::new("workspaces");
    sb.write("main.tf", "resource \"terraform_data\" \"env\" {\n  input = terraform.workspace\n}\n\noutput \"env\" {\n  value = terraform_data.env.output\n}\n");
    let mut transcript = String::new();
    let mut step = |args: &[&str], want: i32| {
        let (code, text) = sb.run(args, "");
        assert_eq!(code, want, "{text}");
        transcript.push_str(&text);
        transcript.push('\n');
    };
    step(&["apply", "-auto-approve"], 0);
    step(&["workspace", "new", "staging"], 0);
    step(&["workspace", "show"], 0);
    step(&["plan", "-detailed-exitcode"], 2);
    step(&["apply", "-auto-approve"], 0);
    step(&["output", "-raw", "env"], 0);
    step(&["workspace", "list"], 0);
    step(&["workspace", "delete", "staging"], 1);
    step(&["workspace", "select", "default"], 0);
    step(&["output", "-raw", "env"], 0);
    step(&["workspace", "delete", "staging"], 1);
    step(&["workspace", "delete", "staging", "--force"], 0);
    step(&["workspace", "select", "nope"], 1);
    check("workspaces_keep_separate_states", &transcript);
}

#[test]
fn encrypted_state_needs_its_key() {
    let sb = Sandbox::new("encrypted");
    sb.write("main.tf", "variable \"token\" {\n  default   = \"s3cr3t-token\"\n  sensitive = true\n}\n\nresource \"terraform_data\" \"a\" {\n  input = var.token\n}\n");
    let with = |args: &[&str], env: Option<(&str, &str)>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
        cmd.args(args)
            .current_dir(&sb.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1");
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run");
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let key = Some(("STRATA_STATE_PASSPHRASE", "a long enough passphrase"));
    let (code, text) = with(&["plan", "-out=enc.plan"], key);
    assert_eq!(code, 0, "{text}");
    let (code, text) = with(&["apply", "enc.plan"], key);
    assert_eq!(code, 0, "{text}");
    for file in ["strata.tfstate", "enc.plan"] {
        let bytes = std::fs::read_to_string(sb.dir.join(file)).expect("file");
        assert!(
            !bytes.contains("s3cr3t-token") && !bytes.contains("terraform_data"),
            "{file} is not encrypted: {bytes}"
        );
    }
    let (code, text) = with(&["plan"], None);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("encrypted"), "{text}");
    let (code, text) = with(
        &["plan"],
        Some(("STRATA_STATE_PASSPHRASE", "the wrong passphrase")),
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("cannot be decrypted"), "{text}");
    let (code, text) = with(&["plan", "-detailed-exitcode"], key);
    assert_eq!(code, 0, "{text}");
    let (code, text) = with(
        &["state", "list"],
        Some(("STRATA_STATE_KEY", "not base64!")),
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Invalid encryption key"), "{text}");
}

#[test]
fn import_command_adopts_an_object() {
    let sb = Sandbox::new("import");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"x\" {\n  input = \"hi\"\n}\n",
    );
    let (code, text) = sb.run(&["import", "terraform_data.x", "legacy-9"], "");
    assert_eq!(code, 0, "{text}");
    let (code, text) = sb.run(&["state", "show", "terraform_data.x"], "");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("legacy-9"), "{text}");
    let (code, text) = sb.run(&["import", "terraform_data.x", "again"], "");
    assert_eq!(code, 1, "{text}");
    let (code, text) = sb.run(&["import", "terraform_data.missing", "z"], "");
    assert_eq!(code, 1, "{text}");
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("1 changed"),
        "the imported object is updated, not created: {text}"
    );
}

/// A planted secret never appears in what Strata prints or writes for
/// people and tools: plan and apply output, plan JSON, state commands,
/// graph, error messages, and logs at every STRATA_LOG level.
#[test]
fn a_planted_secret_never_leaks() {
    const SECRET: &str = "pl4nted-S3CRET-value";
    let sb = Sandbox::new("secrets");
    sb.write(
        "main.tf",
        &format!(
            r#"variable "token" {{
  default   = "{SECRET}"
  sensitive = true
}}

resource "terraform_data" "holder" {{
  input = {{ token = var.token, name = "public" }}
}}

resource "local_sensitive_file" "creds" {{
  filename = "${{path.module}}/creds.txt"
  content  = var.token
}}

resource "terraform_data" "uses" {{
  input = "depends on ${{terraform_data.holder.id}}"
}}

resource "random_password" "db" {{
  length = 24
}}

output "token" {{
  value     = terraform_data.holder.output
  sensitive = true
}}
"#
        ),
    );
    let mut transcript = String::new();
    for level in ["error", "info", "debug", "trace"] {
        let run = |args: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_strata"))
                .args(args)
                .current_dir(&sb.dir)
                .env("STRATA_LOG", level)
                .env("NO_COLOR", "1")
                .output()
                .expect("run");
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        };
        transcript.push_str(&run(&["validate"]));
        transcript.push_str(&run(&["plan", "-out=s.plan"]));
        transcript.push_str(&run(&["show", "s.plan"]));
        transcript.push_str(&run(&["show", "-json", "s.plan"]));
        transcript.push_str(&run(&["apply", "s.plan"]));
        transcript.push_str(&run(&["output"]));
        transcript.push_str(&run(&["output", "-json"]).replace(SECRET, "")); // asked for by name below
        transcript.push_str(&run(&["state", "show", "terraform_data.holder"]));
        transcript.push_str(&run(&["state", "show", "local_sensitive_file.creds"]));
        transcript.push_str(&run(&["state", "show", "random_password.db"]));
        transcript.push_str(&run(&["show"]));
        transcript.push_str(&run(&["graph"]));
        transcript.push_str(&run(&["plan", "-destroy"]));
        // An error about the secret names it only as sensitive.
        sb.write("err.tf", "locals {\n  n = tonumber(var.token)\n}\n");
        transcript.push_str(&run(&["plan"]));
        std::fs::remove_file(sb.dir.join("err.tf")).expect("rm");
    }
    assert!(
        !transcript.contains(SECRET),
        "the secret leaked:\n{transcript}"
    );
    // The generated password is a secret too.
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state"),
    )
    .expect("json");
    let password = state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["type"] == "random_password")
        .and_then(|r| r["instances"][0]["attributes"]["result"].as_str())
        .expect("the password is in the state")
        .to_string();
    assert!(
        !transcript.contains(&password),
        "the generated password leaked:\n{transcript}"
    );
    assert!(
        transcript.contains("(sensitive value)"),
        "sensitive values should be shown as such"
    );
}

#[test]
fn state_mv_moves_instances_into_another_state_file() {
    let sb = Sandbox::new("state-out");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"keep\" {\n  input = 1\n}\n\nresource \"terraform_data\" \"split\" {\n  count = 2\n  input = count.index\n}\n",
    );
    assert_eq!(sb.run(&["apply", "-auto-approve"], "").0, 0);
    let (code, text) = sb.run(
        &[
            "state",
            "mv",
            "-state-out=other.tfstate",
            "terraform_data.split",
            "terraform_data.moved",
        ],
        "",
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Successfully moved 2 object(s)."), "{text}");
    let (_, here) = sb.run(&["state", "list"], "");
    assert!(
        here.contains("--- stdout\nterraform_data.keep\n--- stderr"),
        "{here}"
    );
    let (_, there) = sb.run(&["state", "list", "-state=other.tfstate"], "");
    assert!(
        there.contains("--- stdout\nterraform_data.moved[0]\nterraform_data.moved[1]\n--- stderr"),
        "{there}"
    );
    // Moving onto an address the other state already has is refused.
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"keep\" {\n  input = 1\n}\n",
    );
    let (code, text) = sb.run(
        &[
            "state",
            "mv",
            "-state-out=other.tfstate",
            "terraform_data.keep",
            "terraform_data.moved[0]",
        ],
        "",
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Destination exists"), "{text}");
}

#[test]
fn data_sources_read_while_planning_reach_apply() {
    let sb = Sandbox::new("data-apply");
    sb.write("zones.txt", "us-east-1a,us-east-1b,us-east-1c");
    sb.write(
        "main.tf",
        "data \"local_file\" \"zones\" {\n  filename = \"zones.txt\"\n}\n\nlocals {\n  zones = slice(split(\",\", data.local_file.zones.content), 0, 2)\n}\n\nresource \"terraform_data\" \"subnet\" {\n  count = length(local.zones)\n  input = local.zones[count.index]\n}\n\noutput \"zones\" {\n  value = terraform_data.subnet[*].output\n}\n",
    );
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("zones = [\n  \"us-east-1a\",\n  \"us-east-1b\",\n]"),
        "{text}"
    );
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("No changes"), "{text}");
}

/// An intent journal as an apply writes it while creating `files`.
fn journal_of_creates(sb: &Sandbox, files: &[&str]) -> String {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let path = sb.dir.join(f).to_string_lossy().into_owned();
            std::fs::write(&path, "x").unwrap();
            serde_json::json!({
                "op": "intent", "seq": i + 1, "mode": "managed", "type": "local_file",
                "name": f.trim_end_matches(".txt"),
                "provider": "provider[\"registry.terraform.io/hashicorp/local\"]",
                "action": "create", "token": path,
                "planned": { "filename": path, "content": "x" }, "schema_version": 0,
            })
            .to_string()
                + "\n"
        })
        .collect()
}

/// Only a holder of the lock settles the journal: `graph` during an
/// apply waits its turn, and `plan -lock=false` leaves the journal alone.
#[test]
fn the_journal_is_settled_only_under_the_lock() {
    let sb = Sandbox::new("settle-lock");
    sb.write(
        "main.tf",
        "resource \"local_file\" \"a\" {\n  filename = \"${path.module}/a.txt\"\n  content  = \"x\"\n}\n",
    );
    let mut holder = apply_waiting_for_approval(&sb);
    let journal = journal_of_creates(&sb, &["a.txt"]);
    sb.write("strata.tfstate.journal", &journal);
    let (code, text) = sb.run(&["graph"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Error acquiring the state lock"), "{text}");
    let (code, text) = sb.run(&["plan", "-lock=false"], "");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Unsettled journal"), "{text}");
    let (code, text) = sb.run(&["apply", "-lock=false", "-auto-approve"], "");
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        std::fs::read_to_string(sb.dir.join("strata.tfstate.journal")).unwrap(),
        journal,
        "the journal was touched without the lock"
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
    // With the lock, the next command settles it.
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("recovered the object"), "{text}");
    assert!(!sb.dir.join("strata.tfstate.journal").exists());
}

/// A damaged record in the middle of the journal stops the command and
/// the journal is kept whole: nothing after it is lost.
#[test]
fn a_damaged_journal_is_refused_and_kept() {
    let sb = Sandbox::new("journal-damage");
    let names: Vec<String> = (0..10).map(|i| format!("f{i}.txt")).collect();
    let mut tf = String::new();
    for n in &names {
        let r = n.trim_end_matches(".txt");
        tf.push_str(&format!(
            "resource \"local_file\" \"{r}\" {{\n  filename = \"${{path.module}}/{n}\"\n  content  = \"x\"\n}}\n"
        ));
    }
    sb.write("main.tf", &tf);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut lines: Vec<String> = journal_of_creates(&sb, &refs)
        .lines()
        .map(str::to_string)
        .collect();
    lines[2] = "{\"op\": \"intent\", garbage".into();
    let journal = lines.join("\n") + "\n";
    sb.write("strata.tfstate.journal", &journal);
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("journal of an interrupted apply is not valid: line 3 of"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.dir.join("strata.tfstate.journal")).unwrap(),
        journal
    );
    // A torn last line (no newline: the write a crash cut short) is not
    // damage: the records before it are settled.
    let torn = lines[..2].join("\n") + "\n" + "{\"op\": \"inte";
    sb.write("strata.tfstate.journal", &torn);
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 0, "{text}");
    assert!(!sb.dir.join("strata.tfstate.journal").exists());
}

/// A duration too long to represent is refused with a message, not a
/// panic or a wrapped-around wait.
#[test]
fn an_overlong_lock_timeout_is_refused() {
    let sb = Sandbox::new("long-timeout");
    sb.write("main.tf", "resource \"terraform_data\" \"a\" {}\n");
    let (code, text) = sb.run(&["plan", "-lock-timeout=99999999999999999h"], "");
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("longer than any wait"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
}

/// With a key set, a plan or a state in the clear is refused: it cannot
/// have been written with the key, so it may have been swapped in.
#[test]
fn with_a_key_set_plaintext_plans_and_states_are_refused() {
    let sb = Sandbox::new("plaintext-refused");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n",
    );
    let key = [("STRATA_STATE_PASSPHRASE", "a long enough passphrase")];
    // Made without the key: a plain plan and a plain state.
    let (code, text) = sb.run_with(&["plan", "-out=plain.plan"], "", &[]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = sb.run_with(&["apply", "plain.plan"], "", &key);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the plan is not encrypted"), "{text}");
    assert!(!sb.dir.join("strata.tfstate").exists(), "{text}");
    let (code, text) = sb.run_with(&["apply", "-auto-approve"], "", &[]);
    assert_eq!(code, 0, "{text}");
    let plain = std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state");
    let (code, text) = sb.run_with(&["plan"], "", &key);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("not encrypted, though a key is set"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state"),
        plain
    );
    // Encrypting an existing state is asked for explicitly, once.
    let mut migrate = key.to_vec();
    migrate.push(("STRATA_STATE_ACCEPT_PLAINTEXT", "1"));
    let (code, text) = sb.run_with(&["apply", "-auto-approve"], "", &migrate);
    assert_eq!(code, 0, "{text}");
    let sealed = std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state");
    assert!(sealed.contains("strata_encrypted"), "{sealed}");
    let (code, text) = sb.run_with(&["plan", "-detailed-exitcode"], "", &key);
    assert_eq!(code, 0, "{text}");
}

/// A damaged or edited plan is refused whole, before any change: an edge
/// of its graph that names no change, a cycle, an instance twice, values
/// that do not fit the action, an instance twice in its prior state.
#[test]
fn a_damaged_plan_is_refused_before_any_change() {
    let sb = Sandbox::new("damaged-plan");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n\nresource \"terraform_data\" \"b\" {\n  input = terraform_data.a.output\n}\n\nresource \"local_file\" \"f\" {\n  filename = \"${path.module}/f.txt\"\n  content  = \"hello\"\n}\n",
    );
    let (code, text) = sb.run(&["plan", "-out=good.plan"], "");
    assert_eq!(code, 0, "{text}");
    let good: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.dir.join("good.plan")).expect("plan"))
            .expect("json");
    let n = good["changes"].as_array().expect("changes").len();
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "edge out of range",
            Box::new(move |p| p["graph"] = serde_json::json!([{"from": 0, "to": n + 5}])),
        ),
        (
            "a cycle",
            Box::new(|p| {
                p["graph"] = serde_json::json!([{"from": 0, "to": 1}, {"from": 1, "to": 0}])
            }),
        ),
        (
            "an instance twice",
            Box::new(|p| {
                let first = p["changes"][0].clone();
                p["changes"].as_array_mut().expect("changes").push(first);
            }),
        ),
        (
            "a create without a value",
            Box::new(|p| {
                p["changes"][0]["after"] = p["changes"][0]["before"].clone();
            }),
        ),
        (
            "a value that does not fit its type",
            Box::new(|p| p["changes"][0]["after"]["value"] = serde_json::json!(17)),
        ),
        (
            "an instance twice in the prior state",
            Box::new(|p| {
                p["prior_state"]["resources"] = serde_json::json!([
                    {"mode": "managed", "type": "terraform_data", "name": "z", "provider": "provider[\"registry.terraform.io/hashicorp/terraform\"]",
                     "instances": [{"attributes": {"id": "1"}}, {"attributes": {"id": "2"}}]}
                ]);
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut plan = good.clone();
        edit(&mut plan);
        sb.write("bad.plan", &plan.to_string());
        let (code, text) = sb.run(&["apply", "bad.plan"], "");
        assert_eq!(code, 1, "{what}: {text}");
        assert!(text.contains("Invalid plan"), "{what}: {text}");
        assert!(!text.contains("panicked"), "{what}: {text}");
        assert!(!sb.dir.join("f.txt").exists(), "{what}: a change was made");
        assert!(!sb.dir.join("strata.tfstate").exists(), "{what}: {text}");
    }
    let (code, text) = sb.run(&["apply", "good.plan"], "");
    assert_eq!(code, 0, "{text}");
    assert!(sb.dir.join("f.txt").exists());
}

/// A state that holds an instance twice is refused, by every command and
/// by `state push`, as Terraform refuses it.
#[test]
fn duplicate_instances_in_state_are_refused() {
    let sb = Sandbox::new("duplicate-instances");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  count = 2\n  input = count.index\n}\n",
    );
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.dir.join("strata.tfstate")).expect("state"))
            .expect("json");
    let instances = state["resources"][0]["instances"]
        .as_array_mut()
        .expect("instances");
    instances[1]["index_key"] = serde_json::json!(0);
    state["serial"] = serde_json::json!(state["serial"].as_u64().unwrap_or(0) + 1);
    let doubled = serde_json::to_string_pretty(&state).expect("json");
    sb.write("doubled.json", &doubled);
    let (code, text) = sb.run(&["state", "push", "doubled.json"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Duplicate resource instance in state: terraform_data.a[0]"),
        "{text}"
    );
    sb.write("strata.tfstate", &doubled);
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Duplicate resource instance in state"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state"),
        doubled
    );
}

/// Long chains and deep nesting, which Terraform accepts, are planned
/// (they overflowed the stack at 8,000 terms); past the parser's limit
/// they get a diagnostic, never an abort.
#[test]
fn deep_expressions_are_planned_or_refused_clearly() {
    let sb = Sandbox::new("deep-expressions");
    let n = 20_000;
    let chain = vec!["1"; n].join("+");
    let cases = [
        (
            "a chain of additions",
            format!("output \"a\" {{\n  value = {chain}\n}}\n"),
            format!("a = {n}"),
        ),
        (
            "a chain of traversals",
            format!(
                "locals {{\n  a = {{}}\n}}\n\noutput \"a\" {{\n  value = try(local.a{}, 7)\n}}\n",
                ".a".repeat(n)
            ),
            "a = 7".to_string(),
        ),
        (
            "nested calls",
            format!(
                "output \"a\" {{\n  value = {}-3{}\n}}\n",
                "abs(".repeat(n),
                ")".repeat(n)
            ),
            "a = 3".to_string(),
        ),
        (
            "a variable default",
            format!("variable \"v\" {{\n  default = {chain}\n}}\n\noutput \"a\" {{\n  value = var.v\n}}\n"),
            format!("a = {n}"),
        ),
    ];
    for (what, config, expect) in cases {
        sb.write("main.tf", &config);
        let (code, text) = sb.run(&["plan"], "");
        assert_eq!(code, 0, "{what}: {text}");
        assert!(text.contains(&expect), "{what}: {text}");
    }
    let (code, text) = sb.run(&["console"], &format!("{chain}\n"));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&n.to_string()), "{text}");

    let too_long = vec!["1"; 60_000].join("+");
    sb.write(
        "main.tf",
        &format!("output \"a\" {{\n  value = {too_long}\n}}\n"),
    );
    let (code, text) = sb.run(&["validate"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("nested or chained more than 50000 levels deep"),
        "{}",
        &text[text.len().saturating_sub(2000)..]
    );
}

/// A template that calls templatefile (itself, here) is an error, as in
/// Terraform, not an endless recursion.
#[test]
fn templatefile_cannot_be_called_from_a_template() {
    let sb = Sandbox::new("templatefile-recursion");
    sb.write("self.tpl", "${templatefile(\"self.tpl\", {})}");
    sb.write(
        "main.tf",
        "output \"a\" {\n  value = templatefile(\"${path.module}/self.tpl\", {})\n}\n",
    );
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("cannot recursively call templatefile from inside another template function"),
        "{text}"
    );
}

/// Input at the edges gets what Terraform gives or a clear error, never
/// an abort or a silent guess.
#[test]
fn edge_input_gets_clear_answers() {
    let sb = Sandbox::new("edge-input");
    let write_bytes = |name: &str, bytes: &[u8]| {
        std::fs::write(sb.dir.join(name), bytes).expect("write");
    };
    // A byte-order mark and bytes that are not UTF-8 in a comment are
    // accepted, as by Terraform.
    write_bytes(
        "main.tf",
        b"\xef\xbb\xbfresource \"terraform_data\" \"a\" {}\n# caf\xe9 \xff\n",
    );
    let (code, text) = sb.run(&["validate"], "");
    assert_eq!(code, 0, "{text}");
    // In a string they are refused where they are.
    write_bytes(
        "main.tf",
        b"resource \"terraform_data\" \"a\" {\n  input = \"caf\xe9\"\n}\n",
    );
    let (code, text) = sb.run(&["validate"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Invalid character encoding") && text.contains("main.tf:2:15"),
        "{text}"
    );
    // A count no plan could hold.
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  count = 1e9\n}\n",
    );
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("at most 1000000 instances"), "{text}");
    // An empty state file is not "no state".
    sb.write("main.tf", "resource \"terraform_data\" \"a\" {}\n");
    sb.write("strata.tfstate", "\n");
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("strata.tfstate is empty"), "{text}");
    assert_eq!(
        std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state"),
        "\n"
    );
    assert!(!sb.dir.join("strata.tfstate.backup").exists());
    // A serial that cannot grow.
    std::fs::remove_file(sb.dir.join("strata.tfstate")).expect("remove");
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    let state = std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state");
    let at_max = state.replacen("\"serial\": 1,", "\"serial\": 18446744073709551615,", 1);
    assert_ne!(at_max, state);
    sb.write("strata.tfstate", &at_max);
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("too large to be increased"), "{text}");
}

/// A state that cannot be saved makes the apply incomplete, with the file
/// named; a device given as a plan is refused, not read forever.
#[test]
fn an_unsaved_state_is_not_a_complete_apply() {
    let sb = Sandbox::new("unsaved-state");
    sb.write("main.tf", "resource \"terraform_data\" \"a\" {}\n");
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    // The backup is written first: a directory in its place fails it.
    std::fs::create_dir(sb.dir.join("strata.tfstate.backup")).expect("dir");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {}\n\nresource \"terraform_data\" \"b\" {}\n",
    );
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Failed to persist state"), "{text}");
    assert!(text.contains("strata.tfstate.backup"), "{text}");
    assert!(text.contains("Apply incomplete"), "{text}");
    assert!(!text.contains("Apply complete!"), "{text}");
    let leftovers: Vec<String> = std::fs::read_dir(&sb.dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let (code, text) = sb.run(&["apply", "/dev/zero"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("is not a plan file"), "{text}");
}

/// A saved plan whose prior state was edited (an instance dropped, an id
/// changed) is refused before any change; plans whose prior state differs
/// for real reasons (an instance moved, one that refresh found gone)
/// still apply.
#[test]
fn a_saved_plan_must_agree_with_the_state() {
    let sb = Sandbox::new("plan-prior-state");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n\nresource \"terraform_data\" \"b\" {\n  input = \"y\"\n}\n",
    );
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x2\"\n}\n\nresource \"terraform_data\" \"b\" {\n  input = \"y\"\n}\n",
    );
    let (code, text) = sb.run(&["plan", "-out=good.plan"], "");
    assert_eq!(code, 0, "{text}");
    let good: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.dir.join("good.plan")).expect("plan"))
            .expect("json");
    let state_before = std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state");
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "an instance dropped",
            Box::new(|p| {
                let resources = p["prior_state"]["resources"]
                    .as_array_mut()
                    .expect("resources");
                resources.retain(|r| r["name"] != "b");
            }),
        ),
        (
            "an id changed",
            Box::new(|p| {
                p["prior_state"]["resources"][1]["instances"][0]["attributes"]["id"] =
                    serde_json::json!("not-the-real-id");
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut plan = good.clone();
        edit(&mut plan);
        sb.write("bad.plan", &plan.to_string());
        let (code, text) = sb.run(&["apply", "bad.plan"], "");
        assert_eq!(code, 1, "{what}: {text}");
        assert!(text.contains("does not match the state"), "{what}: {text}");
        assert_eq!(
            std::fs::read_to_string(sb.dir.join("strata.tfstate")).expect("state"),
            state_before,
            "{what}"
        );
    }
    let (code, text) = sb.run(&["apply", "good.plan"], "");
    assert_eq!(code, 0, "{text}");
    // A move is not a mismatch.
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x2\"\n}\n\nresource \"terraform_data\" \"c\" {\n  input = \"y\"\n}\n\nmoved {\n  from = terraform_data.b\n  to   = terraform_data.c\n}\n",
    );
    let (code, text) = sb.run(&["plan", "-out=moved.plan"], "");
    assert_eq!(code, 0, "{text}");
    let (code, text) = sb.run(&["apply", "moved.plan"], "");
    assert_eq!(code, 0, "{text}");
    // Nor is an object refresh found gone.
    sb.write(
        "main.tf",
        "resource \"local_file\" \"f\" {\n  filename = \"${path.module}/f.txt\"\n  content  = \"z\"\n}\n",
    );
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    std::fs::remove_file(sb.dir.join("f.txt")).expect("remove");
    sb.write("main.tf", "");
    let (code, text) = sb.run(&["plan", "-out=gone.plan"], "");
    assert_eq!(code, 0, "{text}");
    let (code, text) = sb.run(&["apply", "gone.plan"], "");
    assert_eq!(code, 0, "{text}");
}

/// A provider error that quotes a sensitive value, or part of one, shows
/// it masked.
#[test]
fn provider_errors_do_not_quote_sensitive_values() {
    let sb = Sandbox::new("provider-error-secret");
    sb.write(
        "main.tf",
        "variable \"where\" {\n  default   = \"/proc/s3cr3t-dir-name/f.txt\"\n  sensitive = true\n}\n\nresource \"local_file\" \"f\" {\n  filename = var.where\n  content  = \"x\"\n}\n",
    );
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Cannot create directory: (sensitive value)"),
        "{text}"
    );
    assert!(!text.contains("s3cr3t"), "{text}");
}

/// A module call's `providers` names provider configurations (not
/// resources), and a malformed one is refused; Terraform reads it the same
/// way (no differential: it needs the AWS provider installed).
#[test]
fn module_providers_are_provider_configurations() {
    let sb = Sandbox::new("module-providers");
    std::fs::create_dir_all(sb.dir.join("child")).unwrap();
    sb.write(
        "child/main.tf",
        "terraform {\n  required_providers {\n    aws = {\n      source                = \"hashicorp/aws\"\n      configuration_aliases = [aws.peer]\n    }\n  }\n}\n\nresource \"terraform_data\" \"x\" {\n  input = \"x\"\n}\n",
    );
    sb.write(
        "main.tf",
        "provider \"aws\" {\n  alias  = \"remote\"\n  region = \"us-west-2\"\n}\n\nmodule \"child\" {\n  source    = \"./child\"\n  providers = { aws = aws.remote, aws.peer = aws.remote }\n}\n",
    );
    let (code, text) = sb.run(&["validate"], "");
    assert_eq!(code, 0, "{text}");
    sb.write(
        "main.tf",
        "module \"child\" {\n  source    = \"./child\"\n  providers = { aws = \"aws.remote\" }\n}\n",
    );
    let (code, text) = sb.run(&["validate"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Invalid provider reference"), "{text}");
}

/// A data source no provider offers is called a data source, not a
/// resource type.
#[test]
fn an_unknown_data_source_is_called_one() {
    let sb = Sandbox::new("unknown-data-source");
    sb.write("main.tf", "data \"foo_bar\" \"x\" {}\n");
    let (code, text) = sb.run(&["plan"], "");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Unknown data source"), "{text}");
    assert!(
        text.contains("No provider offers the data source \"foo_bar\""),
        "{text}"
    );
    assert!(!text.contains("resource type"), "{text}");
}

/// `&&` and `||` short-circuit as in Terraform 1.12 (1.11 evaluates both
/// sides, so this is not a differential case): a known left side that
/// decides the answer guards an error on the right; otherwise the right is
/// evaluated and its errors stand.
#[test]
fn logical_operators_short_circuit() {
    let sb = Sandbox::new("short-circuit");
    sb.write(
        "main.tf",
        "variable \"x\" {\n  type    = object({ a = string })\n  default = null\n}\n",
    );
    for (expression, expected) in [
        ("var.x != null && var.x.a == \"y\"", "false"),
        ("var.x == null || var.x.a == \"y\"", "true"),
        ("false && null.a", "false"),
        ("true || null.a", "true"),
    ] {
        let (code, text) = sb.run(&["console"], &format!("{expression}\n"));
        assert_eq!(code, 0, "{expression}: {text}");
        assert!(
            text.contains(&format!("--- stdout\n{expected}\n")),
            "{expression}: {text}"
        );
    }
    let (_, text) = sb.run(&["console"], "true && null.a\n");
    assert!(
        text.contains("Attempt to get attribute from null value"),
        "{text}"
    );
}

/// A provider call that lasts is reported while it lasts, every ten
/// seconds, as Terraform reports it ("Still creating... [10s elapsed]").
#[test]
fn long_provider_calls_are_reported_while_they_last() {
    let sb = Sandbox::new("long-calls");
    sb.write(
        "main.tf",
        "resource \"time_sleep\" \"w\" {\n  create_duration = \"11s\"\n}\n",
    );
    let (code, text) = sb.run_with(&["apply", "-auto-approve"], "", &[("CI", "1")]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("time_sleep.w: Still creating... [10s elapsed]"),
        "{text}"
    );
}

/// Destroying evaluates the configuration against the objects in the
/// state: an expression that indexes what a module made (a subnet id
/// passed on) is as valid as when it was applied. It was refused with
/// "Invalid index", since the plan saw every resource as already gone.
#[test]
fn destroy_sees_the_objects_it_destroys() {
    let sb = Sandbox::new("destroy-sees-state");
    std::fs::create_dir_all(sb.dir.join("net")).unwrap();
    sb.write(
        "net/main.tf",
        "resource \"terraform_data\" \"subnet\" {\n  count = 2\n  input = \"subnet-${count.index}\"\n}\noutput \"ids\" {\n  value = terraform_data.subnet[*].output\n}\n",
    );
    std::fs::create_dir_all(sb.dir.join("cluster")).unwrap();
    sb.write(
        "cluster/main.tf",
        "variable \"subnet\" {\n  type = string\n}\nresource \"terraform_data\" \"node\" {\n  input = var.subnet\n}\n",
    );
    sb.write(
        "main.tf",
        "module \"net\" {\n  source = \"./net\"\n}\nmodule \"cluster\" {\n  source = \"./cluster\"\n  subnet = module.net.ids[0]\n}\n",
    );
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    let (code, text) = sb.run(&["destroy", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Destroy complete! Resources: 3 destroyed."),
        "{text}"
    );
}

/// `strata test -verbose` shows each run's plan or applied state after
/// its result, as `terraform test -verbose` does.
#[test]
fn test_verbose_shows_each_runs_plan_or_state() {
    let sb = Sandbox::new("test-verbose");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"job\" {\n  input = \"j\"\n}\noutput \"out\" {\n  value = terraform_data.job.output\n}\n",
    );
    sb.write(
        "a.tftest.hcl",
        "run \"planned\" {\n  command = plan\n}\nrun \"applied\" {}\n",
    );
    let (code, text) = sb.run(&["test", "-verbose"], "");
    assert_eq!(code, 0, "{text}");
    let planned = text.find("run \"planned\"... pass").expect("planned run");
    let applied = text.find("run \"applied\"... pass").expect("applied run");
    let plan = text
        .find("# terraform_data.job will be created")
        .expect("the plan");
    let state = text.find("# terraform_data.job:").expect("the state");
    assert!(
        planned < plan && plan < applied && applied < state,
        "{text}"
    );
    assert!(text.contains("out = \"j\""), "{text}");
    let (code, text) = sb.run(&["test", "-json", "-verbose"], "");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("\"type\":\"test_plan\"") && text.contains("\"type\":\"test_state\""),
        "{text}"
    );
}

/// A saved plan's JSON says when it was made, as Terraform's does.
#[test]
fn plan_json_carries_its_timestamp() {
    let sb = Sandbox::new("plan-timestamp");
    sb.write("main.tf", "resource \"terraform_data\" \"a\" {}\n");
    let (code, text) = sb.run(&["plan", "-out=p.plan"], "");
    assert_eq!(code, 0, "{text}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["show", "-json", "p.plan"])
        .current_dir(&sb.dir)
        .output()
        .expect("show");
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let stamp = plan["timestamp"].as_str().expect("timestamp");
    let shape = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$").unwrap();
    assert!(shape.is_match(stamp), "{stamp}");
}

/// Objects that changed outside Strata are listed in the plan JSON's
/// `resource_drift`, as Terraform lists them; a plan without drift has no
/// such key.
#[test]
fn plan_json_lists_the_drift_refresh_found() {
    let sb = Sandbox::new("plan-drift");
    sb.write(
        "main.tf",
        "resource \"local_file\" \"a\" {\n  filename = \"${path.module}/a.txt\"\n  content  = \"a\"\n}\n\nresource \"local_file\" \"b\" {\n  filename = \"${path.module}/b.txt\"\n  content  = \"b\"\n}\n",
    );
    let (code, text) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{text}");
    let show = |sb: &Sandbox| -> serde_json::Value {
        let (code, text) = sb.run(&["plan", "-out=p.plan"], "");
        assert_eq!(code, 0, "{text}");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(["show", "-json", "p.plan"])
            .current_dir(&sb.dir)
            .output()
            .expect("show");
        serde_json::from_slice(&out.stdout).expect("plan JSON")
    };
    assert!(show(&sb).get("resource_drift").is_none());
    std::fs::remove_file(sb.dir.join("b.txt")).unwrap();
    let plan = show(&sb);
    let drift = plan["resource_drift"].as_array().expect("resource_drift");
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(drift[0]["address"], "local_file.b");
    assert_eq!(drift[0]["type"], "local_file");
    assert_eq!(drift[0]["change"]["actions"], serde_json::json!(["delete"]));
    assert_eq!(drift[0]["change"]["before"]["content"], "b");
    assert!(drift[0]["change"]["after"].is_null());
    let create = plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .find(|c| c["address"] == "local_file.b")
        .expect("b is planned");
    assert_eq!(create["change"]["actions"], serde_json::json!(["create"]));
    // The machine-readable stream says so too.
    let (code, text) = sb.run(&["plan", "-json"], "");
    assert_eq!(code, 0, "{text}");
    let drift: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["type"] == "resource_drift")
        .collect();
    assert_eq!(drift.len(), 1, "{text}");
    assert_eq!(
        drift[0]["@message"],
        "local_file.b: Drift detected (delete)"
    );
    assert_eq!(drift[0]["change"]["action"], "delete");
    assert_eq!(drift[0]["change"]["resource"]["addr"], "local_file.b");
}

/// `strata providers` lists what `required_providers` asks for (with its
/// constraint, used or not) and the providers of every module's
/// resources, child modules' included.
#[test]
fn providers_lists_requirements_and_child_modules() {
    let sb = Sandbox::new("providers-list");
    sb.write(
        "main.tf",
        "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"~> 5.0\" }\n  }\n}\n\nmodule \"child\" {\n  source = \"./child\"\n}\n",
    );
    std::fs::create_dir_all(sb.dir.join("child")).unwrap();
    sb.write(
        "child/main.tf",
        "resource \"terraform_data\" \"marker\" {\n  input = \"x\"\n}\n",
    );
    let (code, out) = sb.run(&["providers"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("provider[builtin/aws] ~> 5.0\n"), "{out}");
    assert!(
        out.contains("provider[builtin/terraform] (terraform_data)"),
        "{out}"
    );
}
