//! The plugin client against real provider binaries: `hashicorp/aws`
//! 3.39.0 (protocol 5) and `local/workato` 0.16.0 (protocol 6), laid out by
//! `.ci/plugins` in the mirror STRATA_TEST_PLUGINS names; the AWS calls go
//! to the moto server STRATA_TEST_S3 names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use strata_provider::{ApplyRequest, Nesting, PlanRequest, Provider, Schema};
use strata_provider_plugin::{Package, PluginProvider, Timeouts};
use strata_types::{Kind, Type, Value};

fn mirror() -> PathBuf {
    PathBuf::from(std::env::var("STRATA_TEST_PLUGINS").expect(
        "STRATA_TEST_PLUGINS names the provider mirror; `.ci/run` (or `bash .ci/plugins`) lays it out",
    ))
}

fn moto() -> String {
    std::env::var("STRATA_TEST_S3").expect("STRATA_TEST_S3: the moto server `.ci/run` starts")
}

/// The aws binary of `version`, unpacked from the mirror's zip into `dir`.
fn aws_binary(version: &str, dir: &Path) -> PathBuf {
    let zip = mirror().join(format!(
        "registry.terraform.io/hashicorp/aws/terraform-provider-aws_{version}_linux_amd64.zip"
    ));
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(&zip).expect("zip")).expect("archive");
    archive.extract(dir).expect("extract");
    let entry = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("terraform-provider-aws")
        })
        .expect("binary");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o755)).unwrap();
    entry
}

fn aws_package(dir: &Path) -> Package {
    Package {
        name: "aws".into(),
        source: "registry.terraform.io/hashicorp/aws".into(),
        version: "3.39.0".into(),
        executable: aws_binary("3.39.0", dir),
    }
}

fn workato_package() -> Package {
    Package {
        name: "workato".into(),
        source: "registry.terraform.io/local/workato".into(),
        version: "0.16.0".into(),
        executable: mirror()
            .join("registry.terraform.io/local/workato/0.16.0/linux_amd64/terraform-provider-workato_v0.16.0"),
    }
}

fn object(pairs: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A configuration of `schema` that sets `set`: other attributes null,
/// blocks absent, as the engine hands configuration to a provider.
fn full(schema: &Schema, set: BTreeMap<String, Value>) -> Value {
    let mut out = BTreeMap::new();
    for (name, a) in &schema.attributes {
        out.insert(
            name.clone(),
            set.get(name)
                .cloned()
                .unwrap_or_else(|| Value::null(a.ty.clone())),
        );
    }
    for (name, b) in &schema.blocks {
        let inner = b.schema.object_type();
        let v = set.get(name).cloned().unwrap_or_else(|| match b.nesting {
            Nesting::List => Value::list(inner, vec![]),
            Nesting::Set => Value::set(inner, vec![]),
            _ => Value::null(inner),
        });
        out.insert(name.clone(), v);
    }
    Value::object(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn protocol_5_schema_of_the_real_aws_provider() {
    let dir = tempfile::tempdir().unwrap();
    let provider = PluginProvider::start(aws_package(dir.path()), Timeouts::default())
        .await
        .expect("aws 3.39.0 starts");
    assert_eq!(provider.protocol(), 5);
    // AutoMTLS: the plugin took the client certificate and serves TLS.
    assert_eq!(provider.encrypted(), Some(true));
    let schema = provider.schema();
    assert!(
        schema.resources.len() > 700,
        "{} resource types",
        schema.resources.len()
    );
    let bucket = &schema.resources["aws_s3_bucket"];
    assert_eq!(bucket.attributes["bucket"].ty, Type::String);
    assert!(bucket.attributes["arn"].computed);
    let versioning = &bucket.blocks["versioning"];
    assert_eq!(versioning.nesting, Nesting::List);
    assert_eq!(versioning.max_items, Some(1));
    assert!(schema.provider.attributes.contains_key("region"));
    provider.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn protocol_6_schema_of_a_framework_provider() {
    let provider = PluginProvider::start(workato_package(), Timeouts::default())
        .await
        .expect("workato 0.16.0 starts");
    assert_eq!(provider.protocol(), 6);
    assert_eq!(provider.encrypted(), Some(true));
    let schema = provider.schema();
    assert!(!schema.resources.is_empty());
    assert!(
        schema.resources.keys().all(|k| k.starts_with("workato_")),
        "{:?}",
        schema.resources.keys().collect::<Vec<_>>()
    );
    provider.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_through_the_real_aws_provider_against_moto() {
    let dir = tempfile::tempdir().unwrap();
    let provider = PluginProvider::start(aws_package(dir.path()), Timeouts::default())
        .await
        .unwrap();
    let schema = provider.schema();
    let endpoint = moto();
    let endpoints = &schema.provider.blocks["endpoints"].schema;
    let config = full(
        &schema.provider,
        object(vec![
            ("region", Value::string("us-east-1")),
            ("access_key", Value::string("test")),
            ("secret_key", Value::string("test")),
            ("skip_credentials_validation", Value::bool(true)),
            ("skip_requesting_account_id", Value::bool(true)),
            ("skip_metadata_api_check", Value::bool(true)),
            ("s3_force_path_style", Value::bool(true)),
            (
                "endpoints",
                Value::set(
                    endpoints.object_type(),
                    vec![full(
                        endpoints,
                        object(vec![
                            ("s3", Value::string(endpoint.clone())),
                            ("sts", Value::string(endpoint.clone())),
                        ]),
                    )],
                ),
            ),
        ]),
    );
    provider.configure(&config).await.expect("configure");
    let bucket = &schema.resources["aws_s3_bucket"];
    let ty = bucket.object_type();
    let name = format!("plugin-test-{}", std::process::id());
    let cfg = full(
        bucket,
        object(vec![
            ("bucket", Value::string(name.clone())),
            ("force_destroy", Value::bool(true)),
        ]),
    );
    let null = Value::null(ty.clone());
    let planned = provider
        .plan(PlanRequest {
            type_name: "aws_s3_bucket",
            prior: &null,
            proposed: &cfg,
            config: &cfg,
        })
        .await
        .expect("plan");
    let arn = strata_provider::attr(&planned.planned, "arn").unwrap();
    assert!(arn.is_unknown(), "arn is known only after apply: {arn:?}");
    let created = provider
        .apply(ApplyRequest {
            type_name: "aws_s3_bucket",
            prior: &null,
            planned: &planned.planned,
            config: &cfg,
        })
        .await
        .expect("apply");
    assert_eq!(
        strata_provider::attr_str(&created, "id"),
        Some(name.as_str())
    );
    assert_eq!(
        strata_provider::attr_str(&created, "arn"),
        Some(format!("arn:aws:s3:::{name}").as_str())
    );
    let read = provider
        .read("aws_s3_bucket", &created)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        strata_provider::attr(&read, "bucket"),
        strata_provider::attr(&created, "bucket")
    );
    // No change planned over the state the provider just read.
    let again = provider
        .plan(PlanRequest {
            type_name: "aws_s3_bucket",
            prior: &read,
            proposed: &read,
            config: &cfg,
        })
        .await
        .expect("re-plan");
    assert!(again.requires_replace.is_empty());
    let deleted = provider
        .apply(ApplyRequest {
            type_name: "aws_s3_bucket",
            prior: &read,
            planned: &null,
            config: &null,
        })
        .await
        .expect("delete");
    assert!(matches!(deleted.kind, Kind::Null(_)));
    assert!(provider
        .read("aws_s3_bucket", &read)
        .await
        .expect("read after delete")
        .is_none());
    provider.shutdown().await;
}
