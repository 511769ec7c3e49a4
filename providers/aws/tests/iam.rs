//! IAM resources against moto: the conformance suite, import, and drift.

mod common;

use common::*;
use serde_json::json;
use strata_provider::conformance::{run, Case};
use strata_provider::Provider;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const TRUST_SAGEMAKER: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}"#;
const READ_DATASETS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::datasets/*"]}]}"#;
const WRITE_CHECKPOINTS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::checkpoints/*"]}]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn iam_resources_conform() {
    let p = provider().await;
    let role = create(
        &p,
        "aws_iam_role",
        json!({"name": unique("base-role"), "assume_role_policy": TRUST}),
    )
    .await;
    let role2 = create(
        &p,
        "aws_iam_role",
        json!({"name": unique("base-role2"), "assume_role_policy": TRUST}),
    )
    .await;
    let policy = create(
        &p,
        "aws_iam_policy",
        json!({"name": unique("base-policy"), "policy": READ_DATASETS}),
    )
    .await;
    let policy2 = create(
        &p,
        "aws_iam_policy",
        json!({"name": unique("base-policy2"), "policy": READ_DATASETS}),
    )
    .await;
    let shared = create(
        &p,
        "aws_iam_policy",
        json!({"name": unique("shared-policy"), "policy": READ_DATASETS}),
    )
    .await;
    let cases = vec![
        Case {
            type_name: "aws_iam_policy_attachment",
            create: config(
                &p,
                "aws_iam_policy_attachment",
                json!({"name": unique("datasets-readers"), "policy_arn": id(&shared), "roles": [id(&role)]}),
            ),
            update: Some(config(
                &p,
                "aws_iam_policy_attachment",
                json!({"name": unique("datasets-readers"), "policy_arn": id(&shared), "roles": [id(&role2)]}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_iam_role",
            create: config(
                &p,
                "aws_iam_role",
                json!({"name": unique("trainer"), "assume_role_policy": TRUST, "description": "", "permissions_boundary": "", "tags": {"team": "ml"}}),
            ),
            update: Some(config(
                &p,
                "aws_iam_role",
                json!({"name": unique("trainer"), "assume_role_policy": TRUST_SAGEMAKER, "description": "training jobs", "max_session_duration": 7200, "tags": {"team": "ml-platform"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_iam_policy",
            create: config(
                &p,
                "aws_iam_policy",
                json!({"name": unique("datasets"), "policy": READ_DATASETS}),
            ),
            update: Some(config(
                &p,
                "aws_iam_policy",
                json!({"name": unique("datasets"), "policy": WRITE_CHECKPOINTS, "tags": {"Name": "ckpt"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_iam_role_policy_attachment",
            create: config(
                &p,
                "aws_iam_role_policy_attachment",
                json!({"role": id(&role), "policy_arn": id(&policy)}),
            ),
            update: Some(config(
                &p,
                "aws_iam_role_policy_attachment",
                json!({"role": id(&role), "policy_arn": id(&policy2)}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_iam_instance_profile",
            create: config(
                &p,
                "aws_iam_instance_profile",
                json!({"name": unique("gpu-profile"), "role": id(&role)}),
            ),
            update: Some(config(
                &p,
                "aws_iam_instance_profile",
                json!({"name": unique("gpu-profile"), "role": id(&role2), "tags": {"a": "b"}}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Import by name reads the role as created, its document as written.
    let imported = p.import("aws_iam_role", &id(&role)).await.expect("import");
    let j = json_of(&imported);
    assert_eq!(j["arn"], json_of(&role)["arn"]);
    let doc: serde_json::Value =
        serde_json::from_str(j["assume_role_policy"].as_str().unwrap()).unwrap();
    assert_eq!(
        doc,
        serde_json::from_str::<serde_json::Value>(TRUST).unwrap()
    );
}

/// `name_prefix`: the name is the prefix and 26 digits, known after apply.
/// An empty description or permissions boundary is the same as none, as
/// in the AWS provider: AWS reads them back as absent, and neither a
/// refresh nor a plan shows a change.
#[tokio::test(flavor = "multi_thread")]
async fn empty_arguments_are_left_out() {
    let p = provider().await;
    let j = json!({"name": unique("blank-role"), "assume_role_policy": TRUST, "description": "", "permissions_boundary": ""});
    let created = create(&p, "aws_iam_role", j.clone()).await;
    let read = p
        .read("aws_iam_role", &created)
        .await
        .expect("read")
        .expect("the role exists");
    assert_eq!(json_of(&read)["description"], json!(""));
    assert_eq!(json_of(&read)["permissions_boundary"], json!(""));
    assert_eq!(json_of(&read), json_of(&created), "no drift on refresh");
    let cfg = config(&p, "aws_iam_role", j);
    let plan = p
        .plan(strata_provider::PlanRequest {
            type_name: "aws_iam_role",
            prior: &read,
            proposed: &strata_core::proposed_new(
                &p.schema().resources["aws_iam_role"],
                &read,
                &cfg,
            ),
            config: &cfg,
        })
        .await
        .expect("plan");
    assert_eq!(json_of(&plan.planned), json_of(&read), "no change planned");
}

#[tokio::test(flavor = "multi_thread")]
async fn names_from_a_prefix() {
    let p = provider().await;
    let role = json_of(
        &create(
            &p,
            "aws_iam_role",
            json!({"name_prefix": "trainer-", "assume_role_policy": TRUST}),
        )
        .await,
    );
    let name = role["name"].as_str().unwrap();
    assert!(name.starts_with("trainer-"), "{name}");
    assert_eq!(name.len(), "trainer-".len() + 26, "{name}");
    assert!(
        name["trainer-".len()..].chars().all(|c| c.is_ascii_digit()),
        "{name}"
    );
    assert_eq!(role["name_prefix"], "trainer-");
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.47.0.0/16"})).await;
    let group = json_of(
        &create(
            &p,
            "aws_security_group",
            json!({"name_prefix": "workers-", "vpc_id": id(&vpc)}),
        )
        .await,
    );
    assert!(
        group["name"].as_str().unwrap().starts_with("workers-"),
        "{group}"
    );
    // A planned create leaves the name to apply.
    let config = config(
        &p,
        "aws_iam_role",
        json!({"name_prefix": "trainer-", "assume_role_policy": TRUST}),
    );
    let null = strata_types::Value::null(p.schema().resources["aws_iam_role"].object_type());
    let planned = p
        .plan(strata_provider::PlanRequest {
            type_name: "aws_iam_role",
            prior: &null,
            proposed: &config,
            config: &config,
        })
        .await
        .unwrap()
        .planned;
    assert!(!strata_provider::attr(&planned, "name")
        .unwrap()
        .is_wholly_known());
}

/// OpenID Connect providers, permissions boundaries, bucket names from a
/// prefix, ownership controls and access logging through the conformance
/// suite.
#[tokio::test(flavor = "multi_thread")]
async fn identity_providers_and_boundaries_conform() {
    let p = provider().await;
    let boundary = create(
        &p,
        "aws_iam_policy",
        json!({"name": unique("boundary"), "policy": READ_DATASETS}),
    )
    .await;
    let bucket = create(&p, "aws_s3_bucket", json!({"bucket_prefix": "ckpt-"})).await;
    assert!(id(&bucket).starts_with("ckpt-"), "{}", id(&bucket));
    // Access logs go to a bucket whose policy lets the logging service
    // write (S3 refuses a target without it).
    let logs = create(&p, "aws_s3_bucket", json!({"bucket_prefix": "logs-"})).await;
    let log_policy = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": ["s3:PutObject"],
        "Resource": format!("arn:aws:s3:::{}/*", id(&logs)),
    }]});
    create(
        &p,
        "aws_s3_bucket_policy",
        json!({"bucket": id(&logs), "policy": log_policy.to_string()}),
    )
    .await;
    let issuer = format!(
        "https://oidc.eks.us-east-1.amazonaws.com/id/{}",
        unique("cluster").to_uppercase()
    );
    let cases = vec![
        Case {
            type_name: "aws_iam_openid_connect_provider",
            create: config(
                &p,
                "aws_iam_openid_connect_provider",
                json!({"url": issuer, "client_id_list": ["sts.amazonaws.com"], "thumbprint_list": ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]}),
            ),
            update: Some(config(
                &p,
                "aws_iam_openid_connect_provider",
                // moto does not implement adding or removing client ids.
                json!({"url": issuer, "client_id_list": ["sts.amazonaws.com"], "thumbprint_list": ["06b25927c42a721631c1efd9431e648fa62e1e39"], "tags": {"team": "ml"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_iam_role",
            create: config(
                &p,
                "aws_iam_role",
                json!({"name": unique("bounded"), "assume_role_policy": TRUST, "permissions_boundary": id(&boundary)}),
            ),
            update: Some(config(
                &p,
                "aws_iam_role",
                json!({"name": unique("bounded"), "assume_role_policy": TRUST}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_bucket_ownership_controls",
            create: config(
                &p,
                "aws_s3_bucket_ownership_controls",
                json!({"bucket": id(&bucket), "rule": [{"object_ownership": "BucketOwnerPreferred"}]}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_ownership_controls",
                json!({"bucket": id(&bucket), "rule": [{"object_ownership": "BucketOwnerEnforced"}]}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_bucket_logging",
            create: config(
                &p,
                "aws_s3_bucket_logging",
                json!({"bucket": id(&bucket), "target_bucket": id(&logs), "target_prefix": "access/"}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_logging",
                // moto takes the key format (and does not keep it).
                json!({"bucket": id(&bucket), "target_bucket": id(&logs), "target_prefix": "access-2/",
                       "target_object_key_format": [{"partitioned_prefix": [{"partition_date_source": "EventTime"}]}]}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
