//! Clusters and ML services against moto: EKS with a GPU node group, EMR
//! for Spark, a SageMaker endpoint, Batch; the conformance suite each.

mod common;

use common::*;
use serde_json::json;
use strata_provider::conformance::{run, Case};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["eks.amazonaws.com","ec2.amazonaws.com","sagemaker.amazonaws.com","batch.amazonaws.com","elasticmapreduce.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn ml_resources_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.80.0.0/16"})).await;
    let a = create(&p, "aws_subnet", json!({"vpc_id": id(&vpc), "cidr_block": "10.80.1.0/24", "availability_zone": "us-east-1a"})).await;
    let b = create(&p, "aws_subnet", json!({"vpc_id": id(&vpc), "cidr_block": "10.80.2.0/24", "availability_zone": "us-east-1b"})).await;
    let role = create(
        &p,
        "aws_iam_role",
        json!({"name": unique("ml-role"), "assume_role_policy": TRUST}),
    )
    .await;
    let profile = create(
        &p,
        "aws_iam_instance_profile",
        json!({"name": unique("ml-profile"), "role": id(&role)}),
    )
    .await;
    let role_arn = json_of(&role)["arn"].as_str().unwrap().to_string();
    let spark_steps = serde_json::json!([
        {"name": "prepare", "action_on_failure": "TERMINATE_CLUSTER", "hadoop_jar_step": [{
            "jar": "command-runner.jar",
            "args": ["spark-submit", "--deploy-mode", "cluster", "s3://jobs/prepare.py"],
        }]},
        {"name": "features", "action_on_failure": "CONTINUE", "hadoop_jar_step": [{
            "jar": "s3://jobs/features.jar", "main_class": "ml.Features",
            "args": ["--date", "2026-11-30"], "properties": {"spark.executor.memory": "8g"},
        }]},
    ]);
    let cluster = create(
        &p,
        "aws_eks_cluster",
        json!({
            "name": unique("base-eks"), "role_arn": role_arn,
            "vpc_config": [{"subnet_ids": [id(&a), id(&b)]}],
        }),
    )
    .await;
    let model = create(
        &p,
        "aws_sagemaker_model",
        json!({
            "name": unique("base-model"), "execution_role_arn": role_arn,
            "primary_container": [{"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/llm:1"}],
        }),
    )
    .await;
    let config_a = create(&p, "aws_sagemaker_endpoint_configuration", json!({
        "name": unique("base-config-a"),
        "production_variants": [{"variant_name": "main", "model_name": id(&model), "initial_instance_count": 1, "instance_type": "ml.g4dn.xlarge"}],
    })).await;
    let sg = create(
        &p,
        "aws_security_group",
        json!({"name": unique("batch-sg"), "vpc_id": id(&vpc)}),
    )
    .await;
    let ce = create(&p, "aws_batch_compute_environment", json!({
        "compute_environment_name": unique("base-ce"), "type": "MANAGED", "service_role": role_arn,
        "compute_resources": [{"type": "EC2", "max_vcpus": 16, "min_vcpus": 0, "instance_type": ["g5.xlarge"], "subnets": [id(&a)], "security_group_ids": [id(&sg)], "instance_role": json_of(&profile)["arn"]}],
    })).await;
    let cases = vec![
        Case {
            type_name: "aws_eks_cluster",
            create: config(
                &p,
                "aws_eks_cluster",
                json!({"name": unique("eks"), "role_arn": role_arn, "vpc_config": [{"subnet_ids": [id(&a), id(&b)]}], "tags": {"team": "ml"}}),
            ),
            update: Some(config(
                &p,
                "aws_eks_cluster",
                json!({"name": unique("eks"), "role_arn": role_arn, "vpc_config": [{"subnet_ids": [id(&a), id(&b)]}], "tags": {"team": "ml-platform"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_eks_node_group",
            create: config(
                &p,
                "aws_eks_node_group",
                json!({
                    "cluster_name": id(&cluster), "node_group_name": "gpu", "node_role_arn": role_arn,
                    "subnet_ids": [id(&a), id(&b)], "instance_types": ["g5.12xlarge"], "ami_type": "AL2_x86_64_GPU",
                    "scaling_config": [{"desired_size": 1, "min_size": 0, "max_size": 4}],
                    "labels": {"accelerator": "nvidia-a10g"},
                    "taint": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
                }),
            ),
            update: Some(config(
                &p,
                "aws_eks_node_group",
                json!({
                    "cluster_name": id(&cluster), "node_group_name": "gpu", "node_role_arn": role_arn,
                    "subnet_ids": [id(&a), id(&b)], "instance_types": ["g5.12xlarge"], "ami_type": "AL2_x86_64_GPU",
                    "scaling_config": [{"desired_size": 3, "min_size": 1, "max_size": 8}],
                    "labels": {"accelerator": "nvidia-a10g", "pool": "training"},
                    "taint": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
                    "tags": {"team": "ml"},
                }),
            )),
            read_detects_delete: true,
        },
        // A transient Spark cluster: it runs its steps, then terminates.
        Case {
            type_name: "aws_emr_cluster",
            create: config(
                &p,
                "aws_emr_cluster",
                json!({
                    "name": unique("spark"), "release_label": "emr-7.1.0", "applications": ["Spark", "Hadoop"],
                    "service_role": role_arn,
                    "ec2_attributes": [{"subnet_id": id(&a), "instance_profile": id(&profile)}],
                    "master_instance_group": [{"instance_type": "m5.xlarge"}],
                    "core_instance_group": [{"instance_type": "r5.2xlarge", "instance_count": 2}],
                    "keep_job_flow_alive_when_no_steps": false,
                    "step": spark_steps.clone(),
                }),
            ),
            update: Some(config(
                &p,
                "aws_emr_cluster",
                json!({
                    "name": unique("spark"), "release_label": "emr-7.1.0", "applications": ["Spark", "Hadoop"],
                    "service_role": role_arn,
                    "ec2_attributes": [{"subnet_id": id(&a), "instance_profile": id(&profile)}],
                    "master_instance_group": [{"instance_type": "m5.xlarge"}],
                    "core_instance_group": [{"instance_type": "r5.2xlarge", "instance_count": 4}],
                    "keep_job_flow_alive_when_no_steps": false,
                    "step": spark_steps,
                    "tags": {"job": "etl"},
                }),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_sagemaker_model",
            create: config(
                &p,
                "aws_sagemaker_model",
                json!({"name": unique("model"), "execution_role_arn": role_arn, "primary_container": [{"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/llm:1", "environment": {"MAX_BATCH": "8"}}]}),
            ),
            update: Some(config(
                &p,
                "aws_sagemaker_model",
                json!({"name": unique("model"), "execution_role_arn": role_arn, "primary_container": [{"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/llm:2"}], "tags": {"v": "2"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_sagemaker_endpoint_configuration",
            create: config(
                &p,
                "aws_sagemaker_endpoint_configuration",
                json!({"name": unique("config"), "production_variants": [{"variant_name": "main", "model_name": id(&model), "initial_instance_count": 1, "instance_type": "ml.g4dn.xlarge"}]}),
            ),
            update: Some(config(
                &p,
                "aws_sagemaker_endpoint_configuration",
                json!({"name": unique("config"), "production_variants": [{"variant_name": "main", "model_name": id(&model), "initial_instance_count": 1, "instance_type": "ml.g4dn.xlarge"}], "tags": {"a": "b"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_sagemaker_endpoint",
            create: config(
                &p,
                "aws_sagemaker_endpoint",
                json!({"name": unique("endpoint"), "endpoint_config_name": id(&config_a)}),
            ),
            // moto 5.2 does not implement UpdateEndpoint: a tag change here.
            update: Some(config(
                &p,
                "aws_sagemaker_endpoint",
                json!({"name": unique("endpoint"), "endpoint_config_name": id(&config_a), "tags": {"stage": "prod"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_batch_compute_environment",
            create: config(
                &p,
                "aws_batch_compute_environment",
                json!({
                    "compute_environment_name": unique("gpu-ce"), "type": "MANAGED", "service_role": role_arn,
                    "compute_resources": [{"type": "EC2", "max_vcpus": 64, "min_vcpus": 0, "instance_type": ["p4d.24xlarge"], "subnets": [id(&a)], "security_group_ids": [id(&sg)], "instance_role": json_of(&profile)["arn"]}],
                }),
            ),
            update: Some(config(
                &p,
                "aws_batch_compute_environment",
                json!({
                    "compute_environment_name": unique("gpu-ce"), "type": "MANAGED", "service_role": role_arn,
                    "compute_resources": [{"type": "EC2", "max_vcpus": 128, "min_vcpus": 0, "instance_type": ["p4d.24xlarge"], "subnets": [id(&a)], "security_group_ids": [id(&sg)], "instance_role": json_of(&profile)["arn"]}],
                    "tags": {"team": "ml"},
                }),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_batch_job_queue",
            create: config(
                &p,
                "aws_batch_job_queue",
                json!({"name": unique("queue"), "state": "ENABLED", "priority": 1, "compute_environment_order": [{"order": 1, "compute_environment": json_of(&ce)["arn"]}]}),
            ),
            update: Some(config(
                &p,
                "aws_batch_job_queue",
                json!({"name": unique("queue"), "state": "ENABLED", "priority": 5, "compute_environment_order": [{"order": 1, "compute_environment": json_of(&ce)["arn"]}], "tags": {"a": "b"}}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// moto keeps MSK clusters CREATING for ever, so a create (which waits for
/// ACTIVE) cannot finish against it, and it answers a read of a deleted
/// cluster with HTTP 500 instead of 404, so a delete cannot see it gone:
/// a cluster made through the API is imported, read and planned against.
#[tokio::test(flavor = "multi_thread")]
async fn msk_cluster_imports_and_reads() {
    use strata_provider::{PlanRequest, Provider};
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.85.0.0/16"})).await;
    let a = create(&p, "aws_subnet", json!({"vpc_id": id(&vpc), "cidr_block": "10.85.1.0/24", "availability_zone": "us-east-1a"})).await;
    let b = create(&p, "aws_subnet", json!({"vpc_id": id(&vpc), "cidr_block": "10.85.2.0/24", "availability_zone": "us-east-1b"})).await;
    let sg = create(
        &p,
        "aws_security_group",
        json!({"name": unique("kafka"), "vpc_id": id(&vpc)}),
    )
    .await;
    let client = raw_client();
    let made = client
        .send(
            &strata_aws_client::Request::new("kafka", "POST", "/v1/clusters")
                .header("content-type", "application/json")
                .body(
                    json!({
                        "clusterName": unique("events"),
                        "kafkaVersion": "3.6.0",
                        "numberOfBrokerNodes": 2,
                        "brokerNodeGroupInfo": {
                            "instanceType": "kafka.m5.large",
                            "clientSubnets": [id(&a), id(&b)],
                            "securityGroups": [id(&sg)],
                        },
                    })
                    .to_string(),
                ),
        )
        .expect("create cluster");
    let arn = made.json().unwrap()["clusterArn"]
        .as_str()
        .unwrap()
        .to_string();
    let imported = p.import("aws_msk_cluster", &arn).await.expect("import");
    let j = json_of(&imported);
    assert_eq!(j["cluster_name"], unique("events"));
    assert_eq!(j["number_of_broker_nodes"], 2);
    let cfg = config(
        &p,
        "aws_msk_cluster",
        json!({
            "cluster_name": unique("events"), "kafka_version": "3.6.0", "number_of_broker_nodes": 2,
            "broker_node_group_info": [{"instance_type": "kafka.m5.large", "client_subnets": [id(&a), id(&b)], "security_groups": [id(&sg)]}],
        }),
    );
    let plan = p
        .plan(PlanRequest {
            type_name: "aws_msk_cluster",
            prior: &imported,
            proposed: &cfg,
            config: &cfg,
        })
        .await
        .unwrap();
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    assert!(p
        .read("aws_msk_cluster", &imported)
        .await
        .unwrap()
        .is_some());
}
