//! The bucket settings terraform-aws-s3-bucket manages as resources of
//! their own (CORS, acceleration, website, object lock, notifications,
//! ACLs) against moto: the conformance suite, then what each leaves on
//! the bucket.

mod common;

use common::*;
use serde_json::json;
use strata_provider::conformance::{run, Case};
use strata_provider::Provider;

#[tokio::test(flavor = "multi_thread")]
async fn bucket_features_conform() {
    let p = provider().await;
    let bucket = |tag: &str| unique(tag).to_lowercase();
    let mut buckets = Vec::new();
    for (tag, locked) in [
        ("cors", false),
        ("fast", false),
        ("site", false),
        ("lock", true),
        ("events", false),
        ("acl", false),
        ("acl2", false),
    ] {
        let name = bucket(tag);
        create(
            &p,
            "aws_s3_bucket",
            json!({"bucket": name, "object_lock_enabled": locked}),
        )
        .await;
        buckets.push(name);
    }
    let queue = create(&p, "aws_sqs_queue", json!({"name": unique("uploads")})).await;
    let queue_arn = json_of(&queue)["arn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let owner = p
        .read_data_source(
            "aws_canonical_user_id",
            &data_config(&p, "aws_canonical_user_id", json!({})),
        )
        .await
        .expect("canonical user id");
    assert!(
        !json_of(&owner)["id"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "the account's canonical user id"
    );
    // The bucket's owner as its ACL names it (moto's ListBuckets names
    // another).
    let acl = raw_client()
        .send(
            &strata_aws_client::Request::new("s3", "GET", format!("/{}", buckets[6]))
                .query("acl", ""),
        )
        .expect("GetBucketAcl")
        .text();
    let owner_id = acl
        .split("<ID>")
        .nth(1)
        .and_then(|rest| rest.split("</ID>").next())
        .unwrap_or_default()
        .to_string();
    let cases = vec![
        Case {
            type_name: "aws_s3_bucket_cors_configuration",
            create: config(
                &p,
                "aws_s3_bucket_cors_configuration",
                json!({"bucket": buckets[0], "cors_rule": [{"allowed_methods": ["GET"], "allowed_origins": ["*"]}]}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_cors_configuration",
                json!({"bucket": buckets[0], "cors_rule": [
                    {"id": "upload", "allowed_headers": ["*"], "allowed_methods": ["PUT", "POST"], "allowed_origins": ["https://labeling.example.com"], "expose_headers": ["ETag"], "max_age_seconds": 3000},
                    {"allowed_methods": ["GET"], "allowed_origins": ["*"]}
                ]}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_bucket_accelerate_configuration",
            create: config(
                &p,
                "aws_s3_bucket_accelerate_configuration",
                json!({"bucket": buckets[1], "status": "Enabled"}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_accelerate_configuration",
                json!({"bucket": buckets[1], "status": "Suspended"}),
            )),
            // Deleting suspends it: S3 keeps a status.
            read_detects_delete: false,
        },
        Case {
            type_name: "aws_s3_bucket_website_configuration",
            create: config(
                &p,
                "aws_s3_bucket_website_configuration",
                json!({"bucket": buckets[2], "index_document": [{"suffix": "index.html"}]}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_website_configuration",
                json!({"bucket": buckets[2], "index_document": [{"suffix": "index.html"}], "error_document": [{"key": "error.html"}],
                       "routing_rule": [{"condition": [{"key_prefix_equals": "docs/"}], "redirect": [{"replace_key_prefix_with": "documents/"}]}]}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_bucket_object_lock_configuration",
            create: config(
                &p,
                "aws_s3_bucket_object_lock_configuration",
                json!({"bucket": buckets[3], "rule": [{"default_retention": [{"mode": "GOVERNANCE", "days": 5}]}]}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_object_lock_configuration",
                json!({"bucket": buckets[3], "rule": [{"default_retention": [{"mode": "COMPLIANCE", "years": 1}]}]}),
            )),
            // Object lock cannot be turned off; its default retention goes.
            read_detects_delete: false,
        },
        Case {
            type_name: "aws_s3_bucket_notification",
            create: config(
                &p,
                "aws_s3_bucket_notification",
                json!({"bucket": buckets[4], "queue": [{"queue_arn": queue_arn, "events": ["s3:ObjectCreated:*"], "filter_prefix": "raw/"}]}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_notification",
                json!({"bucket": buckets[4], "queue": [{"id": "new-shards", "queue_arn": queue_arn, "events": ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"], "filter_suffix": ".parquet"}]}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_bucket_acl",
            create: config(
                &p,
                "aws_s3_bucket_acl",
                json!({"bucket": buckets[5], "acl": "private"}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_acl",
                json!({"bucket": buckets[5], "acl": "log-delivery-write"}),
            )),
            // S3 has no bucket without an ACL: destroying forgets it.
            read_detects_delete: false,
        },
        Case {
            type_name: "aws_s3_bucket_acl",
            create: config(
                &p,
                "aws_s3_bucket_acl",
                json!({"bucket": buckets[6], "access_control_policy": [{
                    "owner": [{"id": owner_id}],
                    "grant": [{"permission": "FULL_CONTROL", "grantee": [{"type": "CanonicalUser", "id": owner_id}]}],
                }]}),
            ),
            update: None,
            read_detects_delete: false,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Replication between two versioned buckets: the rule and its
/// destination's nested blocks (storage class, replication time, metrics)
/// are written and read back unchanged. The filter and delete-marker
/// setting are the ones moto reports whatever it is sent (an empty prefix,
/// delete markers not replicated), so only those are checked.
#[tokio::test(flavor = "multi_thread")]
async fn replication_conforms() {
    let p = provider().await;
    let mut buckets = Vec::new();
    for tag in ["source", "replica"] {
        let name = unique(tag).to_lowercase();
        create(&p, "aws_s3_bucket", json!({"bucket": name})).await;
        create(
            &p,
            "aws_s3_bucket_versioning",
            json!({"bucket": name, "versioning_configuration": [{"status": "Enabled"}]}),
        )
        .await;
        buckets.push(name);
    }
    let role = create(
        &p,
        "aws_iam_role",
        json!({"name": unique("replication"), "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}),
    )
    .await;
    let role_arn = json_of(&role)["arn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let replica = format!("arn:aws:s3:::{}", buckets[1]);
    let cases = vec![Case {
        type_name: "aws_s3_bucket_replication_configuration",
        create: config(
            &p,
            "aws_s3_bucket_replication_configuration",
            json!({"bucket": buckets[0], "role": role_arn, "rule": [{
                "id": "checkpoints", "priority": 1, "status": "Enabled",
                "filter": [{"prefix": ""}],
                "delete_marker_replication": [{"status": "Disabled"}],
                "destination": [{"bucket": replica, "storage_class": "STANDARD_IA"}],
            }]}),
        ),
        update: Some(config(
            &p,
            "aws_s3_bucket_replication_configuration",
            json!({"bucket": buckets[0], "role": role_arn, "rule": [{
                "id": "checkpoints", "priority": 1, "status": "Enabled",
                "filter": [{"prefix": ""}],
                "delete_marker_replication": [{"status": "Disabled"}],
                "destination": [{"bucket": replica, "storage_class": "GLACIER",
                    "replication_time": [{"status": "Enabled", "time": [{"minutes": 15}]}],
                    "metrics": [{"status": "Enabled", "event_threshold": [{"minutes": 15}]}]}],
            }]}),
        )),
        read_detects_delete: true,
    }];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Lifecycle rules as data lakes write them: by prefix, by tags and size,
/// transitions to colder classes, old versions and unfinished uploads
/// expiring.
#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_rules_conform() {
    let p = provider().await;
    let name = unique("lake").to_lowercase();
    create(&p, "aws_s3_bucket", json!({"bucket": name})).await;
    let cases = vec![Case {
        type_name: "aws_s3_bucket_lifecycle_configuration",
        create: config(
            &p,
            "aws_s3_bucket_lifecycle_configuration",
            json!({"bucket": name, "rule": [
                {"id": "everything", "status": "Enabled",
                 "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}]},
                {"id": "raw", "status": "Enabled", "filter": [{"prefix": "raw/"}],
                 "transition": [{"days": 30, "storage_class": "STANDARD_IA"}, {"days": 90, "storage_class": "GLACIER"}],
                 "expiration": [{"days": 365}]},
            ]}),
        ),
        update: Some(config(
            &p,
            "aws_s3_bucket_lifecycle_configuration",
            json!({"bucket": name, "rule": [
                {"id": "everything", "status": "Enabled",
                 "abort_incomplete_multipart_upload": [{"days_after_initiation": 3}],
                 "noncurrent_version_expiration": [{"noncurrent_days": 30, "newer_noncurrent_versions": 2}],
                 "noncurrent_version_transition": [{"noncurrent_days": 7, "storage_class": "GLACIER_IR"}]},
                {"id": "checkpoints", "status": "Disabled",
                 "filter": [{"and": [{"prefix": "ckpt/", "tags": {"keep": "false"}, "object_size_greater_than": 1024}]}],
                 "expiration": [{"days": 14}]},
                {"id": "scratch", "status": "Enabled",
                 "filter": [{"tag": [{"key": "scratch", "value": "true"}]}],
                 "expiration": [{"days": 1}]},
            ]}),
        )),
        read_detects_delete: true,
    }];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
