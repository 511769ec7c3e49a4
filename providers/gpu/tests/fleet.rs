//! `gpu_fleet` against moto, with capacity played by the proxy in
//! `common::sim`: failover across types, zones and regions, gangs that
//! leave nothing behind, spot then on-demand, repair, recovery of an
//! interrupted acquisition, preflight in plan, and reaping.

mod common;

use common::sim::{none, Ec2};
use common::*;
use serde_json::{json, Value as J};
use strata_provider::{PlanRequest, Provider};

fn unique(name: &str) -> String {
    format!(
        "{name}-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000_000
    )
}

fn attempts(state: &J) -> Vec<String> {
    state["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {}",
                a["instance_type"].as_str().unwrap(),
                a["market"].as_str().unwrap(),
                if a["zone"].as_str().unwrap().is_empty() {
                    a["region"].as_str().unwrap()
                } else {
                    a["zone"].as_str().unwrap()
                },
                a["error"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gang_fails_over_across_types_zones_and_regions() {
    let sim = Ec2::start(&moto());
    // No p5 anywhere; p4d only in us-west-2b.
    sim.rooms(vec![
        none("p5.48xlarge"),
        none("p4d.24xlarge").in_zone("us-west-2a"),
        none("p4d.24xlarge").nodes(1).in_zone("us-east-1a"),
        none("p4d.24xlarge").in_zone("us-east-1b"),
        none("p4d.24xlarge").in_zone("us-east-1c"),
        none("p4d.24xlarge").in_zone("us-east-1d"),
    ]);
    let p = provider(&sim.proxy.url, &["us-east-1", "us-west-2"]).await;
    let name = unique("failover");
    let config = fleet_config(
        &p,
        json!({
            "name": name, "nodes": 2, "image_id": X86_IMAGE,
            "candidate": [
                {"instance_type": "p5.48xlarge", "regions": ["us-east-1"], "zones": ["us-east-1a", "us-east-1b"]},
                {"instance_type": "p4d.24xlarge"},
            ],
            "tags": {"team": "research"},
        }),
    );
    let state = json_of(&create(&p, &config).await.expect("placed"));
    assert_eq!(state["instance_type"], "p4d.24xlarge");
    assert_eq!(state["region"], "us-west-2");
    assert_eq!(state["zone"], "us-west-2b");
    assert_eq!(state["market"], "on-demand");
    assert_eq!(
        attempts(&state),
        [
            "p5.48xlarge on-demand us-east-1a InsufficientInstanceCapacity",
            "p5.48xlarge on-demand us-east-1b InsufficientInstanceCapacity",
            "p4d.24xlarge on-demand us-east-1a InsufficientInstanceCapacity",
            "p4d.24xlarge on-demand us-east-1b InsufficientInstanceCapacity",
            "p4d.24xlarge on-demand us-east-1c InsufficientInstanceCapacity",
            "p4d.24xlarge on-demand us-east-1d InsufficientInstanceCapacity",
            "p4d.24xlarge on-demand us-west-2a InsufficientInstanceCapacity",
        ]
    );
    // Each placement was asked once: capacity errors are not retried in place.
    assert_eq!(sim.launches().len(), 8, "{:?}", sim.launches());
    let ids: Vec<String> = state["instance_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(live_nodes("us-west-2", &name), sorted);
    assert!(live_nodes("us-east-1", &name).is_empty());
    assert_eq!(state["healthy_nodes"], 2);
    assert!(state["created_at"].is_string());
    assert_eq!(state["expires_at"], J::Null);
    destroy(&p, &create_value(&p, &state)).await;
    assert!(live_nodes("us-west-2", &name).is_empty());
}

fn create_value(p: &strata_provider_gpu::GpuProvider, state: &J) -> strata_types::Value {
    fleet_config(p, state.clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gang_that_cannot_complete_leaves_nothing_and_the_error_lists_every_try() {
    let sim = Ec2::start(&moto());
    // Room for 1 g5.xlarge per zone; the gang needs 3.
    sim.rooms(vec![none("g5.xlarge").nodes(1)]);
    let p = provider(&sim.proxy.url, &["us-east-1"]).await;
    let name = unique("gang");
    let config = fleet_config(
        &p,
        json!({
            "name": name, "nodes": 3, "image_id": X86_IMAGE,
            "candidate": [{"instance_type": "g5.xlarge", "zones": ["us-east-1a", "us-east-1b"]}],
        }),
    );
    let err = create(&p, &config).await.expect_err("no room for the gang");
    assert!(err.contains("No capacity for the fleet"), "{err}");
    assert!(
        err.contains("g5.xlarge on-demand in us-east-1a: InsufficientInstanceCapacity"),
        "{err}"
    );
    assert!(
        err.contains("g5.xlarge on-demand in us-east-1b: InsufficientInstanceCapacity"),
        "{err}"
    );
    assert!(err.contains("nothing is left running"), "{err}");
    assert!(live_nodes("us-east-1", &name).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn spot_is_tried_first_then_on_demand() {
    let sim = Ec2::start(&moto());
    sim.rooms(vec![none("p4d.24xlarge").market("spot")]);
    let p = provider(&sim.proxy.url, &["us-east-1"]).await;
    let name = unique("spot");
    let spec = |fallback: bool| {
        json!({
            "name": name, "nodes": 2, "image_id": {"us-east-1": X86_IMAGE},
            "candidate": [{"instance_type": "p4d.24xlarge", "zones": ["us-east-1a"]}],
            "spot": [{"enabled": true, "fallback_to_on_demand": fallback}],
            "placement_group": true,
        })
    };
    // Without fallback there is nothing to take.
    let err = create(&p, &fleet_config(&p, spec(false)))
        .await
        .expect_err("no spot");
    assert!(
        err.contains("p4d.24xlarge spot in us-east-1a: InsufficientInstanceCapacity"),
        "{err}"
    );
    assert!(
        sim.state.lock().unwrap().placement_groups.is_empty(),
        "the group made for the try is gone"
    );
    let state = json_of(
        &create(&p, &fleet_config(&p, spec(true)))
            .await
            .expect("on-demand"),
    );
    assert_eq!(state["market"], "on-demand");
    assert_eq!(
        attempts(&state),
        ["p4d.24xlarge spot us-east-1a InsufficientInstanceCapacity"]
    );
    assert!(
        state["hourly_price"].as_f64().unwrap() > 1.0,
        "the catalog's on-demand price"
    );
    let group = format!("strata-{name}");
    assert!(sim
        .state
        .lock()
        .unwrap()
        .placement_groups
        .contains_key(&group));
    destroy(&p, &create_value(&p, &state)).await;
    assert!(live_nodes("us-east-1", &name).is_empty());
    assert!(!sim
        .state
        .lock()
        .unwrap()
        .placement_groups
        .contains_key(&group));
    // With room, spot is taken.
    sim.rooms(vec![]);
    let state = json_of(
        &create(&p, &fleet_config(&p, spec(true)))
            .await
            .expect("spot"),
    );
    assert_eq!(state["market"], "spot");
    let launches = sim.launches();
    assert_eq!(launches.last().unwrap().2, "spot");
    destroy(&p, &create_value(&p, &state)).await;
}

fn ids_of(state: &J) -> Vec<String> {
    state["instance_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Refresh, plan and apply of a fleet that lost nodes.
async fn refresh_and_repair(
    p: &strata_provider_gpu::GpuProvider,
    state: &J,
    config: &strata_types::Value,
) -> Result<J, String> {
    let prior = create_value(p, state);
    let read = p
        .read("gpu_fleet", &prior)
        .await
        .expect("read")
        .expect("still there");
    let read_json = json_of(&read);
    assert!(
        read_json["healthy_nodes"].as_u64().unwrap() < 2,
        "{read_json}"
    );
    let planned = p
        .plan(PlanRequest {
            type_name: "gpu_fleet",
            prior: &read,
            proposed: &read,
            config,
        })
        .await
        .expect("plan")
        .planned;
    let instance_ids = strata_provider::attr(&planned, "instance_ids").unwrap();
    assert!(!instance_ids.is_wholly_known(), "the repair is planned");
    assert_eq!(json_of(&planned)["healthy_nodes"], 2);
    p.apply(strata_provider::ApplyRequest {
        type_name: "gpu_fleet",
        prior: &read,
        planned: &planned,
        config,
    })
    .await
    .map(|v| json_of(&v))
    .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn lost_nodes_are_replaced_in_the_zone_or_the_gang_fails_over() {
    let sim = Ec2::start(&moto());
    let p = provider(&sim.proxy.url, &["us-east-1"]).await;
    let name = unique("repair");
    let config = fleet_config(
        &p,
        json!({
            "name": name, "nodes": 2, "image_id": X86_IMAGE,
            "candidate": [{"instance_type": "p4d.24xlarge", "zones": ["us-east-1a", "us-east-1b"]}],
        }),
    );
    let state = json_of(&create(&p, &config).await.expect("placed"));
    assert_eq!(state["zone"], "us-east-1a");
    let ids = ids_of(&state);
    // A node is terminated out of band (a spot interruption, a person).
    ec2(
        "us-east-1",
        "TerminateInstances",
        &[("InstanceId.1", &ids[0])],
    );
    let repaired = refresh_and_repair(&p, &state, &config)
        .await
        .expect("repaired");
    assert_eq!(repaired["zone"], "us-east-1a");
    let now = ids_of(&repaired);
    assert_eq!(now.len(), 2);
    assert!(now.contains(&ids[1]), "the survivor stays");
    assert!(!now.contains(&ids[0]));
    // Again, with the zone out of capacity: the gang moves to another zone.
    ec2(
        "us-east-1",
        "TerminateInstances",
        &[("InstanceId.1", &now[0])],
    );
    sim.rooms(vec![none("p4d.24xlarge").in_zone("us-east-1a")]);
    let moved = refresh_and_repair(&p, &repaired, &config)
        .await
        .expect("failed over");
    assert_eq!(moved["zone"], "us-east-1b");
    assert_eq!(
        attempts(&moved),
        [
            "p4d.24xlarge on-demand us-east-1a InsufficientInstanceCapacity",
            "p4d.24xlarge on-demand us-east-1a InsufficientInstanceCapacity",
        ]
    );
    let mut moved_ids = ids_of(&moved);
    moved_ids.sort();
    assert_eq!(
        live_nodes("us-east-1", &name),
        moved_ids,
        "the old survivor is gone"
    );
    destroy(&p, &create_value(&p, &moved)).await;
    assert!(live_nodes("us-east-1", &name).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_acquisition_is_adopted_whole_or_cleaned_up() {
    let sim = Ec2::start(&moto());
    let p = provider(&sim.proxy.url, &["us-east-1", "us-west-2"]).await;
    let name = unique("recover");
    let config = fleet_config(
        &p,
        json!({
            "name": name, "nodes": 2, "image_id": X86_IMAGE,
            "candidate": [{"instance_type": "g5.xlarge"}],
        }),
    );
    let state = json_of(&create(&p, &config).await.expect("placed"));
    // The state write was lost: the journal's token finds the whole gang.
    let found = p
        .recover("gpu_fleet", &name, &config)
        .await
        .expect("recover")
        .expect("adopted");
    let found = json_of(&found);
    let (mut a, mut b) = (ids_of(&found), ids_of(&state));
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(found["zone"], state["zone"]);
    destroy(&p, &create_value(&p, &found)).await;
    // Half a gang (a launch the kill cut short) is terminated, not adopted.
    ec2(
        "us-west-2",
        "RunInstances",
        &[
            ("ImageId", X86_IMAGE),
            ("InstanceType", "g5.xlarge"),
            ("MinCount", "1"),
            ("MaxCount", "1"),
            ("Placement.AvailabilityZone", "us-west-2a"),
            ("TagSpecification.1.ResourceType", "instance"),
            ("TagSpecification.1.Tag.1.Key", "strata:fleet"),
            ("TagSpecification.1.Tag.1.Value", &name),
        ],
    );
    assert_eq!(live_nodes("us-west-2", &name).len(), 1);
    let found = p
        .recover("gpu_fleet", &name, &config)
        .await
        .expect("recover");
    assert!(found.is_none());
    assert!(live_nodes("us-west-2", &name).is_empty());
}

async fn plan_create(
    p: &strata_provider_gpu::GpuProvider,
    j: J,
) -> Result<strata_provider::PlanResponse, strata_provider::ProviderError> {
    let config = fleet_config(p, j);
    let null = null_fleet(p);
    p.plan(PlanRequest {
        type_name: "gpu_fleet",
        prior: &null,
        proposed: &config,
        config: &config,
    })
    .await
}

fn path_of(e: &strata_provider::ProviderError) -> Vec<String> {
    match e {
        strata_provider::ProviderError::Failed { attribute, .. } => {
            attribute.clone().unwrap_or_default()
        }
        _ => vec![],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_refuses_fleets_that_cannot_be_placed() {
    let p = provider(&moto(), &["us-east-1"]).await;
    let fleet = |candidate: J, image: &str, spot: J| json!({"name": "preflight", "nodes": 2, "image_id": image, "candidate": [candidate], "spot": spot});
    let cases = [
        (
            fleet(
                json!({"instance_type": "p5.48xlarge", "zones": ["us-east-1z"]}),
                X86_IMAGE,
                json!([]),
            ),
            "p5.48xlarge is offered in us-east-1 only in",
        ),
        (
            fleet(
                json!({"instance_type": "p4d.24xlarge"}),
                ARM_IMAGE,
                json!([]),
            ),
            "is built for arm64, but p4d.24xlarge runs x86_64",
        ),
        (
            fleet(json!({"instance_type": "zz9.huge"}), X86_IMAGE, json!([])),
            "EC2 knows no instance type \"zz9.huge\"",
        ),
        (
            fleet(
                json!({"instance_type": "g5.xlarge"}),
                X86_IMAGE,
                json!([{"enabled": true, "max_price": 0.000001}]),
            ),
            "every spot offer of g5.xlarge in us-east-1 is above max_price",
        ),
        (
            fleet(
                json!({"instance_type": "g5.xlarge"}),
                "ami-00000000",
                json!([]),
            ),
            "image ami-00000000 does not exist in us-east-1",
        ),
    ];
    for (config, expected) in cases {
        let err = plan_create(&p, config).await.expect_err(expected);
        assert!(err.to_string().contains(expected), "{err}");
        assert_eq!(path_of(&err), ["candidate", "0", "instance_type"], "{err}");
    }
    // The account's quota cannot hold the gang (Service Quotas answers
    // through the proxy).
    let sim = Ec2::start(&moto());
    sim.state
        .lock()
        .unwrap()
        .quotas
        .insert("L-417A185B".into(), 96.0);
    let quota_limited = provider(&sim.proxy.url, &["us-east-1"]).await;
    let err = plan_create(
        &quota_limited,
        json!({"name": "preflight", "nodes": 2, "image_id": X86_IMAGE, "candidate": [{"instance_type": "p4d.24xlarge"}]}),
    )
    .await
    .expect_err("over quota");
    assert!(
        err.to_string().contains(
            "the on-demand vCPU quota L-417A185B in us-east-1 is 96, and the gang needs 192"
        ),
        "{err}"
    );
    plan_create(
        &quota_limited,
        json!({"name": "preflight", "nodes": 1, "image_id": X86_IMAGE, "candidate": [{"instance_type": "p4d.24xlarge"}]}),
    )
    .await
    .expect("one node fits");
    // One candidate that cannot work beside one that can: a warning.
    let response = plan_create(
        &p,
        json!({"name": "preflight", "nodes": 2, "image_id": X86_IMAGE, "candidate": [
            {"instance_type": "p4d.24xlarge", "regions": ["us-east-1"], "zones": ["us-east-1f"]},
            {"instance_type": "p4d.24xlarge"},
        ]}),
    )
    .await
    .expect("plans");
    assert_eq!(response.warnings.len(), 1, "{:?}", response.warnings);
    assert!(response.warnings[0]
        .to_string()
        .contains("Candidate 1 (p4d.24xlarge) cannot place 2 node(s)"));
    // Bad input is refused before any call, at its attribute.
    let schema_problems = |j: J| {
        let config = fleet_config(&p, j);
        p.validate_resource("gpu_fleet", &config)
            .iter()
            .map(|e| (path_of(e).join("."), e.to_string()))
            .collect::<Vec<_>>()
    };
    let problems = schema_problems(json!({
        "name": "bad", "nodes": 0, "image_id": X86_IMAGE, "candidate": [{"instance_type": "A100"}],
        "ttl": "12x", "idle_timeout": "30", "idle_threshold": 120, "done_when_object": "bucket/key",
        "spot": [{"max_price": -1}],
    }));
    let paths: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "nodes",
            "candidate.0.instance_type",
            "ttl",
            "idle_timeout",
            "idle_threshold",
            "done_when_object",
            "spot.0.max_price"
        ],
        "{problems:?}"
    );
    assert!(
        problems[2].1.contains("\"12x\" is not a duration"),
        "{problems:?}"
    );
    let problems = schema_problems(json!({"name": "bad", "nodes": 1, "image_id": X86_IMAGE}));
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].1.contains("at least one candidate block"),
        "{problems:?}"
    );
}

fn put_gpu_utilization(instance: &str, minutes_ago: &[i64], value: f64) {
    let now = chrono::Utc::now();
    for (i, m) in minutes_ago.iter().enumerate() {
        let at = (now - chrono::Duration::minutes(*m)).to_rfc3339();
        let params: Vec<(String, String)> = [
            ("Namespace", "CWAgent".to_string()),
            (
                "MetricData.member.1.MetricName",
                "nvidia_smi_utilization_gpu".into(),
            ),
            (
                "MetricData.member.1.Dimensions.member.1.Name",
                "InstanceId".into(),
            ),
            (
                "MetricData.member.1.Dimensions.member.1.Value",
                instance.into(),
            ),
            ("MetricData.member.1.Value", value.to_string()),
            ("MetricData.member.1.Timestamp", at),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        aws("us-east-1")
            .send(&strata_aws_client::Request::query_action(
                "cloudwatch",
                "PutMetricData",
                "2010-08-01",
                &params,
            ))
            .unwrap_or_else(|e| panic!("PutMetricData {i}: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fleets_are_reapable_when_expired_idle_or_done() {
    let p = provider(&moto(), &["us-east-1"]).await;
    let fleet = |name: &str, extra: J| {
        let mut j = json!({
            "name": name, "nodes": 2, "image_id": X86_IMAGE,
            "candidate": [{"instance_type": "g5.xlarge", "zones": ["us-east-1c"]}],
        });
        for (k, v) in extra.as_object().unwrap() {
            j[k] = v.clone();
        }
        fleet_config(&p, j)
    };
    // Expired.
    let expiring = create(&p, &fleet(&unique("ttl"), json!({"ttl": "1s"})))
        .await
        .unwrap();
    let expires = json_of(&expiring)["expires_at"]
        .as_str()
        .unwrap()
        .to_string();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let why = p.reap_reason("gpu_fleet", &expiring).await.unwrap();
    assert_eq!(why, Some(format!("expired at {expires} (ttl 1s)")));
    // Done: the marker object exists (in a bucket of another region).
    let bucket = unique("runs");
    let s3 = aws("us-west-2");
    s3.send(
        &strata_aws_client::Request::new("s3", "PUT", format!("/{bucket}")).body(
            "<CreateBucketConfiguration><LocationConstraint>us-west-2</LocationConstraint></CreateBucketConfiguration>",
        ),
    )
    .expect("bucket");
    let url = format!("s3://{bucket}/run-42/_SUCCESS");
    let done = create(
        &p,
        &fleet(
            &unique("done"),
            json!({"done_when_object": url, "ttl": "12h"}),
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        p.reap_reason("gpu_fleet", &done).await.unwrap(),
        None,
        "not done yet"
    );
    s3.send(
        &strata_aws_client::Request::new("s3", "PUT", format!("/{bucket}/run-42/_SUCCESS"))
            .body("ok"),
    )
    .expect("marker");
    assert_eq!(
        p.reap_reason("gpu_fleet", &done).await.unwrap(),
        Some(format!("done: {url} exists"))
    );
    // Idle: every node under 5% for the whole 30 minutes.
    let idle = create(&p, &fleet(&unique("idle"), json!({"idle_timeout": "30m"})))
        .await
        .unwrap();
    let nodes = ids_of(&json_of(&idle));
    put_gpu_utilization(&nodes[0], &[28, 15, 1], 1.0);
    assert_eq!(
        p.reap_reason("gpu_fleet", &idle).await.unwrap(),
        None,
        "one node has not reported"
    );
    put_gpu_utilization(&nodes[1], &[27, 10, 2], 3.0);
    assert_eq!(
        p.reap_reason("gpu_fleet", &idle).await.unwrap(),
        Some("idle: GPU utilization averaged 2.0% over the last 30m (threshold 5%)".into())
    );
    // Busy, and data for only the last minutes: not idle.
    let busy = create(
        &p,
        &fleet(
            &unique("busy"),
            json!({"idle_timeout": "30m", "idle_threshold": 5}),
        ),
    )
    .await
    .unwrap();
    let busy_nodes = ids_of(&json_of(&busy));
    put_gpu_utilization(&busy_nodes[0], &[29, 1], 90.0);
    put_gpu_utilization(&busy_nodes[1], &[2], 0.0);
    assert_eq!(p.reap_reason("gpu_fleet", &busy).await.unwrap(), None);
    for state in [expiring, done, idle, busy] {
        destroy(&p, &state).await;
    }
}

fn first_text(xml: &str, tag: &str) -> String {
    let doc = roxmltree::Document::parse(xml).expect("xml");
    doc.descendants()
        .find(|n| n.has_tag_name(tag))
        .and_then(|n| n.text())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn nodes_launch_into_the_zones_subnet_with_its_groups_and_user_data() {
    let p = provider(&moto(), &["us-east-1"]).await;
    let subnet = first_text(
        &ec2(
            "us-east-1",
            "DescribeSubnets",
            &[
                ("Filter.1.Name", "availability-zone"),
                ("Filter.1.Value.1", "us-east-1b"),
                ("Filter.2.Name", "default-for-az"),
                ("Filter.2.Value.1", "true"),
            ],
        ),
        "subnetId",
    );
    let group = first_text(
        &ec2(
            "us-east-1",
            "DescribeSecurityGroups",
            &[
                ("Filter.1.Name", "group-name"),
                ("Filter.1.Value.1", "default"),
            ],
        ),
        "groupId",
    );
    assert!(subnet.starts_with("subnet-") && group.starts_with("sg-"));
    let name = unique("subnet");
    let state = create(
        &p,
        &fleet_config(
            &p,
            json!({
                "name": name, "nodes": 1, "image_id": X86_IMAGE,
                "candidate": [{"instance_type": "g5.xlarge", "zones": ["us-east-1b"]}],
                "subnet_ids": {"us-east-1b": subnet},
                "security_group_ids": [group],
                "user_data": "#!/bin/bash\necho train",
            }),
        ),
    )
    .await
    .expect("placed");
    let id = ids_of(&json_of(&state))[0].clone();
    let described = ec2("us-east-1", "DescribeInstances", &[("InstanceId.1", &id)]);
    assert_eq!(first_text(&described, "subnetId"), subnet);
    assert_eq!(first_text(&described, "groupId"), group);
    let user_data = ec2(
        "us-east-1",
        "DescribeInstanceAttribute",
        &[("InstanceId", &id), ("Attribute", "userData")],
    );
    assert_eq!(
        first_text(&user_data, "value"),
        "IyEvYmluL2Jhc2gKZWNobyB0cmFpbg==",
        "{user_data}"
    );
    destroy(&p, &state).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn offerings_list_where_an_accelerator_runs() {
    let p = provider(&moto(), &["us-east-1", "us-west-2"]).await;
    let schema = p.schema().data_sources["gpu_offerings"].clone();
    let read = |j: J| {
        let config =
            strata_types::json::value_from_json(&j, &schema.object_type()).expect("config");
        let p = &p;
        async move { p.read_data_source("gpu_offerings", &config).await }
    };
    let found = json_of(
        &read(json!({"accelerator": "a100", "regions": ["us-east-1"]}))
            .await
            .unwrap(),
    );
    let rows: Vec<String> = found["offerings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {} {} x{} {} {}GiB od={} spot={}",
                o["instance_type"].as_str().unwrap(),
                o["region"].as_str().unwrap(),
                o["zone"].as_str().unwrap(),
                o["gpus"],
                o["gpu_model"].as_str().unwrap(),
                o["gpu_memory_gib"],
                o["on_demand_price"],
                o["spot_price"]
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "p4d.24xlarge us-east-1 us-east-1a x8 A100 320GiB od=32.688 spot=0.00001",
            "p4d.24xlarge us-east-1 us-east-1b x8 A100 320GiB od=32.688 spot=0.00001",
            "p4d.24xlarge us-east-1 us-east-1c x8 A100 320GiB od=32.688 spot=0.00001",
            "p4d.24xlarge us-east-1 us-east-1d x8 A100 320GiB od=32.688 spot=0.00001",
        ]
    );
    // Named types, in the provider's regions; a price the catalog lacks is null.
    let found = json_of(
        &read(json!({"instance_types": ["g5.xlarge"]}))
            .await
            .unwrap(),
    );
    let offerings = found["offerings"].as_array().unwrap();
    assert!(offerings.iter().any(|o| o["zone"] == "us-west-2c"));
    assert!(offerings.iter().any(|o| o["zone"] == "us-east-1f"));
    assert!(offerings
        .iter()
        .filter(|o| o["region"] == "us-west-2")
        .all(|o| o["on_demand_price"].is_null()));
    let err = read(json!({"accelerator": "Z9000"}))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "No instance type with a \"Z9000\" GPU is known; known accelerators: A100, A10G, H100"
        ),
        "{err}"
    );
}
