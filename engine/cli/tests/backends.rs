//! Backends from the CLI: the `backend` block, `strata init` with
//! `--backend-config` and `--migrate-state`, workspaces and locks, against
//! the real servers `.ci/run` starts on 127.0.0.1 (PostgreSQL named by
//! STRATA_TEST_PG, moto by STRATA_TEST_S3).

mod common;

use common::Sandbox;
use strata_aws_client::{Client, Config, CredentialSource, Request};
use strata_state::Backend;

fn pg() -> String {
    common::postgres()
}

fn s3() -> String {
    common::moto_endpoint()
}

const RESOURCES: &str = r#"
resource "terraform_data" "dataset" {
  input = "s3://datasets/imagenet"
}

resource "terraform_data" "trainer" {
  input = "train on ${terraform_data.dataset.output}"
}

output "trainer" {
  value = terraform_data.trainer.output
}
"#;

fn ok(result: (i32, String)) -> String {
    assert_eq!(result.0, 0, "{}", result.1);
    result.1
}

fn fails(result: (i32, String), expected: &str) -> String {
    assert_eq!(result.0, 1, "{}", result.1);
    assert!(
        result.1.contains(expected),
        "expected {expected:?} in\n{}",
        result.1
    );
    result.1
}

#[test]
fn pg_backend_holds_state_and_workspaces() {
    let sb = Sandbox::new("backend-pg");
    let schema = format!("strata_cli_{}", std::process::id());
    let backend = format!(
        "terraform {{\n  backend \"pg\" {{\n    conn_str    = \"{}\"\n    schema_name = \"{schema}\"\n  }}\n}}\n",
        pg()
    );
    sb.write("main.tf", &format!("{backend}{RESOURCES}"));
    fails(sb.run(&["plan"], ""), "Backend initialization required");
    let text = ok(sb.run(&["init"], ""));
    assert!(text.contains("Using the \"pg\" backend"), "{text}");
    // The recorded backend holds the connection string: its owner's only.
    let recorded = std::fs::metadata(sb.dir.join(".strata/backend.json")).expect("recorded");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&recorded.permissions()) & 0o777,
        0o600
    );
    ok(sb.run(&["apply", "-auto-approve"], ""));
    assert!(
        !sb.dir.join("strata.tfstate").exists(),
        "state must live in PostgreSQL, not in a local file"
    );
    let text = ok(sb.run(&["state", "list"], ""));
    assert!(
        text.contains("terraform_data.dataset\nterraform_data.trainer\n"),
        "{text}"
    );
    let text = ok(sb.run(&["output", "-raw", "trainer"], ""));
    assert!(text.contains("train on s3://datasets/imagenet"), "{text}");

    // Workspaces are rows of the same schema.
    ok(sb.run(&["workspace", "new", "staging"], ""));
    let text = ok(sb.run(&["apply", "-auto-approve"], ""));
    assert!(text.contains("2 added"), "{text}");
    let text = ok(sb.run(&["workspace", "list"], ""));
    assert!(text.contains("  default\n* staging\n"), "{text}");
    ok(sb.run(&["workspace", "select", "default"], ""));
    let text = ok(sb.run(&["plan"], ""));
    assert!(text.contains("No changes"), "{text}");
    fails(
        sb.run(&["workspace", "delete", "staging"], ""),
        "Workspace is not empty",
    );
    ok(sb.run(&["workspace", "delete", "-force", "staging"], ""));
    let text = ok(sb.run(&["workspace", "list"], ""));
    assert!(!text.contains("staging"), "{text}");

    // A changed backend block needs init again.
    sb.write(
        "main.tf",
        &format!(
            "{}{RESOURCES}",
            backend.replace(&schema, &format!("{schema}_b"))
        ),
    );
    fails(sb.run(&["plan"], ""), "The backend configuration changed");
    // A reference in a backend block is refused with its position.
    sb.write(
        "main.tf",
        "variable \"c\" {\n  default = \"x\"\n}\n\nterraform {\n  backend \"pg\" {\n    conn_str = var.c\n  }\n}\n",
    );
    let text = fails(sb.run(&["init"], ""), "Variables not allowed");
    assert!(text.contains("main.tf:7:16"), "{text}");
    sb.write(
        "main.tf",
        "terraform {\n  backend \"pg\" {\n    conn_srt = \"x\"\n  }\n}\n",
    );
    let text = fails(sb.run(&["init"], ""), "Unsupported backend argument");
    assert!(text.contains("Did you mean \"conn_str\"?"), "{text}");
}

