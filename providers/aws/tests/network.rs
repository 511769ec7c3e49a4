//! Networking and placement resources against moto: the provider
//! conformance suite (create, read, plan again, update, delete, recover),
//! then import and drift.

mod common;

use common::*;
use serde_json::json;
use strata_provider::conformance::{run, Case};
use strata_provider::{PlanRequest, Provider};

#[tokio::test(flavor = "multi_thread")]
async fn network_resources_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.40.0.0/16"})).await;
    let vpc_id = id(&vpc);
    let igw = create(&p, "aws_internet_gateway", json!({"vpc_id": vpc_id})).await;
    let subnet = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": vpc_id, "cidr_block": "10.40.9.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let rt = create(&p, "aws_route_table", json!({"vpc_id": vpc_id})).await;
    let rt2 = create(&p, "aws_route_table", json!({"vpc_id": vpc_id})).await;
    let cases = vec![
        Case {
            type_name: "aws_vpc",
            create: config(
                &p,
                "aws_vpc",
                json!({"cidr_block": "10.41.0.0/16", "tags": {"Name": "ml"}}),
            ),
            update: Some(config(
                &p,
                "aws_vpc",
                json!({"cidr_block": "10.41.0.0/16", "enable_dns_hostnames": true, "tags": {"Name": "ml", "team": "research"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_subnet",
            create: config(
                &p,
                "aws_subnet",
                json!({"vpc_id": vpc_id, "cidr_block": "10.40.1.0/24", "availability_zone": "us-east-1a"}),
            ),
            update: Some(config(
                &p,
                "aws_subnet",
                json!({"vpc_id": vpc_id, "cidr_block": "10.40.2.0/24", "availability_zone": "us-east-1b", "map_public_ip_on_launch": true}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_internet_gateway",
            create: config(
                &p,
                "aws_internet_gateway",
                json!({"tags": {"Name": "edge"}}),
            ),
            update: Some(config(
                &p,
                "aws_internet_gateway",
                json!({"tags": {"Name": "edge2"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_route_table",
            create: config(
                &p,
                "aws_route_table",
                json!({"vpc_id": vpc_id, "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": id(&igw)}]}),
            ),
            update: Some(config(
                &p,
                "aws_route_table",
                json!({"vpc_id": vpc_id, "route": [], "tags": {"Name": "private"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_route_table_association",
            create: config(
                &p,
                "aws_route_table_association",
                json!({"subnet_id": id(&subnet), "route_table_id": id(&rt)}),
            ),
            update: Some(config(
                &p,
                "aws_route_table_association",
                json!({"subnet_id": id(&subnet), "route_table_id": id(&rt2)}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_security_group",
            create: config(
                &p,
                "aws_security_group",
                json!({
                    "name": unique("sg"), "vpc_id": vpc_id, "description": "GPU workers",
                    "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}],
                    "egress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}],
                }),
            ),
            update: Some(config(
                &p,
                "aws_security_group",
                json!({
                    "name": unique("sg"), "vpc_id": vpc_id, "description": "GPU workers",
                    "ingress": [
                        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]},
                        {"from_port": 0, "to_port": 65535, "protocol": "tcp", "self": true, "description": "NCCL between workers"}
                    ],
                    "egress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}],
                    "tags": {"Name": "gpu"},
                }),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_ebs_volume",
            create: config(
                &p,
                "aws_ebs_volume",
                json!({"availability_zone": "us-east-1a", "size": 100, "type": "gp3", "tags": {"Name": "datasets-cache"}}),
            ),
            update: Some(config(
                &p,
                "aws_ebs_volume",
                json!({"availability_zone": "us-east-1a", "size": 500, "type": "gp3", "tags": {"Name": "datasets-cache"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_key_pair",
            create: config(
                &p,
                "aws_key_pair",
                json!({"key_name": unique("key"), "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINzq8W6orAIp9BV90P1jAdFeB8smxlAuoL7PcD8zlmU/ strata@test"}),
            ),
            update: Some(config(
                &p,
                "aws_key_pair",
                json!({"key_name": unique("key"), "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINzq8W6orAIp9BV90P1jAdFeB8smxlAuoL7PcD8zlmU/ strata@test", "tags": {"team": "ml"}}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn import_and_drift() {
    let p = provider().await;
    let vpc = create(
        &p,
        "aws_vpc",
        json!({"cidr_block": "10.50.0.0/16", "tags": {"Name": "drift"}}),
    )
    .await;
    // Import by id reads the same object.
    let imported = p.import("aws_vpc", &id(&vpc)).await.expect("import");
    assert_eq!(json_of(&imported)["cidr_block"], "10.50.0.0/16");
    assert_eq!(json_of(&imported)["tags"], json!({"Name": "drift"}));
    assert!(p.import("aws_vpc", "vpc-00000000").await.is_err());
    // A tag changed outside Strata shows on refresh and plans an update.
    let client = raw_client();
    client
        .send(&strata_aws_client::Request::query_action(
            "ec2",
            "CreateTags",
            "2016-11-15",
            &[
                ("ResourceId.1".into(), id(&vpc)),
                ("Tag.1.Key".into(), "Name".into()),
                ("Tag.1.Value".into(), "changed-by-hand".into()),
            ],
        ))
        .expect("tag outside");
    let fresh = p.read("aws_vpc", &vpc).await.unwrap().expect("still there");
    assert_eq!(json_of(&fresh)["tags"], json!({"Name": "changed-by-hand"}));
    let cfg = config(
        &p,
        "aws_vpc",
        json!({"cidr_block": "10.50.0.0/16", "tags": {"Name": "drift"}}),
    );
    let plan = p
        .plan(PlanRequest {
            type_name: "aws_vpc",
            prior: &fresh,
            proposed: &cfg,
            config: &cfg,
        })
        .await
        .unwrap();
    assert!(plan.requires_replace.is_empty());
    assert_eq!(json_of(&plan.planned)["tags"], json!({"Name": "drift"}));
    assert_ne!(plan.planned, fresh, "the drift must plan an update");
}

#[tokio::test(flavor = "multi_thread")]
async fn aws_errors_name_the_code_message_and_attribute() {
    use strata_provider::{ApplyRequest, ProviderError};
    let p = provider().await;
    let cfg = config(
        &p,
        "aws_subnet",
        json!({"vpc_id": "vpc-0123456789abcdef0", "cidr_block": "10.99.1.0/24"}),
    );
    let plan = p
        .plan(PlanRequest {
            type_name: "aws_subnet",
            prior: &strata_types::Value::null(p.schema().resources["aws_subnet"].object_type()),
            proposed: &cfg,
            config: &cfg,
        })
        .await
        .unwrap();
    let err = p
        .apply(ApplyRequest {
            type_name: "aws_subnet",
            prior: &strata_types::Value::null(p.schema().resources["aws_subnet"].object_type()),
            planned: &plan.planned,
            config: &cfg,
        })
        .await
        .expect_err("a subnet in a VPC that does not exist");
    let ProviderError::Failed {
        summary,
        detail,
        attribute,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(
        summary.contains("CreateSubnet") && summary.contains("InvalidVpcID.NotFound"),
        "{summary}"
    );
    assert!(detail.contains("vpc-0123456789abcdef0"), "{detail}");
    assert_eq!(
        attribute.as_deref(),
        Some(&["vpc_id".to_string()][..]),
        "{detail}"
    );
}

/// Terraform's `timeouts` block is accepted on every resource type, does
/// not plan a change by itself, and a malformed duration is refused.
#[tokio::test(flavor = "multi_thread")]
async fn timeouts_blocks_are_accepted_and_checked() {
    use strata_provider::ApplyRequest;
    let p = provider().await;
    let schema = p.schema();
    assert!(schema
        .resources
        .values()
        .all(|s| s.blocks.contains_key("timeouts")));
    let vpc = create(
        &p,
        "aws_vpc",
        json!({"cidr_block": "10.77.0.0/16", "timeouts": {"create": "10m"}}),
    )
    .await;
    let cfg = config(
        &p,
        "aws_vpc",
        json!({"cidr_block": "10.77.0.0/16", "timeouts": {"create": "20m"}}),
    );
    let plan = p
        .plan(PlanRequest {
            type_name: "aws_vpc",
            prior: &vpc,
            proposed: &cfg,
            config: &cfg,
        })
        .await
        .unwrap();
    assert_eq!(plan.planned, vpc, "a new timeout alone changes nothing");
    let bad = config(
        &p,
        "aws_vpc",
        json!({"cidr_block": "10.78.0.0/16", "timeouts": {"create": "5 days"}}),
    );
    let null = strata_types::Value::null(schema.resources["aws_vpc"].object_type());
    let planned = p
        .plan(PlanRequest {
            type_name: "aws_vpc",
            prior: &null,
            proposed: &bad,
            config: &bad,
        })
        .await
        .unwrap()
        .planned;
    let err = p
        .apply(ApplyRequest {
            type_name: "aws_vpc",
            prior: &null,
            planned: &planned,
            config: &bad,
        })
        .await
        .expect_err("a malformed timeout");
    assert!(
        err.to_string().contains("timeouts.create = \"5 days\""),
        "{err}"
    );
}

/// Elastic IPs, NAT gateways, single routes, inline role policies, the
/// public access block and bucket policies through the conformance suite.
#[tokio::test(flavor = "multi_thread")]
async fn egress_and_policy_resources_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.44.0.0/16"})).await;
    let vpc_id = id(&vpc);
    let igw = create(&p, "aws_internet_gateway", json!({"vpc_id": vpc_id})).await;
    let subnet = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": vpc_id, "cidr_block": "10.44.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let eip = create(&p, "aws_eip", json!({"domain": "vpc"})).await;
    let nat = create(
        &p,
        "aws_nat_gateway",
        json!({"subnet_id": id(&subnet), "allocation_id": id(&eip)}),
    )
    .await;
    let rt = create(&p, "aws_route_table", json!({"vpc_id": vpc_id})).await;
    let eip2 = create(&p, "aws_eip", json!({"domain": "vpc"})).await;
    let sg = create(
        &p,
        "aws_security_group",
        json!({"name": unique("rules"), "vpc_id": vpc_id}),
    )
    .await;
    let peer = create(
        &p,
        "aws_security_group",
        json!({"name": unique("peer"), "vpc_id": vpc_id}),
    )
    .await;
    let role = create(
        &p,
        "aws_iam_role",
        json!({"name": unique("inline"), "assume_role_policy": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#}),
    )
    .await;
    let bucket = create(
        &p,
        "aws_s3_bucket",
        json!({"bucket": unique("policy-bucket")}),
    )
    .await;
    let read = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let write = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":"*"}]}"#;
    let bucket_policy = |action: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"read","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":"{action}","Resource":"arn:aws:s3:::{}/*"}}]}}"#,
            id(&bucket)
        )
    };
    let cases = vec![
        Case {
            type_name: "aws_eip",
            create: config(&p, "aws_eip", json!({"tags": {"Name": "nat"}})),
            update: Some(config(&p, "aws_eip", json!({"tags": {"Name": "nat-2"}}))),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_nat_gateway",
            create: config(
                &p,
                "aws_nat_gateway",
                json!({"subnet_id": id(&subnet), "allocation_id": id(&eip2), "tags": {"Name": "egress"}}),
            ),
            update: Some(config(
                &p,
                "aws_nat_gateway",
                json!({"subnet_id": id(&subnet), "allocation_id": id(&eip2), "tags": {"Name": "egress-2"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_route",
            create: config(
                &p,
                "aws_route",
                json!({"route_table_id": id(&rt), "destination_cidr_block": "0.0.0.0/0", "gateway_id": id(&igw)}),
            ),
            update: Some(config(
                &p,
                "aws_route",
                json!({"route_table_id": id(&rt), "destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": id(&nat)}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_security_group_rule",
            create: config(
                &p,
                "aws_security_group_rule",
                json!({"type": "ingress", "security_group_id": id(&sg), "from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.44.0.0/16"]}),
            ),
            update: Some(config(
                &p,
                "aws_security_group_rule",
                json!({"type": "ingress", "security_group_id": id(&sg), "from_port": 0, "to_port": 65535, "protocol": "tcp", "source_security_group_id": id(&peer)}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_security_group_rule",
            create: config(
                &p,
                "aws_security_group_rule",
                json!({"type": "egress", "security_group_id": id(&sg), "from_port": 5432, "to_port": 5432, "protocol": "tcp", "cidr_blocks": ["10.44.9.0/24"]}),
            ),
            update: None,
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_iam_role_policy",
            create: config(
                &p,
                "aws_iam_role_policy",
                json!({"name": "datasets", "role": id(&role), "policy": read}),
            ),
            update: Some(config(
                &p,
                "aws_iam_role_policy",
                json!({"name": "datasets", "role": id(&role), "policy": write}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_bucket_public_access_block",
            create: config(
                &p,
                "aws_s3_bucket_public_access_block",
                json!({"bucket": id(&bucket), "block_public_acls": true}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_public_access_block",
                json!({"bucket": id(&bucket), "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_s3_bucket_policy",
            create: config(
                &p,
                "aws_s3_bucket_policy",
                json!({"bucket": id(&bucket), "policy": bucket_policy("s3:GetObject")}),
            ),
            update: Some(config(
                &p,
                "aws_s3_bucket_policy",
                json!({"bucket": id(&bucket), "policy": bucket_policy("s3:PutObject")}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A route imports by TABLE_DESTINATION, as Terraform's.
    let route = create(
        &p,
        "aws_route",
        json!({"route_table_id": id(&rt), "destination_cidr_block": "10.99.0.0/16", "gateway_id": id(&igw)}),
    )
    .await;
    let import_id = p.import_id("aws_route", &route).expect("importable");
    assert_eq!(import_id, format!("{}_10.99.0.0/16", id(&rt)));
    let imported = p.import("aws_route", &import_id).await.expect("import");
    assert_eq!(
        json_of(&imported)["gateway_id"],
        json_of(&route)["gateway_id"]
    );
}

/// Keys, aliases and log groups through the conformance suite.
#[tokio::test(flavor = "multi_thread")]
async fn keys_and_log_groups_conform() {
    let p = provider().await;
    let key = create(&p, "aws_kms_key", json!({"description": "one"})).await;
    let key2 = create(&p, "aws_kms_key", json!({"description": "two"})).await;
    let cases = vec![
        Case {
            type_name: "aws_kms_key",
            create: config(
                &p,
                "aws_kms_key",
                json!({"description": "checkpoints", "deletion_window_in_days": 7, "tags": {"team": "ml"}}),
            ),
            update: Some(config(
                &p,
                "aws_kms_key",
                json!({"description": "checkpoints and datasets", "enable_key_rotation": true, "deletion_window_in_days": 7, "tags": {"team": "ml-platform"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_kms_alias",
            create: config(
                &p,
                "aws_kms_alias",
                json!({"name": format!("alias/{}", unique("ckpt")), "target_key_id": id(&key)}),
            ),
            update: Some(config(
                &p,
                "aws_kms_alias",
                json!({"name": format!("alias/{}", unique("ckpt")), "target_key_id": id(&key2)}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_cloudwatch_log_group",
            create: config(
                &p,
                "aws_cloudwatch_log_group",
                json!({"name": format!("/aws/eks/{}/cluster", unique("logs")), "retention_in_days": 7}),
            ),
            update: Some(config(
                &p,
                "aws_cloudwatch_log_group",
                json!({"name": format!("/aws/eks/{}/cluster", unique("logs")), "retention_in_days": 30, "tags": {"team": "ml"}}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Flow logs of a VPC to S3 and of a subnet to CloudWatch Logs through
/// the conformance suite (a tag change is made in place).
#[tokio::test(flavor = "multi_thread")]
async fn flow_logs_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.46.0.0/16"})).await;
    let subnet = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": id(&vpc), "cidr_block": "10.46.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let bucket = create(&p, "aws_s3_bucket", json!({"bucket": unique("flow-logs")})).await;
    let group = create(
        &p,
        "aws_cloudwatch_log_group",
        json!({"name": format!("/vpc/{}", unique("flow"))}),
    )
    .await;
    let role = create(
        &p,
        "aws_iam_role",
        json!({"name": unique("flow-logs"), "assume_role_policy": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#}),
    )
    .await;
    let to_s3 = json!({
        "vpc_id": id(&vpc), "traffic_type": "ALL", "log_destination_type": "s3",
        "log_destination": format!("arn:aws:s3:::{}", id(&bucket)), "max_aggregation_interval": 60,
    });
    let mut to_s3_tagged = to_s3.clone();
    to_s3_tagged["tags"] = json!({"team": "ml"});
    let to_logs = json!({
        "subnet_id": id(&subnet), "traffic_type": "REJECT",
        "log_group_name": id(&group), "iam_role_arn": json_of(&role)["arn"],
    });
    let mut to_logs_tagged = to_logs.clone();
    to_logs_tagged["tags"] = json!({"Name": "rejected"});
    let cases = vec![
        Case {
            type_name: "aws_flow_log",
            create: config(&p, "aws_flow_log", to_s3),
            update: Some(config(&p, "aws_flow_log", to_s3_tagged)),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_flow_log",
            create: config(&p, "aws_flow_log", to_logs),
            update: Some(config(&p, "aws_flow_log", to_logs_tagged)),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Network ACLs (rules, subnets taken and given back, tags) and single
/// ACL rules through the conformance suite.
#[tokio::test(flavor = "multi_thread")]
async fn network_acls_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.47.0.0/16"})).await;
    let subnet = |cidr: &str| json!({"vpc_id": id(&vpc), "cidr_block": cidr, "availability_zone": "us-east-1a"});
    let a = create(&p, "aws_subnet", subnet("10.47.1.0/24")).await;
    let b = create(&p, "aws_subnet", subnet("10.47.2.0/24")).await;
    let acl = create(&p, "aws_network_acl", json!({"vpc_id": id(&vpc)})).await;
    let https = json!({"rule_no": 100, "action": "allow", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_block": "10.0.0.0/8"});
    let nfs = json!({"rule_no": 110, "action": "allow", "protocol": "6", "from_port": 2049, "to_port": 2049, "cidr_block": "10.47.0.0/16"});
    let out = json!({"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_block": "0.0.0.0/0"});
    let cases = vec![
        Case {
            type_name: "aws_network_acl",
            create: config(
                &p,
                "aws_network_acl",
                json!({"vpc_id": id(&vpc), "subnet_ids": [id(&a)], "ingress": [https], "egress": [out], "tags": {"Name": "training"}}),
            ),
            update: Some(config(
                &p,
                "aws_network_acl",
                json!({"vpc_id": id(&vpc), "subnet_ids": [id(&b)], "ingress": [https, nfs], "egress": [], "tags": {"Name": "training", "tier": "private"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_network_acl_rule",
            create: config(
                &p,
                "aws_network_acl_rule",
                json!({"network_acl_id": id(&acl), "rule_number": 200, "protocol": "udp", "rule_action": "deny", "cidr_block": "0.0.0.0/0", "from_port": 53, "to_port": 53}),
            ),
            update: Some(config(
                &p,
                "aws_network_acl_rule",
                json!({"network_acl_id": id(&acl), "rule_number": 210, "egress": true, "protocol": "all", "rule_action": "allow", "cidr_block": "10.0.0.0/8"}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// IPv6: a VPC given an Amazon-provided block (and one that gets it in
/// place), a subnet with a /64 of it that gives addresses on creation.
#[tokio::test(flavor = "multi_thread")]
async fn ipv6_networks_conform() {
    let p = provider().await;
    let vpc = create(
        &p,
        "aws_vpc",
        json!({"cidr_block": "10.49.0.0/16", "assign_generated_ipv6_cidr_block": true}),
    )
    .await;
    let block = json_of(&vpc)["ipv6_cidr_block"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        block.ends_with("00::/56"),
        "an Amazon-provided /56: {block:?}"
    );
    let first = block.replace("00::/56", "00::/64");
    let second = block.replace("00::/56", "01::/64");
    let cases = vec![
        Case {
            type_name: "aws_vpc",
            create: config(&p, "aws_vpc", json!({"cidr_block": "10.50.0.0/16"})),
            update: Some(config(
                &p,
                "aws_vpc",
                json!({"cidr_block": "10.50.0.0/16", "assign_generated_ipv6_cidr_block": true}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_subnet",
            create: config(
                &p,
                "aws_subnet",
                json!({"vpc_id": id(&vpc), "cidr_block": "10.49.1.0/24", "ipv6_cidr_block": first, "availability_zone": "us-east-1a"}),
            ),
            update: Some(config(
                &p,
                "aws_subnet",
                json!({"vpc_id": id(&vpc), "cidr_block": "10.49.1.0/24", "ipv6_cidr_block": second, "assign_ipv6_address_on_creation": true, "availability_zone": "us-east-1a"}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An object that names its own region lives there (the Terraform AWS
/// provider 6's `region` argument): it is made, read, updated, imported
/// (`ID@REGION`) and deleted in that region, and is not in the provider's.
#[tokio::test(flavor = "multi_thread")]
async fn objects_live_in_the_region_they_name() {
    let p = provider().await;
    let cases = vec![Case {
        type_name: "aws_vpc",
        create: config(
            &p,
            "aws_vpc",
            json!({"cidr_block": "10.51.0.0/16", "region": "eu-west-1"}),
        ),
        update: Some(config(
            &p,
            "aws_vpc",
            json!({"cidr_block": "10.51.0.0/16", "region": "eu-west-1", "tags": {"Name": "eu"}}),
        )),
        read_detects_delete: true,
    }];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let vpc = create(
        &p,
        "aws_vpc",
        json!({"cidr_block": "10.52.0.0/16", "region": "eu-west-1"}),
    )
    .await;
    assert_eq!(json_of(&vpc)["region"], "eu-west-1");
    let home = create(&p, "aws_vpc", json!({"cidr_block": "10.53.0.0/16"})).await;
    assert_eq!(json_of(&home)["region"], "us-east-1");
    let mut elsewhere = json_of(&vpc);
    elsewhere["region"] = json!("us-east-1");
    let found = p
        .read("aws_vpc", &config(&p, "aws_vpc", elsewhere))
        .await
        .expect("read");
    assert!(found.is_none(), "the VPC is in eu-west-1 only: {found:?}");
}

/// `aws_subnet`, `aws_security_group` and `aws_ssm_parameter` find what
/// they name, and say so when nothing or several match.
#[tokio::test(flavor = "multi_thread")]
async fn lookup_data_sources_find_one_object() {
    let p = provider().await;
    let name = unique("lookup");
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.46.0.0/16"})).await;
    let subnet = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": id(&vpc), "cidr_block": "10.46.3.0/24", "availability_zone": "us-east-1b", "tags": {"Name": name}}),
    )
    .await;
    create(
        &p,
        "aws_subnet",
        json!({"vpc_id": id(&vpc), "cidr_block": "10.46.4.0/24", "availability_zone": "us-east-1c"}),
    )
    .await;
    let sg = create(
        &p,
        "aws_security_group",
        json!({"name": name, "vpc_id": id(&vpc), "description": "lookup"}),
    )
    .await;
    let read = |type_name: &'static str, j: serde_json::Value| {
        let cfg = data_config(&p, type_name, j);
        let p = &p;
        async move { p.read_data_source(type_name, &cfg).await }
    };
    let found = json_of(
        &read("aws_subnet", json!({"tags": {"Name": name}}))
            .await
            .unwrap(),
    );
    assert_eq!(found["id"], json!(id(&subnet)));
    assert_eq!(found["availability_zone"], "us-east-1b");
    assert_eq!(found["cidr_block"], "10.46.3.0/24");
    let err = read("aws_subnet", json!({"vpc_id": id(&vpc)}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Multiple subnet matched"), "{err}");
    let found = json_of(
        &read(
            "aws_security_group",
            json!({"name": name, "vpc_id": id(&vpc)}),
        )
        .await
        .unwrap(),
    );
    assert_eq!(found["id"], json!(id(&sg)));
    assert_eq!(found["description"], "lookup");
    let err = read("aws_security_group", json!({"name": "no-such-group"}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no results"), "{err}");
    // A parameter someone put there.
    raw_client()
        .send(&strata_aws_client::Request::json_target_version(
            "ssm",
            "AmazonSSM.PutParameter",
            "1.1",
            &json!({"Name": format!("/{name}/ami"), "Value": "ami-12c6146b", "Type": "String"}),
        ))
        .expect("put parameter");
    let found = read("aws_ssm_parameter", json!({"name": format!("/{name}/ami")}))
        .await
        .unwrap();
    assert!(
        p.schema().data_sources["aws_ssm_parameter"].attributes["value"].sensitive,
        "a parameter's value is sensitive"
    );
    let found = json_of(&found);
    assert_eq!(found["value"], "ami-12c6146b");
    assert_eq!(found["insecure_value"], "ami-12c6146b");
    assert_eq!(found["type"], "String");
}

/// Registries, queues and secrets through the conformance suite.
#[tokio::test(flavor = "multi_thread")]
async fn registries_queues_and_secrets_conform() {
    let p = provider().await;
    let cases = vec![
        Case {
            type_name: "aws_ecr_repository",
            create: config(
                &p,
                "aws_ecr_repository",
                json!({"name": format!("models/{}", unique("llm")), "tags": {"team": "ml"}}),
            ),
            update: Some(config(
                &p,
                "aws_ecr_repository",
                json!({"name": format!("models/{}", unique("llm")), "image_tag_mutability": "IMMUTABLE", "image_scanning_configuration": [{"scan_on_push": true}], "force_delete": true, "tags": {"team": "ml-platform"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_sqs_queue",
            create: config(
                &p,
                "aws_sqs_queue",
                json!({"name": unique("jobs"), "visibility_timeout_seconds": 60}),
            ),
            update: Some(config(
                &p,
                "aws_sqs_queue",
                json!({"name": unique("jobs"), "visibility_timeout_seconds": 120, "delay_seconds": 5, "tags": {"team": "ml"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_secretsmanager_secret",
            create: config(
                &p,
                "aws_secretsmanager_secret",
                json!({"name": unique("db"), "description": "training database", "recovery_window_in_days": 0}),
            ),
            update: Some(config(
                &p,
                "aws_secretsmanager_secret",
                json!({"name": unique("db"), "description": "feature store", "recovery_window_in_days": 0, "tags": {"team": "ml"}}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A secret's values: a new value replaces the version; the one it
    // replaced loses its labels.
    let secret = create(
        &p,
        "aws_secretsmanager_secret",
        json!({"name": unique("token"), "recovery_window_in_days": 0}),
    )
    .await;
    let cases = vec![Case {
        type_name: "aws_secretsmanager_secret_version",
        create: config(
            &p,
            "aws_secretsmanager_secret_version",
            json!({"secret_id": id(&secret), "secret_string": "first", "version_stages": ["AWSCURRENT", "TRAINING"]}),
        ),
        update: Some(config(
            &p,
            "aws_secretsmanager_secret_version",
            json!({"secret_id": id(&secret), "secret_string": "second", "version_stages": ["AWSCURRENT", "TRAINING"]}),
        )),
        read_detects_delete: false,
    }];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The newer one-rule resources: their own ids, tags, in-place changes.
#[tokio::test(flavor = "multi_thread")]
async fn vpc_security_group_rules_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.48.0.0/16"})).await;
    let sg = create(
        &p,
        "aws_security_group",
        json!({"name": unique("vpc-rules"), "vpc_id": id(&vpc)}),
    )
    .await;
    let peer = create(
        &p,
        "aws_security_group",
        json!({"name": unique("vpc-rules-peer"), "vpc_id": id(&vpc)}),
    )
    .await;
    let cases = vec![
        Case {
            type_name: "aws_vpc_security_group_ingress_rule",
            create: config(
                &p,
                "aws_vpc_security_group_ingress_rule",
                json!({"security_group_id": id(&sg), "ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "10.48.0.0/16", "description": "https"}),
            ),
            update: Some(config(
                &p,
                "aws_vpc_security_group_ingress_rule",
                json!({"security_group_id": id(&sg), "ip_protocol": "tcp", "from_port": 8443, "to_port": 8443, "cidr_ipv4": "10.48.0.0/16", "description": "alt https", "tags": {"Name": "alt"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_vpc_security_group_egress_rule",
            create: config(
                &p,
                "aws_vpc_security_group_egress_rule",
                json!({"security_group_id": id(&sg), "ip_protocol": "-1", "referenced_security_group_id": id(&peer)}),
            ),
            update: None,
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Shared file systems and their mount targets through the suite.
#[tokio::test(flavor = "multi_thread")]
async fn file_systems_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.49.0.0/16"})).await;
    let subnet = create(
        &p,
        "aws_subnet",
        json!({"vpc_id": id(&vpc), "cidr_block": "10.49.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let sg = create(
        &p,
        "aws_security_group",
        json!({"name": unique("efs"), "vpc_id": id(&vpc)}),
    )
    .await;
    let sg2 = create(
        &p,
        "aws_security_group",
        json!({"name": unique("efs2"), "vpc_id": id(&vpc)}),
    )
    .await;
    let fs = create(&p, "aws_efs_file_system", json!({"encrypted": true})).await;
    let cases = vec![
        Case {
            type_name: "aws_efs_file_system",
            create: config(
                &p,
                "aws_efs_file_system",
                json!({"creation_token": unique("datasets"), "encrypted": true, "tags": {"Name": "datasets"}}),
            ),
            update: Some(config(
                &p,
                "aws_efs_file_system",
                json!({"creation_token": unique("datasets"), "encrypted": true, "tags": {"Name": "datasets", "team": "ml"}}),
            )),
            read_detects_delete: true,
        },
        Case {
            type_name: "aws_efs_mount_target",
            create: config(
                &p,
                "aws_efs_mount_target",
                json!({"file_system_id": id(&fs), "subnet_id": id(&subnet), "security_groups": [id(&sg)]}),
            ),
            update: Some(config(
                &p,
                "aws_efs_mount_target",
                json!({"file_system_id": id(&fs), "subnet_id": id(&subnet), "security_groups": [id(&sg2)]}),
            )),
            read_detects_delete: true,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
