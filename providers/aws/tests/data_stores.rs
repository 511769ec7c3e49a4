//! S3 and DynamoDB resources against moto: the conformance suite, import,
//! and an object edited outside Strata.

mod common;

use common::*;
use serde_json::json;
use strata_provider::conformance::{run, Case};
use strata_provider::{PlanRequest, Provider};

#[tokio::test(flavor = "multi_thread")]
async fn data_store_resources_conform() {
    let p = provider().await;
    let bucket = create(&p, "aws_s3_bucket", json!({"bucket": unique("datasets")})).await;
    let cases = vec![
        Case {
            type_name: "aws_s3_bucket",
            create: config(
                &p,
                "aws_s3_bucket",
                json!({"bucket": unique("ckpt"), "tags": {"Name": "checkpoints"}}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket",
                json!({"bucket": unique("ckpt"), "force_destroy": true, "tags": {"Name": "checkpoints", "tier": "hot"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_bucket",
            create: config(
                &p,
                "aws_s3_bucket",
                json!({"bucket": unique("audit"), "object_lock_enabled": true}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket",
                json!({"bucket": unique("audit"), "object_lock_enabled": true, "tags": {"retention": "7y"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_bucket_versioning",
            create: config(
                &p,
                "aws_s3_bucket_versioning",
                json!({"bucket": id(&bucket), "versioning_configuration": [{"status": "Enabled"}]}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_versioning",
                json!({"bucket": id(&bucket), "versioning_configuration": [{"status": "Suspended"}]}),
            )),
            read_detects_delete: false,
        },
        Case {
            type_name: "aws_s3_object",
            create: config(
                &p,
                "aws_s3_object",
                json!({"bucket": id(&bucket), "key": "configs/train.yaml", "content": "epochs: 10\n", "content_type": "text/yaml"}),
            ),
            update: Some(config(
                &p,
                "aws_s3_object",
                json!({"bucket": id(&bucket), "key": "configs/train.yaml", "content": "epochs: 20\n", "content_type": "text/yaml", "tags": {"run": "2"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_object",
            create: config(
                &p,
                "aws_s3_object",
                json!({
                    "bucket": id(&bucket), "key": "configs/eval.yaml", "content": "split: test\n",
                    "content_type": "text/yaml", "cache_control": "max-age=60",
                    "metadata": {"run": "1"}, "storage_class": "STANDARD_IA", "acl": "private",
                    "server_side_encryption": "AES256",
                }),
            ),
            update: Some(config(
                &p,
                "aws_s3_object",
                json!({
                    "bucket": id(&bucket), "key": "configs/eval.yaml", "content": "split: test\n",
                    "content_type": "text/yaml", "content_disposition": "attachment",
                    "metadata": {"run": "2", "owner": "ml"}, "storage_class": "STANDARD",
                    "server_side_encryption": "AES256",
                }),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_dynamodb_table",
            create: config(
                &p,
                "aws_dynamodb_table",
                json!({
                    "name": unique("runs"), "hash_key": "run_id", "billing_mode": "PAY_PER_REQUEST",
                    "attribute": [{"name": "run_id", "type": "S"}],
                }),
            ),
            update: Some(config(
                &p,
                "aws_dynamodb_table",
                json!({
                    "name": unique("runs"), "hash_key": "run_id", "billing_mode": "PROVISIONED",
                    "read_capacity": 5, "write_capacity": 2,
                    "attribute": [{"name": "run_id", "type": "S"}], "tags": {"team": "ml"},
                }),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_object_edited_outside_is_planned_back() {
    let p = provider().await;
    let bucket = create(
        &p,
        "aws_s3_bucket",
        json!({"bucket": unique("drift-bucket"), "force_destroy": true}),
    )
    .await;
    let cfg_json =
        json!({"bucket": id(&bucket), "key": "model/config.json", "content": "{\"layers\": 48}"});
    let object = create(&p, "aws_s3_object", cfg_json.clone()).await;
    let imported = p
        .import(
            "aws_s3_object",
            &format!("{}/model/config.json", id(&bucket)),
        )
        .await
        .expect("import");
    assert_eq!(json_of(&imported)["etag"], json_of(&object)["etag"]);
    // Overwrite the object behind Strata's back.
    let client = raw_client();
    client
        .send(
            &strata_aws_client::Request::new(
                "s3",
                "PUT",
                format!("/{}/model/config.json", id(&bucket)),
            )
            .body("{\"layers\": 2}"),
        )
        .unwrap();
    let fresh = p
        .read("aws_s3_object", &object)
        .await
        .unwrap()
        .expect("exists");
    assert_ne!(json_of(&fresh)["etag"], json_of(&object)["etag"]);
    let cfg = config(&p, "aws_s3_object", cfg_json);
    let plan = p
        .plan(PlanRequest {
            type_name: "aws_s3_object",
            prior: &fresh,
            proposed: &cfg,
            config: &cfg,
        })
        .await
        .unwrap();
    assert_eq!(json_of(&plan.planned)["content"], "{\"layers\": 48}");
    assert!(
        !plan.planned.is_wholly_known(),
        "a new etag is only known after the upload"
    );
    // Deleting a bucket with force_destroy empties it first.
    let null = strata_types::Value::null(p.schema().resources["aws_s3_bucket"].object_type());
    p.apply(strata_provider::ApplyRequest {
        type_name: "aws_s3_bucket",
        prior: &bucket,
        planned: &null,
        config: &null,
    })
    .await
    .expect("force_destroy deletes a bucket with objects");
    assert!(p.read("aws_s3_bucket", &bucket).await.unwrap().is_none());
}

/// An FSx for Lustre file system over a dataset bucket through the
/// conformance suite (moto has no UpdateFileSystem: the update case
/// changes tags).
#[tokio::test(flavor = "multi_thread")]
async fn lustre_file_systems_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.48.0.0/16"})).await;
    let subnet = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": id(&vpc), "cidr_block": "10.48.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let bucket = create(
        &p,
        "aws_s3_bucket",
        json!({"bucket": unique("lustre-data")}),
    )
    .await;
    let lustre = |tags: serde_json::Value| {
        json!({
            "storage_capacity": 1200, "subnet_ids": [id(&subnet)], "deployment_type": "SCRATCH_2",
            "import_path": format!("s3://{}/train", id(&bucket)), "tags": tags,
        })
    };
    let cases = vec![Case {
        type_name: "aws_fsx_lustre_file_system",
        create: config(
            &p,
            "aws_fsx_lustre_file_system",
            lustre(json!({"team": "ml"})),
        ),
        update: Some(config(
            &p,
            "aws_fsx_lustre_file_system",
            lustre(json!({"team": "ml", "tier": "scratch"})),
        )),
        read_detects_delete: true,
    }];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
