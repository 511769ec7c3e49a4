//! The types terraform-aws-vpc declares beyond subnets and routes (more
//! IPv4 blocks, DHCP options, the egress-only gateway, VPN gateways, the
//! database and cache subnet groups) against moto: the conformance suite,
//! then what each does to the VPC.

mod common;

use common::*;
use serde_json::json;
use strata_provider::conformance::{run, Case};
use strata_provider::{ApplyRequest, PlanRequest, Provider};
use strata_provider_aws::AwsProvider;

fn case(p: &AwsProvider, type_name: &'static str, create: serde_json::Value) -> Case {
    Case {
        type_name,
        create: config(p, type_name, create),
        update: None,
        read_detects_delete: true,
    }
}

fn with_update(mut c: Case, p: &AwsProvider, update: serde_json::Value) -> Case {
    c.update = Some(config(p, c.type_name, update));
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn vpc_module_types_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.60.0.0/16"})).await;
    let vpc_id = id(&vpc);
    let other = create(&p, "aws_vpc", json!({"cidr_block": "10.61.0.0/16"})).await;
    let subnets: Vec<String> = make_subnets(&p, &vpc_id, &["10.60.1.0/24", "10.60.2.0/24"]).await;
    let options = create(
        &p,
        "aws_vpc_dhcp_options",
        json!({"domain_name": "ml.internal", "domain_name_servers": ["AmazonProvidedDNS"]}),
    )
    .await;
    let options2 = create(
        &p,
        "aws_vpc_dhcp_options",
        json!({"domain_name": "train.internal", "domain_name_servers": ["10.0.0.2"]}),
    )
    .await;
    let gateway = create(&p, "aws_vpn_gateway", json!({})).await;
    let db = unique("db");
    let cases = vec![
        // The arguments terraform-aws-vpc passes (most of them null).
        with_update(
            case(
                &p,
                "aws_vpc",
                json!({"cidr_block": "10.63.0.0/16", "ipv4_ipam_pool_id": null, "enable_network_address_usage_metrics": false}),
            ),
            &p,
            json!({"cidr_block": "10.63.0.0/16", "enable_network_address_usage_metrics": true}),
        ),
        with_update(
            case(
                &p,
                "aws_subnet",
                json!({"vpc_id": vpc_id, "cidr_block": "10.60.9.0/24", "availability_zone_id": "use1-az1", "enable_dns64": false, "ipv6_native": false}),
            ),
            &p,
            json!({"vpc_id": vpc_id, "cidr_block": "10.60.9.0/24", "availability_zone_id": "use1-az1", "enable_resource_name_dns_a_record_on_launch": true}),
        ),
        // Adopted and forgotten: the region's default VPC stays.
        Case {
            read_detects_delete: false,
            ..with_update(
                case(&p, "aws_default_vpc", json!({})),
                &p,
                json!({"tags": {"Name": "default"}}),
            )
        },
        case(
            &p,
            "aws_vpc_ipv4_cidr_block_association",
            json!({"vpc_id": vpc_id, "cidr_block": "10.100.0.0/16"}),
        ),
        with_update(
            case(
                &p,
                "aws_vpc_dhcp_options",
                json!({"domain_name": "ml.internal", "domain_name_servers": ["AmazonProvidedDNS"], "ntp_servers": ["169.254.169.123"], "netbios_node_type": "2"}),
            ),
            &p,
            json!({"domain_name": "ml.internal", "domain_name_servers": ["AmazonProvidedDNS"], "ntp_servers": ["169.254.169.123"], "netbios_node_type": "2", "tags": {"Name": "ml"}}),
        ),
        with_update(
            case(
                &p,
                "aws_vpc_dhcp_options_association",
                json!({"vpc_id": id(&other), "dhcp_options_id": id(&options)}),
            ),
            &p,
            json!({"vpc_id": id(&other), "dhcp_options_id": id(&options2)}),
        ),
        with_update(
            case(
                &p,
                "aws_egress_only_internet_gateway",
                json!({"vpc_id": vpc_id}),
            ),
            &p,
            json!({"vpc_id": vpc_id, "tags": {"Name": "v6-out"}}),
        ),
        with_update(
            case(
                &p,
                "aws_customer_gateway",
                json!({"bgp_asn": "65000", "ip_address": "172.83.124.10", "type": "ipsec.1"}),
            ),
            &p,
            json!({"bgp_asn": "65000", "ip_address": "172.83.124.10", "type": "ipsec.1", "tags": {"Name": "office"}}),
        ),
        with_update(
            case(&p, "aws_vpn_gateway", json!({"amazon_side_asn": "64512"})),
            &p,
            json!({"amazon_side_asn": "64512", "vpc_id": id(&other), "tags": {"Name": "vgw"}}),
        ),
        case(
            &p,
            "aws_vpn_gateway_attachment",
            json!({"vpc_id": vpc_id, "vpn_gateway_id": id(&gateway)}),
        ),
        with_update(
            case(
                &p,
                "aws_db_subnet_group",
                json!({"name": db, "subnet_ids": [subnets[0]]}),
            ),
            &p,
            // Tags only: moto's ModifyDBSubnetGroup loses the group.
            json!({"name": db, "subnet_ids": [subnets[0]], "tags": {"team": "ml"}}),
        ),
        with_update(
            case(
                &p,
                "aws_redshift_subnet_group",
                json!({"name": unique("warehouse"), "subnet_ids": subnets}),
            ),
            // Tags only: moto has no ModifyClusterSubnetGroup.
            &p,
            json!({"name": unique("warehouse"), "subnet_ids": subnets, "tags": {"team": "ml"}}),
        ),
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

async fn make_subnets(p: &AwsProvider, vpc: &str, blocks: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let zone = ["us-east-1a", "us-east-1b"][i % 2];
        let subnet = create(
            p,
            "aws_subnet",
            json!({"vpc_id": vpc, "cidr_block": block, "availability_zone": zone}),
        )
        .await;
        out.push(id(&subnet));
    }
    out
}

/// ElastiCache subnet groups: moto has no DeleteCacheSubnetGroup or
/// ModifyCacheSubnetGroup, so the suite cannot run; what moto answers is
/// checked: create, read back unchanged, tags changed in place.
#[tokio::test(flavor = "multi_thread")]
async fn elasticache_subnet_groups_are_made_read_and_tagged() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.62.0.0/16"})).await;
    let subnets = make_subnets(&p, &id(&vpc), &["10.62.1.0/24", "10.62.2.0/24"]).await;
    let name = unique("cache");
    let made = create(
        &p,
        "aws_elasticache_subnet_group",
        json!({"name": name, "subnet_ids": subnets}),
    )
    .await;
    let j = json_of(&made);
    assert_eq!(j["id"], json!(name));
    assert_eq!(j["description"], json!("Managed by Terraform"));
    assert_eq!(j["vpc_id"], json!(id(&vpc)));
    assert!(
        j["arn"].as_str().unwrap_or_default().ends_with(&name),
        "{j}"
    );
    let mut sorted = subnets.clone();
    sorted.sort();
    assert_eq!(j["subnet_ids"], json!(sorted));

    let read = p
        .read("aws_elasticache_subnet_group", &made)
        .await
        .expect("read")
        .expect("the group exists");
    assert_eq!(json_of(&read), j, "read back as made");

    let tagged = config(
        &p,
        "aws_elasticache_subnet_group",
        json!({"name": name, "subnet_ids": subnets, "tags": {"team": "ml"}}),
    );
    let plan = p
        .plan(PlanRequest {
            type_name: "aws_elasticache_subnet_group",
            prior: &read,
            proposed: &strata_core::proposed_new(
                &p.schema().resources["aws_elasticache_subnet_group"],
                &read,
                &tagged,
            ),
            config: &tagged,
        })
        .await
        .expect("plan");
    assert!(plan.requires_replace.is_empty(), "tags change in place");
    let after = p
        .apply(ApplyRequest {
            type_name: "aws_elasticache_subnet_group",
            prior: &read,
            planned: &plan.planned,
            config: &tagged,
        })
        .await
        .expect("apply");
    assert_eq!(json_of(&after)["tags_all"], json!({"team": "ml"}));
}

