//! The S3 store against the moto server on 127.0.0.1, which `.ci/run`
//! starts (`.ci/moto`) and names in STRATA_TEST_S3.

use strata_aws_client::{Client, Config, CredentialSource, Request};
use strata_state::{Backend, S3Backend, S3Config, StateError};

fn endpoint() -> String {
    // One line naming what is missing, not a panic trace.
    std::env::var("STRATA_TEST_S3").unwrap_or_else(|_| {
        // Straight to the file descriptor: the test harness captures eprintln!.
        let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{}\n", "cannot run these tests: no moto server: set STRATA_TEST_S3 to one on 127.0.0.1 (`bash .ci/moto` starts one; `bash .ci/run` runs everything)").as_bytes());
        std::process::exit(1)
    })
}

fn client_config() -> Config {
    let url = endpoint();
    Config {
        region: "us-east-1".into(),
        credentials: CredentialSource {
            access_key: Some("strata-test".into()),
            secret_key: Some("strata-test-secret".into()),
            ..Default::default()
        },
        endpoints: [
            ("s3".to_string(), url.clone()),
            ("dynamodb".to_string(), url),
        ]
        .into_iter()
        .collect(),
        max_retries: 2,
        ..Default::default()
    }
}

/// A new bucket (and lock table) for one test.
fn bucket(tag: &str, table: bool) -> S3Config {
    let name = format!("strata-test-{tag}-{}", std::process::id());
    let client = Client::new(client_config()).expect("client");
    client
        .send(&Request::new("s3", "PUT", format!("/{name}")))
        .expect("create bucket");
    let dynamodb_table = table.then(|| {
        client
            .send(&Request::json_target(
                "dynamodb",
                "DynamoDB_20120810.CreateTable",
                &serde_json::json!({
                    "TableName": name,
                    "AttributeDefinitions": [{"AttributeName": "LockID", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "LockID", "KeyType": "HASH"}],
                    "BillingMode": "PAY_PER_REQUEST",
                }),
            ))
            .expect("create table");
        name.clone()
    });
    S3Config {
        bucket: name,
        key: "stacks/ml/terraform.tfstate".into(),
        workspace_key_prefix: "env:".into(),
        dynamodb_table,
        client: client_config(),
    }
}

#[test]
fn s3_store_with_a_lock_file_passes_the_conformance_suite() {
    let backend = S3Backend::new(bucket("lockfile", false), None).expect("backend");
    let failures = strata_state::conformance::run_backend(&backend);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn s3_store_with_a_dynamodb_lock_table_passes_the_conformance_suite() {
    let backend = S3Backend::new(bucket("dynamo", true), None).expect("backend");
    let failures = strata_state::conformance::run_backend(&backend);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn s3_state_is_encrypted_and_laid_out_as_terraform_does() {
    let config = bucket("layout", false);
    let cipher = strata_state::crypt::Cipher::from_key_base64(
        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    )
    .expect("key");
    let backend =
        S3Backend::new(config.clone(), Some(std::sync::Arc::new(cipher))).expect("backend");
    backend.create_workspace("prod").expect("workspace");
    let mut state = strata_state::State::fresh();
    state.outputs.insert(
        "planted".into(),
        strata_state::OutputState {
            value: serde_json::json!("hunter2-secret"),
            ty: serde_json::json!("string"),
            sensitive: true,
        },
    );
    backend.store("prod").unwrap().write(&state).unwrap();
    let client = Client::new(client_config()).unwrap();
    let raw = client
        .send(&Request::new(
            "s3",
            "GET",
            format!("/{}/env:/prod/stacks/ml/terraform.tfstate", config.bucket),
        ))
        .expect("the workspace's state is at env:/prod/KEY");
    assert!(!raw.text().contains("hunter2"), "state must be encrypted");
    // A store without the key cannot read it, and says so.
    let keyless = S3Backend::new(config, None).unwrap();
    match keyless.store("prod").unwrap().read() {
        Err(StateError::Crypt(_)) => {}
        other => panic!("reading without the key must fail clearly, got {other:?}"),
    }
}

#[test]
fn s3_lock_names_its_holder_across_processes_views() {
    let config = bucket("locks", false);
    let first = S3Backend::new(config.clone(), None).unwrap();
    let second = S3Backend::new(config, None).unwrap();
    let held = first.store("default").unwrap().lock("apply").unwrap();
    match second.store("default").unwrap().lock("plan") {
        Err(StateError::Locked(h)) => {
            assert_eq!(h.id, held.id);
            assert_eq!(h.operation, "apply");
            assert_eq!(h.pid, std::process::id());
        }
        other => panic!("the second lock must fail naming the holder, got {other:?}"),
    }
    first.store("default").unwrap().unlock(&held.id).unwrap();
    let again = second.store("default").unwrap().lock("plan").unwrap();
    second.store("default").unwrap().unlock(&again.id).unwrap();
}
