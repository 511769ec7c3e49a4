//! The AWS provider under test, pointed at the moto server `.ci/run`
//! starts on 127.0.0.1 (STRATA_TEST_S3 names it), directly or through a
//! fault-injecting proxy.
#![allow(dead_code)]

pub mod proxy;

use serde_json::{json, Value as J};
use strata_provider::{attr_str, ApplyRequest, PlanRequest, Provider};
use strata_provider_aws::AwsProvider;
use strata_types::json::{value_from_json, value_to_json};
use strata_types::Value;

pub fn moto() -> String {
    // One line naming what is missing, not a panic trace.
    std::env::var("STRATA_TEST_S3").unwrap_or_else(|_| {
        // Straight to the file descriptor: the test harness captures eprintln!.
        let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{}\n", "cannot run these tests: no moto server: set STRATA_TEST_S3 to one on 127.0.0.1 (`bash .ci/moto` starts one; `bash .ci/run` runs everything)").as_bytes());
        std::process::exit(1)
    })
}

/// A provider block for the test server: every service's endpoint on it.
pub fn provider_config(endpoint: &str, extra: J) -> J {
    let services = strata_provider_aws::ENDPOINT_SERVICES;
    let endpoints: serde_json::Map<String, J> = services
        .iter()
        .map(|s| (s.to_string(), json!(endpoint)))
        .collect();
    let mut config = json!({
        "region": "us-east-1",
        "access_key": "strata-test",
        "secret_key": "strata-test-secret",
        "max_retries": 8,
        "endpoints": [endpoints],
        "default_tags": [],
    });
    if let (Some(c), Some(e)) = (config.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    config
}

pub async fn provider_at(endpoint: &str, extra: J) -> AwsProvider {
    let p = AwsProvider::default();
    let schema = p.schema();
    let config = value_from_json(
        &provider_config(endpoint, extra),
        &schema.provider.object_type(),
    )
    .expect("provider config");
    p.configure(&config).await.expect("configure");
    p
}

pub async fn provider() -> AwsProvider {
    provider_at(&moto(), json!({})).await
}

/// A configuration value of a resource type from JSON (absent = null).
pub fn config(p: &AwsProvider, type_name: &str, j: J) -> Value {
    let schema = p.schema().resources[type_name].clone();
    value_from_json(&j, &schema.object_type()).expect("config value")
}

pub fn data_config(p: &AwsProvider, type_name: &str, j: J) -> Value {
    let schema = p.schema().data_sources[type_name].clone();
    value_from_json(&j, &schema.object_type()).expect("config value")
}

/// Plans and applies a create; returns the state.
pub async fn create(p: &AwsProvider, type_name: &str, j: J) -> Value {
    try_create(p, type_name, j)
        .await
        .unwrap_or_else(|e| panic!("{type_name}: create failed: {e}"))
}

/// The same, returning the apply's error (the plan must succeed).
pub async fn try_create(
    p: &AwsProvider,
    type_name: &str,
    j: J,
) -> Result<Value, strata_provider::ProviderError> {
    let schema = p.schema().resources[type_name].clone();
    let cfg = config(p, type_name, j);
    let null = Value::null(schema.object_type());
    let plan = p
        .plan(PlanRequest {
            type_name,
            prior: &null,
            proposed: &cfg,
            config: &cfg,
        })
        .await
        .unwrap_or_else(|e| panic!("{type_name}: plan failed: {e}"));
    p.apply(ApplyRequest {
        type_name,
        prior: &null,
        planned: &plan.planned,
        config: &cfg,
    })
    .await
}

pub fn id(state: &Value) -> String {
    attr_str(state, "id").expect("id").to_string()
}

pub fn json_of(v: &Value) -> J {
    value_to_json(v)
}

/// A unique name for this test process.
pub fn unique(tag: &str) -> String {
    format!("strata-{tag}-{}", std::process::id())
}

/// A plain client on the test server, for changes made "outside Strata".
pub fn raw_client() -> strata_aws_client::Client {
    strata_aws_client::Client::new(strata_aws_client::Config {
        credentials: strata_aws_client::CredentialSource {
            access_key: Some("x".into()),
            secret_key: Some("y".into()),
            ..Default::default()
        },
        endpoints: strata_provider_aws::ENDPOINT_SERVICES
            .iter()
            .map(|s| (s.to_string(), moto()))
            .collect(),
        ..Default::default()
    })
    .expect("client")
}