fn aws_client() -> Client {
    Client::new(Config {
        credentials: CredentialSource {
            access_key: Some("strata-test".into()),
            secret_key: Some("strata-test-secret".into()),
            ..Default::default()
        },
        endpoints: [("s3".to_string(), s3())].into_iter().collect(),
        max_retries: 2,
        ..Default::default()
    })
    .expect("client")
}

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

#[test]
fn local_state_migrates_to_s3_encrypted_and_locked() {
    let sb = Sandbox::new("backend-s3");
    let bucket = format!("strata-cli-{}", std::process::id());
    let client = aws_client();
    client
        .send(&Request::new("s3", "PUT", format!("/{bucket}")))
        .expect("create bucket");
    let env: &[(&str, &str)] = &[
        ("STRATA_STATE_KEY", KEY),
        ("AWS_ACCESS_KEY_ID", "strata-test"),
        ("AWS_SECRET_ACCESS_KEY", "strata-test-secret"),
    ];
    sb.write("main.tf", RESOURCES);
    ok(sb.run_with(&["apply", "-auto-approve"], "", env));
    let local_lineage = ok(sb.run_with(&["state", "pull"], "", env));

    // Now the stack moves to S3: part of the configuration in the block,
    // the rest given to init.
    sb.write(
        "backend.tf",
        &format!(
            "terraform {{\n  backend \"s3\" {{\n    bucket = \"{bucket}\"\n    endpoints {{\n      s3 = \"{}\"\n    }}\n  }}\n}}\n",
            s3()
        ),
    );
    sb.write("s3.hcl", "key = \"ml/training.tfstate\"\n");
    fails(
        sb.run_with(&["plan"], "", env),
        "Backend initialization required",
    );
    let init = [
        "init",
        "-backend-config=region=us-east-1",
        "-backend-config=s3.hcl",
    ];
    fails(
        sb.run_with(&init, "", env),
        "holds state for default. Run `strata init --migrate-state`",
    );
    let text = ok(sb.run_with(&[&init[..], &["-migrate-state"]].concat(), "", env));
    assert!(
        text.contains("Migrated the state of 1 workspace(s) from the \"local\" backend to the \"s3\" backend: default."),
        "{text}"
    );
    // The local copy is no longer used: remove it, and everything still
    // plans from the S3 state.
    for f in ["strata.tfstate", "strata.tfstate.backup"] {
        let _ = std::fs::remove_file(sb.dir.join(f));
    }
    let text = ok(sb.run_with(&["plan"], "", env));
    assert!(text.contains("No changes"), "{text}");
    let pulled = ok(sb.run_with(&["state", "pull"], "", env));
    let lineage = |t: &str| {
        t.lines()
            .find(|l| l.contains("\"lineage\""))
            .map(str::to_string)
    };
    assert_eq!(lineage(&pulled), lineage(&local_lineage));
    assert!(lineage(&pulled).is_some(), "{pulled}");

    // At rest the object is sealed.
    let raw = client
        .send(&Request::new(
            "s3",
            "GET",
            format!("/{bucket}/ml/training.tfstate"),
        ))
        .expect("state object");
    assert!(!raw.text().contains("imagenet"), "state must be encrypted");
    let (code, text) = sb.run_with(&["plan"], "", &env[1..]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Cannot decrypt the state"), "{text}");

    // Another holder's lock is named, and force-unlock releases it.
    let other = strata_state::S3Backend::new(
        strata_state::S3Config {
            bucket: bucket.clone(),
            key: "ml/training.tfstate".into(),
            workspace_key_prefix: "env:".into(),
            dynamodb_table: None,
            client: client.config().clone(),
        },
        None,
    )
    .expect("backend");
    let held = other.store("default").unwrap().lock("apply").expect("lock");
    let text = fails(
        sb.run_with(&["plan"], "", env),
        "Error acquiring the state lock",
    );
    assert!(
        text.contains(&format!("s3://{bucket}/ml/training.tfstate")),
        "{text}"
    );
    ok(sb.run_with(&["force-unlock", &held.id], "", env));
    ok(sb.run_with(&["plan"], "", env));

    // Workspaces land under env:/NAME/KEY, as Terraform lays them out.
    ok(sb.run_with(&["workspace", "new", "gpu-a100"], "", env));
    ok(sb.run_with(&["apply", "-auto-approve"], "", env));
    client
        .send(&Request::new(
            "s3",
            "GET",
            format!("/{bucket}/env:/gpu-a100/ml/training.tfstate"),
        ))
        .expect("the workspace's state object");
    let text = ok(sb.run_with(&["state", "history"], "", env));
    assert!(!text.trim().is_empty(), "{text}");
}
