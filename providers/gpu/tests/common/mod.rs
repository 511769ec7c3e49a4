//! The GPU provider under test, pointed at the moto server `.ci/run`
//! starts on 127.0.0.1 (STRATA_TEST_S3 names it) through the capacity
//! proxy ([`sim`]).
#![allow(dead_code)]

#[path = "../../../aws/tests/common/proxy.rs"]
pub mod proxy;
pub mod sim;

use serde_json::{json, Value as J};
use strata_aws_client::{Client, Config, CredentialSource, Request};
use strata_provider::{ApplyRequest, PlanRequest, Provider};
use strata_provider_gpu::GpuProvider;
use strata_types::json::{value_from_json, value_to_json};
use strata_types::Value;

pub fn moto() -> String {
    std::env::var("STRATA_TEST_S3").unwrap_or_else(|_| {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), b"cannot run these tests: no moto server: set STRATA_TEST_S3 to one on 127.0.0.1 (`bash .ci/moto` starts one; `bash .ci/run` runs everything)\n");
        std::process::exit(1)
    })
}

pub async fn provider(endpoint: &str, regions: &[&str]) -> GpuProvider {
    let p = GpuProvider::default();
    let endpoints: serde_json::Map<String, J> = strata_provider_gpu::ENDPOINT_SERVICES
        .iter()
        .map(|s| (s.to_string(), json!(endpoint)))
        .collect();
    let config = json!({"aws": [{
        "regions": regions,
        "access_key": "strata-test",
        "secret_key": "strata-test-secret",
        "max_retries": 3,
        "endpoints": [endpoints],
    }]});
    let config = value_from_json(&config, &p.schema().provider.object_type()).expect("config");
    p.configure(&config).await.expect("configure");
    p
}

pub fn fleet_config(p: &GpuProvider, j: J) -> Value {
    let schema = p.schema().resources["gpu_fleet"].clone();
    value_from_json(&j, &schema.object_type()).expect("fleet config")
}

pub fn null_fleet(p: &GpuProvider) -> Value {
    Value::null(p.schema().resources["gpu_fleet"].object_type())
}

/// Plans and applies a create; the state as JSON, or the error.
pub async fn create(p: &GpuProvider, config: &Value) -> Result<Value, String> {
    let null = null_fleet(p);
    let planned = p
        .plan(PlanRequest {
            type_name: "gpu_fleet",
            prior: &null,
            proposed: config,
            config,
        })
        .await
        .map_err(|e| e.to_string())?
        .planned;
    p.apply(ApplyRequest {
        type_name: "gpu_fleet",
        prior: &null,
        planned: &planned,
        config,
    })
    .await
    .map_err(|e| e.to_string())
}

pub async fn destroy(p: &GpuProvider, state: &Value) {
    let null = null_fleet(p);
    p.apply(ApplyRequest {
        type_name: "gpu_fleet",
        prior: state,
        planned: &null,
        config: &null,
    })
    .await
    .expect("destroy");
}

pub fn json_of(v: &Value) -> J {
    value_to_json(v)
}

/// A client for moto itself, to look at and change what the provider
/// cannot see through the proxy.
pub fn aws(region: &str) -> Client {
    let endpoint = moto();
    let endpoints = ["ec2", "s3", "cloudwatch", "sts"]
        .iter()
        .map(|s| (s.to_string(), endpoint.clone()))
        .collect();
    Client::new(Config {
        region: region.into(),
        credentials: CredentialSource {
            access_key: Some("strata-test".into()),
            secret_key: Some("strata-test-secret".into()),
            ..Default::default()
        },
        endpoints,
        max_retries: 2,
        ..Default::default()
    })
    .expect("client")
}

pub fn ec2(region: &str, action: &str, params: &[(&str, &str)]) -> String {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    aws(region)
        .send(&Request::query_action("ec2", action, "2016-11-15", &params))
        .expect(action)
        .text()
}

/// The ids of the running or pending nodes tagged as fleet `name`.
pub fn live_nodes(region: &str, name: &str) -> Vec<String> {
    let text = ec2(
        region,
        "DescribeInstances",
        &[
            ("Filter.1.Name", "tag:strata:fleet"),
            ("Filter.1.Value.1", name),
            ("Filter.2.Name", "instance-state-name"),
            ("Filter.2.Value.1", "pending"),
            ("Filter.2.Value.2", "running"),
        ],
    );
    let doc = roxmltree::Document::parse(&text).expect("xml");
    let mut ids: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("instanceId"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// An x86_64 and an arm64 image moto has in every region.
pub const X86_IMAGE: &str = "ami-12c6146b";
pub const ARM_IMAGE: &str = "ami-0e9271c829888680e";
