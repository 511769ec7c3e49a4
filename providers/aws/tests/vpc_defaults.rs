//! The objects AWS makes with a VPC (its default security group, route
//! table and network ACL), adopted by `aws_default_*` against moto: the
//! conformance suite, then what adoption does to the rules AWS put there.

mod common;

use common::*;
use serde_json::{json, Value as J};
use strata_provider::conformance::{run, Case};
use strata_provider::{ApplyRequest, Provider};
use strata_types::Value;

/// The VPC's ids of its default objects.
fn defaults(vpc: &Value) -> (String, String, String) {
    let j = json_of(vpc);
    let get = |k: &str| j[k].as_str().unwrap_or_default().to_string();
    let ids = (
        get("default_security_group_id"),
        get("default_route_table_id"),
        get("default_network_acl_id"),
    );
    assert!(
        ids.0.starts_with("sg-") && ids.1.starts_with("rtb-") && ids.2.starts_with("acl-"),
        "a VPC reads its default objects' ids: {ids:?}"
    );
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn default_objects_conform() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.51.0.0/16"})).await;
    let vpc_id = id(&vpc);
    let (_, table, acl) = defaults(&vpc);
    let igw = create(&p, "aws_internet_gateway", json!({"vpc_id": vpc_id})).await;
    let https =
        json!({"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]});
    let all_out =
        json!({"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]});
    let acl_in = json!({"rule_no": 100, "action": "allow", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_block": "10.0.0.0/8"});
    let acl_out = json!({"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_block": "0.0.0.0/0"});
    let cases = vec![
        Case {
            type_name: "aws_default_security_group",
            create: config(
                &p,
                "aws_default_security_group",
                json!({"vpc_id": vpc_id, "ingress": [https]}),
            ),
            update: Some(config(
                &p,
                "aws_default_security_group",
                json!({"vpc_id": vpc_id, "ingress": [https], "egress": [all_out], "tags": {"Name": "default"}}),
            )),
            // Destroying only forgets the group: it lives as long as its VPC.
            read_detects_delete: false,
        },
        Case {
            type_name: "aws_default_route_table",
            create: config(
                &p,
                "aws_default_route_table",
                json!({"default_route_table_id": table, "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": id(&igw)}]}),
            ),
            update: Some(config(
                &p,
                "aws_default_route_table",
                json!({"default_route_table_id": table, "route": [{"cidr_block": "192.168.0.0/16", "gateway_id": id(&igw)}], "tags": {"Name": "main"}}),
            )),
            read_detects_delete: false,
        },
        Case {
            type_name: "aws_default_network_acl",
            create: config(
                &p,
                "aws_default_network_acl",
                json!({"default_network_acl_id": acl, "ingress": [acl_in]}),
            ),
            update: Some(config(
                &p,
                "aws_default_network_acl",
                json!({"default_network_acl_id": acl, "ingress": [acl_in], "egress": [acl_out], "tags": {"Name": "default"}}),
            )),
            read_detects_delete: false,
        },
    ];
    let failures = run(&p, &cases, strata_core::proposed_new).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Adoption leaves only the configured rules: AWS's allow-all rules of a
/// new VPC's default group and ACL, and a route someone added, are gone;
/// destroying forgets the objects and leaves them in AWS.
#[tokio::test(flavor = "multi_thread")]
async fn adoption_leaves_only_the_configured_rules() {
    let p = provider().await;
    let vpc = create(&p, "aws_vpc", json!({"cidr_block": "10.52.0.0/16"})).await;
    let (group, table, acl) = defaults(&vpc);
    let igw = create(&p, "aws_internet_gateway", json!({"vpc_id": id(&vpc)})).await;
    let before = p
        .read(
            "aws_default_security_group",
            &config(
                &p,
                "aws_default_security_group",
                json!({"vpc_id": id(&vpc), "id": group}),
            ),
        )
        .await
        .expect("read")
        .expect("the default group exists");
    assert_eq!(
        rules(&before, "egress").len(),
        1,
        "AWS gives a default group an allow-all egress rule"
    );
    // A route added outside the configuration.
    let stray = create(
        &p,
        "aws_route",
        json!({"route_table_id": table, "destination_cidr_block": "172.16.0.0/12", "gateway_id": id(&igw)}),
    )
    .await;
    assert!(!id(&stray).is_empty());

    let group_state = create(
        &p,
        "aws_default_security_group",
        json!({"vpc_id": id(&vpc), "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["10.52.0.0/16"]}]}),
    )
    .await;
    let table_state = create(
        &p,
        "aws_default_route_table",
        json!({"default_route_table_id": table, "tags": {"Name": "main"}}),
    )
    .await;
    let acl_state = create(
        &p,
        "aws_default_network_acl",
        json!({"default_network_acl_id": acl}),
    )
    .await;
    assert_eq!(id(&group_state), group);
    assert_eq!(json_of(&table_state)["vpc_id"], json!(id(&vpc)));
    for (type_name, state, kinds) in [
        (
            "aws_default_security_group",
            &group_state,
            &["ingress", "egress"][..],
        ),
        ("aws_default_route_table", &table_state, &["route"][..]),
        (
            "aws_default_network_acl",
            &acl_state,
            &["ingress", "egress"][..],
        ),
    ] {
        let read = p
            .read(type_name, state)
            .await
            .expect("read")
            .expect("adopted object exists");
        for kind in kinds {
            let expected =
                usize::from(type_name == "aws_default_security_group" && *kind == "ingress");
            assert_eq!(
                rules(&read, kind).len(),
                expected,
                "{type_name}.{kind} after adoption: {}",
                json_of(&read)[*kind]
            );
        }
        assert_eq!(json_of(&read), json_of(state), "{type_name}: no drift");
        // Destroying forgets: the object is still there.
        let gone = p
            .apply(ApplyRequest {
                type_name,
                prior: state,
                planned: &Value::null(p.schema().resources[type_name].object_type()),
                config: &Value::null(p.schema().resources[type_name].object_type()),
            })
            .await
            .expect("destroy");
        assert!(gone.is_null());
        assert!(p.read(type_name, state).await.expect("read").is_some());
    }
}

fn rules(v: &Value, kind: &str) -> Vec<J> {
    json_of(v)[kind].as_array().cloned().unwrap_or_default()
}