/// The types whose APIs moto lacks plan, and are refused at apply with
/// what to do instead.
#[tokio::test(flavor = "multi_thread")]
async fn types_without_a_test_server_are_refused_clearly() {
    let p = provider().await;
    for (type_name, cfg, what) in [
        (
            "aws_vpn_gateway_route_propagation",
            json!({"vpn_gateway_id": "vgw-1", "route_table_id": "rtb-1"}),
            "routes propagated",
        ),
        (
            "aws_s3_bucket_request_payment_configuration",
            json!({"bucket": "b", "payer": "Requester"}),
            "requester-pays",
        ),
        (
            "aws_s3_bucket_intelligent_tiering_configuration",
            json!({"bucket": "b", "name": "all", "tiering": [{"access_tier": "ARCHIVE_ACCESS", "days": 90}]}),
            "Intelligent-Tiering",
        ),
        (
            "aws_eks_addon",
            json!({"cluster_name": "gpu", "addon_name": "vpc-cni"}),
            "EKS add-ons",
        ),
        (
            "aws_eks_pod_identity_association",
            json!({"cluster_name": "gpu", "namespace": "ml", "service_account": "trainer", "role_arn": "arn:aws:iam::123456789012:role/trainer"}),
            "Pod Identity",
        ),
        (
            "aws_s3_directory_bucket",
            json!({"bucket": "b--use1-az4--x-s3", "location": [{"name": "use1-az4"}]}),
            "directory buckets",
        ),
    ] {
        let err = try_create(&p, type_name, cfg).await.expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains(what) && text.contains("hashicorp/aws plugin"),
            "{type_name}: {text}"
        );
    }
}
