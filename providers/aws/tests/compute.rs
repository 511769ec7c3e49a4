//! GPU compute against moto: instances (an instance type change by
//! stop/modify/start), launch templates, auto scaling groups with spot;
//! batch refresh cost; and applies through a proxy that throttles.

mod common;

use common::proxy::Proxy;
use common::*;
use serde_json::json;
use strata_provider::conformance::{run, Case};
use strata_provider::Provider;

async fn ami(p: &strata_provider_aws::AwsProvider) -> String {
    let cfg = data_config(
        p,
        "aws_ami",
        json!({"most_recent": true, "owners": ["amazon"], "filter": [{"name": "architecture", "values": ["x86_64"]}]}),
    );
    let found = p.read_data_source("aws_ami", &cfg).await.expect("an AMI");
    json_of(&found)["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn compute_resources_conform() {
    let p = provider().await;
    let image = ami(&p).await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.60.0.0/16"})).await;
    let subnet = create(&p, "aws_subnet", json!({"vpc_id": id(&vpc), "cidr_block": "10.60.1.0/24", "availability_zone": "us-east-1a"})).await;
    let sg = create(
        &p,
        "aws_security_group",
        json!({"name": unique("workers"), "vpc_id": id(&vpc)}),
    )
    .await;
    let lt = create(
        &p,
        "aws_launch_template",
        json!({"name": unique("base-lt"), "image_id": image, "instance_type": "g5.xlarge"}),
    )
    .await;
    let cases = vec![
        Case {
            type_name: "aws_instance",
            create: config(
                &p,
                "aws_instance",
                json!({
                    "ami": image, "instance_type": "g5.xlarge", "subnet_id": id(&subnet),
                    "vpc_security_group_ids": [id(&sg)], "user_data": "#!/bin/bash\nnvidia-smi\n",
                    "tags": {"Name": "trainer"},
                }),
            ),
            update: Some(config(
                &p,
                "aws_instance",
                json!({
                    "ami": image, "instance_type": "p4d.24xlarge", "subnet_id": id(&subnet),
                    "vpc_security_group_ids": [id(&sg)], "user_data": "#!/bin/bash\nnvidia-smi\n",
                    "tags": {"Name": "trainer", "gpus": "8xA100"},
                }),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_launch_template",
            create: config(
                &p,
                "aws_launch_template",
                json!({
                    "name": unique("gpu-lt"), "image_id": image, "instance_type": "p5.48xlarge",
                    "vpc_security_group_ids": [id(&sg)],
                    "tag_specifications": [{"resource_type": "instance", "tags": {"workload": "training"}}],
                }),
            ),
            update: Some(config(
                &p,
                "aws_launch_template",
                json!({
                    "name": unique("gpu-lt"), "image_id": image, "instance_type": "p4d.24xlarge",
                    "vpc_security_group_ids": [id(&sg)], "update_default_version": true,
                    "tag_specifications": [{"resource_type": "instance", "tags": {"workload": "training"}}],
                    "instance_market_options": [{"market_type": "spot", "spot_options": [{"max_price": "12.5"}]}],
                }),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_autoscaling_group",
            create: config(
                &p,
                "aws_autoscaling_group",
                json!({
                    "name": unique("gpu-asg"), "min_size": 0, "max_size": 4, "desired_capacity": 1,
                    "vpc_zone_identifier": [id(&subnet)],
                    "launch_template": [{"id": id(&lt), "version": "$Latest"}],
                    "tag": [{"key": "team", "value": "ml", "propagate_at_launch": true}],
                }),
            ),
            update: Some(config(
                &p,
                "aws_autoscaling_group",
                json!({
                    "name": unique("gpu-asg"), "min_size": 0, "max_size": 8, "desired_capacity": 2,
                    "vpc_zone_identifier": [id(&subnet)],
                    "mixed_instances_policy": [{
                        "instances_distribution": [{"on_demand_base_capacity": 1, "on_demand_percentage_above_base_capacity": 0, "spot_allocation_strategy": "capacity-optimized"}],
                        "launch_template": [{
                            "launch_template_specification": [{"launch_template_id": id(&lt), "version": "$Latest"}],
                            "override": [{"instance_type": "g5.12xlarge"}, {"instance_type": "g5.48xlarge"}],
                        }],
                    }],
                    "tag": [{"key": "team", "value": "ml-platform", "propagate_at_launch": true}],
                }),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn gpu_instance_types_are_described() {
    let p = provider().await;
    let cfg = data_config(
        &p,
        "aws_ec2_instance_type",
        json!({"instance_type": "p4d.24xlarge"}),
    );
    let t = json_of(
        &p.read_data_source("aws_ec2_instance_type", &cfg)
            .await
            .expect("p4d"),
    );
    assert_eq!(t["gpus"][0]["count"], 8, "{t}");
    assert_eq!(t["gpus"][0]["manufacturer"], "NVIDIA", "{t}");
    assert_eq!(t["gpus"][0]["name"], "A100", "{t}");
    assert!(t["total_gpu_memory"].as_f64().unwrap() > 0.0, "{t}");
    let zones = p
        .read_data_source(
            "aws_availability_zones",
            &data_config(&p, "aws_availability_zones", json!({"state": "available"})),
        )
        .await
        .unwrap();
    assert!(json_of(&zones)["names"].as_array().unwrap().len() >= 2);
    let me = p
        .read_data_source(
            "aws_caller_identity",
            &data_config(&p, "aws_caller_identity", json!({})),
        )
        .await
        .unwrap();
    assert_eq!(json_of(&me)["account_id"].as_str().unwrap().len(), 12);
}

/// Refreshing 1,000 instances costs a handful of DescribeInstances calls,
/// and applies succeed with every fourth call throttled or failing.
#[tokio::test(flavor = "multi_thread")]
async fn batch_refresh_and_faults() {
    let proxy = Proxy::start(&moto(), 4);
    let p = provider_at(&proxy.url, json!({"max_retries": 10})).await;
    let image = ami(&p).await;
    // Many instances at once through the query API, as a fleet would be.
    let client = raw_client();
    let answer = client
        .send(&strata_aws_client::Request::query_action(
            "ec2",
            "RunInstances",
            "2016-11-15",
            &[
                ("ImageId".into(), image.clone()),
                ("InstanceType".into(), "g5.xlarge".into()),
                ("MinCount".into(), "1000".into()),
                ("MaxCount".into(), "1000".into()),
            ],
        ))
        .expect("run 1000");
    let text = answer.text();
    let ids: Vec<String> = text
        .match_indices("<instanceId>")
        .map(|(i, _)| text[i + 12..].split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1000);
    let states: Vec<_> = ids
        .iter()
        .map(|i| {
            config(
                &p,
                "aws_instance",
                json!({"id": i, "ami": image, "instance_type": "g5.xlarge"}),
            )
        })
        .collect();
    proxy.reset();
    let read = p.read_many("aws_instance", &states).await.expect("refresh");
    assert!(read.iter().all(Option::is_some));
    let calls = proxy.count("DescribeInstances");
    eprintln!(
        "refreshed {} instances with {calls} DescribeInstances calls",
        read.len()
    );
    assert!(
        calls <= 10,
        "refreshing 1,000 instances took {calls} DescribeInstances calls"
    );
    // Applies through faults: every fourth call fails and is retried.
    let vpc = create(
        &p,
        "aws_vpc",
        json!({"cidr_block": "10.70.0.0/16", "tags": {"Name": "faults"}}),
    )
    .await;
    let subnet = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": id(&vpc), "cidr_block": "10.70.1.0/24"}),
    )
    .await;
    let role = create(&p, "aws_iam_role", json!({"name": unique("fault-role"), "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"})).await;
    assert!(!id(&subnet).is_empty() && !id(&role).is_empty());
    let injected = proxy.injected.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!("applies succeeded through {injected} injected faults");
    assert!(injected >= 3, "the proxy must have injected faults");
}
