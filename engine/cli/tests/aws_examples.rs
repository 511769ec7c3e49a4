//! The AWS examples end to end against the moto server on 127.0.0.1
//! (STRATA_TEST_S3, started by `.ci/run`): plan, apply, plan again (no
//! changes), destroy, and then the server is searched for anything left.

mod common;

use common::Sandbox;
use strata_aws_client::{Client, Config, CredentialSource, Request};

fn moto() -> String {
    std::env::var("STRATA_TEST_S3")
        .expect("STRATA_TEST_S3 must name a moto server; run the tests with `bash .ci/run`")
}

fn client() -> Client {
    let url = moto();
    Client::new(Config {
        credentials: CredentialSource {
            access_key: Some("strata-test".into()),
            secret_key: Some("strata-test-secret".into()),
            ..Default::default()
        },
        endpoints: ["ec2", "iam", "s3", "autoscaling"]
            .iter()
            .map(|s| (s.to_string(), url.clone()))
            .collect(),
        max_retries: 2,
        ..Default::default()
    })
    .expect("client")
}

fn query(service: &str, version: &str, action: &str, params: &[(&str, &str)]) -> String {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    client()
        .send(&Request::query_action(service, action, version, &params))
        .map(|r| r.text())
        .unwrap_or_else(|e| format!("error: {e}"))
}

fn copy_example(name: &str, sb: &Sandbox) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    for entry in std::fs::read_dir(&dir).expect("example") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            std::fs::copy(&path, sb.dir.join(path.file_name().unwrap())).expect("copy");
        }
    }
}

#[test]
fn gpu_training_example_applies_and_destroys_cleanly() {
    let sb = Sandbox::new("example-gpu-training");
    copy_example("gpu-training-aws", &sb);
    let name = format!("strata-example-{}", std::process::id());
    let endpoint = moto();
    let env: &[(&str, &str)] = &[
        ("AWS_ENDPOINT_URL", &endpoint),
        ("AWS_ACCESS_KEY_ID", "strata-test"),
        ("AWS_SECRET_ACCESS_KEY", "strata-test-secret"),
    ];
    let name_var = format!("-var=name={name}");
    // moto 5.2 does not implement placement groups, and fails (HTTP 500)
    // deleting object versions once versioning is suspended, which
    // destroying a versioned bucket does: both are switched off here.
    let vars = [
        name_var.as_str(),
        "-var=use_placement_group=false",
        "-var=dataset_versioning=false",
    ];
    let run = |args: &[&str]| {
        let all: Vec<&str> = args.iter().chain(vars.iter()).copied().collect();
        let (code, text) = sb.run_with(&all, "", env);
        assert_eq!(code, 0, "{text}");
        text
    };
    let plan = run(&["plan"]);
    assert!(
        plan.contains("Plan: 16 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    let applied = run(&["apply", "-auto-approve"]);
    assert!(
        applied.contains("Apply complete! Resources: 16 added"),
        "{applied}"
    );
    assert!(applied.contains("\"model\" = \"A100\""), "{applied}");
    let again = run(&["plan", "-detailed-exitcode"]);
    assert!(
        again.contains("No changes."),
        "a second plan must find nothing to do:\n{again}"
    );
    // What AWS holds matches the stack.
    let vpcs = query(
        "ec2",
        "2016-11-15",
        "DescribeVpcs",
        &[
            ("Filter.1.Name", "tag:project"),
            ("Filter.1.Value.1", &name),
        ],
    );
    assert_eq!(vpcs.matches("<vpcId>").count(), 1, "{vpcs}");
    let groups = query(
        "autoscaling",
        "2011-01-01",
        "DescribeAutoScalingGroups",
        &[("AutoScalingGroupNames.member.1", &format!("{name}-workers"))],
    );
    assert!(
        groups.contains("<DesiredCapacity>2</DesiredCapacity>"),
        "{groups}"
    );
    assert!(groups.contains("capacity-optimized"), "{groups}");

    let destroyed = run(&["destroy", "-auto-approve"]);
    assert!(
        destroyed.contains("Destroy complete! Resources: 16 destroyed."),
        "{destroyed}"
    );
    // Nothing is left behind.
    let vpcs = query(
        "ec2",
        "2016-11-15",
        "DescribeVpcs",
        &[
            ("Filter.1.Name", "tag:project"),
            ("Filter.1.Value.1", &name),
        ],
    );
    assert_eq!(vpcs.matches("<vpcId>").count(), 0, "{vpcs}");
    let subnets = query(
        "ec2",
        "2016-11-15",
        "DescribeSubnets",
        &[
            ("Filter.1.Name", "tag:project"),
            ("Filter.1.Value.1", &name),
        ],
    );
    assert_eq!(subnets.matches("<subnetId>").count(), 0, "{subnets}");
    let sgs = query(
        "ec2",
        "2016-11-15",
        "DescribeSecurityGroups",
        &[
            ("Filter.1.Name", "group-name"),
            ("Filter.1.Value.1", &format!("{name}-workers")),
        ],
    );
    assert_eq!(sgs.matches("<groupId>").count(), 0, "{sgs}");
    let lts = query("ec2", "2016-11-15", "DescribeLaunchTemplates", &[]);
    assert!(!lts.contains(&name), "{lts}");
    let asgs = query(
        "autoscaling",
        "2011-01-01",
        "DescribeAutoScalingGroups",
        &[],
    );
    assert!(!asgs.contains(&name), "{asgs}");
    for action in ["ListRoles", "ListInstanceProfiles"] {
        let listed = query("iam", "2010-05-08", action, &[]);
        assert!(!listed.contains(&name), "{action}: {listed}");
    }
    let policies = query("iam", "2010-05-08", "ListPolicies", &[("Scope", "Local")]);
    assert!(!policies.contains(&name), "{policies}");
    let buckets = client()
        .send(&Request::new("s3", "GET", "/"))
        .unwrap()
        .text();
    assert!(!buckets.contains(&name), "{buckets}");
}
