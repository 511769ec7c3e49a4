//! The AWS examples end to end against the moto server on 127.0.0.1
//! (STRATA_TEST_S3, started by `.ci/run`): plan, apply, plan again (no
//! changes), destroy, and then the server is searched for anything left.

mod common;

use common::Sandbox;
use strata_aws_client::{Client, Config, CredentialSource, Request};

fn moto() -> String {
    common::moto_endpoint()
}

fn client() -> Client {
    let url = moto();
    Client::new(Config {
        credentials: CredentialSource {
            access_key: Some("strata-test".into()),
            secret_key: Some("strata-test-secret".into()),
            ..Default::default()
        },
        endpoints: [
            "ec2",
            "iam",
            "s3",
            "autoscaling",
            "eks",
            "emr",
            "sagemaker",
            "batch",
            "rds",
        ]
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

/// Copies `examples/NAME` and the module library it calls into the
/// sandbox, keeping their relative places; returns the `-chdir` flag
/// that runs strata in the example.
fn copy_example(name: &str, sb: &Sandbox) -> String {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    common::copy_tree(
        &repo.join("examples").join(name),
        &sb.dir.join("examples").join(name),
    );
    common::copy_tree(&repo.join("modules"), &sb.dir.join("modules"));
    format!("-chdir=examples/{name}")
}

/// How many nodes of fleet `name` are running.
fn running_fleet_nodes(name: &str) -> usize {
    query(
        "ec2",
        "2016-11-15",
        "DescribeInstances",
        &[
            ("Filter.1.Name", "tag:strata:fleet"),
            ("Filter.1.Value.1", name),
            ("Filter.2.Name", "instance-state-name"),
            ("Filter.2.Value.1", "running"),
        ],
    )
    .matches("<instanceId>")
    .count()
}

#[test]
fn gpu_fleet_example_applies_and_destroys_cleanly() {
    let name = format!("strata-gang-{}", std::process::id());
    // moto does not implement placement groups.
    let applied = lifecycle(
        "gpu-fleet",
        &name,
        &["-var=placement_group=false"],
        5,
        &|| {
            assert_eq!(running_fleet_nodes(&name), 4);
        },
    );
    assert!(
        applied.contains("\"instance_type\" = \"p5.48xlarge\""),
        "{applied}"
    );
    assert!(applied.contains("\"zone\" = \"us-east-1a\""), "{applied}");
    assert!(applied.contains("\"market\" = \"spot\""), "{applied}");
    assert_eq!(
        running_fleet_nodes(&name),
        0,
        "destroy leaves no node running"
    );
}

/// Networking and shared services written as published stacks write
/// them (standalone routes and security group rules, policy documents,
/// name prefixes): applied, planned again with nothing to do, destroyed.
#[test]
fn private_network_example_applies_and_destroys_cleanly() {
    let name = format!("pn-{}", std::process::id());
    let applied = lifecycle("private-network-aws", &name, &[], 24, &|| {
        let routes = query(
            "ec2",
            "2016-11-15",
            "DescribeRouteTables",
            &[
                ("Filter.1.Name", "tag:project"),
                ("Filter.1.Value.1", &name),
            ],
        );
        assert!(routes.contains("<natGatewayId>nat-"), "{routes}");
        assert!(routes.contains("<gatewayId>igw-"), "{routes}");
    });
    assert!(
        applied.contains(&format!("workers_security_group = \"{name}-workers-")),
        "{applied}"
    );
    assert!(
        applied.contains(&format!("dkr.ecr.us-east-1.amazonaws.com/{name}/models")),
        "{applied}"
    );
}

#[test]
fn gpu_training_example_applies_and_destroys_cleanly() {
    let name = format!("strata-example-{}", std::process::id());
    // moto 5.2 does not implement placement groups, and fails (HTTP 500)
    // deleting object versions once versioning is suspended, which
    // destroying a versioned bucket does: both are switched off here.
    let extra = [
        "-var=use_placement_group=false",
        "-var=dataset_versioning=false",
    ];
    let applied = lifecycle("gpu-training-aws", &name, &extra, 16, &|| {
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
    });
    assert!(applied.contains("\"model\" = \"A100\""), "{applied}");
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

/// Runs an example through plan, apply, a second plan and destroy with
/// the environment pointing at moto; returns the apply's output.
fn lifecycle(
    example: &str,
    name: &str,
    extra: &[&str],
    resources: usize,
    between: &dyn Fn(),
) -> String {
    let sb = Sandbox::new(&format!("example-{example}"));
    let chdir = copy_example(example, &sb);
    lifecycle_in(&sb, &chdir, name, extra, resources, between)
}

/// The same for a configuration already in the sandbox, run with `chdir`.
fn lifecycle_in(
    sb: &Sandbox,
    chdir: &str,
    name: &str,
    extra: &[&str],
    resources: usize,
    between: &dyn Fn(),
) -> String {
    let endpoint = moto();
    let env: &[(&str, &str)] = &[
        ("AWS_ENDPOINT_URL", &endpoint),
        ("AWS_ACCESS_KEY_ID", "strata-test"),
        ("AWS_SECRET_ACCESS_KEY", "strata-test-secret"),
    ];
    let name_var = format!("-var=name={name}");
    let run = |args: &[&str]| {
        let all: Vec<&str> = std::iter::once(&chdir)
            .chain(args.iter())
            .chain(std::iter::once(&name_var.as_str()))
            .chain(extra.iter())
            .copied()
            .collect();
        let (code, text) = sb.run_with(&all, "", env);
        assert_eq!(code, 0, "{text}");
        text
    };
    let plan = run(&["plan"]);
    assert!(
        plan.contains(&format!(
            "Plan: {resources} to add, 0 to change, 0 to destroy."
        )),
        "{plan}"
    );
    let applied = run(&["apply", "-auto-approve"]);
    assert!(
        applied.contains(&format!("Apply complete! Resources: {resources} added")),
        "{applied}"
    );
    let again = run(&["plan", "-detailed-exitcode"]);
    assert!(
        again.contains("No changes.") && !again.contains("changed outside"),
        "a second plan must find nothing to do, and no drift that matters:\n{again}"
    );
    between();
    let destroyed = run(&["destroy", "-auto-approve"]);
    assert!(
        destroyed.contains(&format!(
            "Destroy complete! Resources: {resources} destroyed."
        )),
        "{destroyed}"
    );
    applied
}

fn rest(service: &str, method: &'static str, path: &str, body: Option<&str>) -> String {
    let mut request = Request::new(service, method, path);
    if let Some(b) = body {
        request = request
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    client()
        .send(&request)
        .map(|r| r.text())
        .unwrap_or_else(|e| format!("error: {e}"))
}

#[test]
fn ml_platform_example_applies_and_destroys_cleanly() {
    let name = format!("strata-ml-{}", std::process::id());
    let applied = lifecycle("ml-platform-aws", &name, &[], 33, &|| {
        let group = rest(
            "eks",
            "GET",
            &format!("/clusters/{name}/node-groups/gpu"),
            None,
        );
        assert!(
            group.contains("AL2_x86_64_GPU") && group.contains("NO_SCHEDULE"),
            "{group}"
        );
    });
    assert!(applied.contains("eks_endpoint = \"https://"), "{applied}");
    assert!(
        applied.contains(&format!("inference_endpoint = \"{name}-llm\"")),
        "{applied}"
    );
    // Nothing is left behind.
    let clusters = rest("eks", "GET", "/clusters", None);
    assert!(!clusters.contains(&name), "{clusters}");
    let endpoints = client()
        .send(&Request::json_target_version(
            "sagemaker",
            "SageMaker.ListEndpoints",
            "1.1",
            &serde_json::json!({}),
        ))
        .unwrap()
        .text();
    assert!(!endpoints.contains(&name), "{endpoints}");
    let models = client()
        .send(&Request::json_target_version(
            "sagemaker",
            "SageMaker.ListModels",
            "1.1",
            &serde_json::json!({}),
        ))
        .unwrap()
        .text();
    assert!(!models.contains(&name), "{models}");
    let emr = client()
        .send(&Request::json_target_version(
            "emr",
            "ElasticMapReduce.ListClusters",
            "1.1",
            &serde_json::json!({"ClusterStates": ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]}),
        ))
        .unwrap()
        .text();
    assert!(!emr.contains(&name), "{emr}");
    let queues = rest("batch", "POST", "/v1/describejobqueues", Some("{}"));
    assert!(
        !queues.contains(&format!("{name}-gpu\",\"jobQueueArn")) || queues.contains("DELETED"),
        "{queues}"
    );
    let roles = query("iam", "2010-05-08", "ListRoles", &[]);
    assert!(!roles.contains(&name), "{roles}");
}

fn vpcs_in(region: &str, cidr: &str) -> usize {
    let url = moto();
    let client = Client::new(Config {
        region: region.into(),
        credentials: CredentialSource {
            access_key: Some("strata-test".into()),
            secret_key: Some("strata-test-secret".into()),
            ..Default::default()
        },
        endpoints: [("ec2".to_string(), url)].into_iter().collect(),
        max_retries: 2,
        ..Default::default()
    })
    .expect("client");
    let text = client
        .send(&Request::query_action(
            "ec2",
            "DescribeVpcs",
            "2016-11-15",
            &[
                ("Filter.1.Name".into(), "cidr".into()),
                ("Filter.1.Value.1".into(), cidr.into()),
            ],
        ))
        .expect("describe")
        .text();
    text.matches("<vpcId>").count()
}

#[test]
fn aliased_providers_reach_two_regions() {
    let sb = Sandbox::new("aws-aliases");
    sb.write(
        "main.tf",
        r#"provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "west"
  region = "us-west-2"
}

resource "aws_vpc" "east" {
  cidr_block = "10.91.0.0/16"
}

resource "aws_vpc" "west" {
  provider   = aws.west
  cidr_block = "10.92.0.0/16"
}

data "aws_region" "west" {
  provider = aws.west
}

output "regions" {
  value = [aws_vpc.east.arn, aws_vpc.west.arn, data.aws_region.west.name]
}
"#,
    );
    let endpoint = moto();
    let env: &[(&str, &str)] = &[
        ("AWS_ENDPOINT_URL", &endpoint),
        ("AWS_ACCESS_KEY_ID", "strata-test"),
        ("AWS_SECRET_ACCESS_KEY", "strata-test-secret"),
    ];
    let (code, text) = sb.run_with(&["apply", "-auto-approve"], "", env);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("\"us-west-2\""), "{text}");
    assert!(text.contains(":us-west-2:123456789012:vpc/"), "{text}");
    assert_eq!(vpcs_in("us-west-2", "10.92.0.0/16"), 1);
    assert_eq!(vpcs_in("us-east-1", "10.92.0.0/16"), 0);
    let state = std::fs::read_to_string(sb.dir.join("strata.tfstate")).unwrap();
    assert!(
        state.contains(r#""provider": "provider[\"registry.terraform.io/hashicorp/aws\"].west""#),
        "{state}"
    );
    let (code, text) = sb.run_with(&["plan"], "", env);
    assert!(code == 0 && text.contains("No changes"), "{text}");
    let (code, text) = sb.run_with(&["destroy", "-auto-approve"], "", env);
    assert_eq!(code, 0, "{text}");
    assert_eq!(vpcs_in("us-west-2", "10.92.0.0/16"), 0);
    // A reference to an alias no block declares is caught by validate.
    sb.write(
        "main.tf",
        "resource \"aws_vpc\" \"x\" {\n  provider   = aws.nowhere\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    );
    let (code, text) = sb.run(&["validate"], "");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Provider configuration not present") && text.contains("main.tf:2:16"),
        "{text}"
    );
}

/// `dynamic` blocks as published modules write them: one whose for_each
/// is known only after apply plans an unknown number of blocks (it was
/// refused as "Invalid dynamic for_each value"), and the content of one
/// whose for_each is empty is not evaluated.
#[test]
fn dynamic_blocks_with_unknown_or_empty_for_each_plan() {
    let sb = Sandbox::new("dynamic-blocks");
    sb.write(
        "main.tf",
        r#"
provider "aws" {
  region = "us-east-1"
}

variable "extra_rule" {
  type    = object({ port = number })
  default = null
}

resource "aws_vpc" "main" {
  cidr_block = "10.7.0.0/16"
}

resource "aws_security_group" "web" {
  name   = "dynamic-blocks-web"
  vpc_id = aws_vpc.main.id

  dynamic "ingress" {
    for_each = aws_vpc.main.id != "" ? [aws_vpc.main.id] : []
    content {
      from_port   = 443
      to_port     = 443
      protocol    = "tcp"
      cidr_blocks = ["10.7.0.0/16"]
      description = ingress.value
    }
  }

  dynamic "egress" {
    for_each = var.extra_rule == null ? [] : [1]
    content {
      from_port   = var.extra_rule.port
      to_port     = var.extra_rule.port
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
"#,
    );
    let endpoint = moto();
    let env: &[(&str, &str)] = &[
        ("AWS_ENDPOINT_URL", &endpoint),
        ("AWS_ACCESS_KEY_ID", "strata-test"),
        ("AWS_SECRET_ACCESS_KEY", "strata-test-secret"),
    ];
    let (code, text) = sb.run_with(&["plan"], "", env);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Plan: 2 to add"), "{text}");
}

/// checkov's verdicts on a plan JSON file: (check id, resource, passed),
/// sorted, and how many resources it read. Nothing leaves 127.0.0.1:
/// checkov's downloads are switched off and any other request goes to a
/// closed local port.
fn checkov_scan(file: &std::path::Path) -> (Vec<(String, String, bool)>, u64) {
    let out = std::process::Command::new(common::checkov())
        .args([
            "--framework",
            "terraform_plan",
            "-o",
            "json",
            "--skip-download",
            "-f",
        ])
        .arg(file)
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "")
        .output()
        .expect("run checkov");
    let text = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON ({e}):\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(report["summary"]["parsing_errors"], 0, "{report}");
    let mut verdicts = Vec::new();
    for (kind, passed) in [("passed_checks", true), ("failed_checks", false)] {
        for c in report["results"][kind].as_array().into_iter().flatten() {
            let id = c["check_id"].as_str().unwrap_or_default().to_string();
            let resource = c["resource"].as_str().unwrap_or_default().to_string();
            verdicts.push((id, resource, passed));
        }
    }
    verdicts.sort();
    let count = report["summary"]["resource_count"].as_u64().unwrap_or(0);
    (verdicts, count)
}

/// The plan's resources as Terraform lays out `planned_values`, built
/// here from its `resource_changes` (the `after` values of what is not
/// deleted, data sources read at apply included, grouped by module), with its `resource_changes` and `configuration`: the same
/// plan in Terraform's layout, made without Strata's `planned_values`.
fn terraform_layout(plan: &serde_json::Value) -> serde_json::Value {
    use serde_json::json;
    let mut modules: std::collections::BTreeMap<String, Vec<serde_json::Value>> =
        Default::default();
    for rc in plan["resource_changes"].as_array().into_iter().flatten() {
        let actions = &rc["change"]["actions"];
        if *actions == json!(["delete"]) || *actions == json!(["forget"]) {
            continue;
        }
        let mut r = json!({
            "address": rc["address"],
            "mode": rc["mode"],
            "type": rc["type"],
            "name": rc["name"],
            "provider_name": rc["provider_name"],
            "schema_version": 0,
            "values": rc["change"]["after"],
            "sensitive_values": rc["change"]["after_sensitive"],
        });
        if !rc["index"].is_null() {
            r["index"] = rc["index"].clone();
        }
        let module = rc["module_address"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        modules.entry(module).or_default().push(r);
    }
    let root = modules.remove("").unwrap_or_default();
    let children: Vec<serde_json::Value> = modules
        .into_iter()
        .map(|(address, resources)| json!({ "address": address, "resources": resources }))
        .collect();
    json!({
        "format_version": "1.2",
        "terraform_version": "1.11.0",
        "planned_values": { "root_module": { "resources": root, "child_modules": children } },
        "resource_changes": plan["resource_changes"],
        "configuration": plan["configuration"],
    })
}

/// checkov, a policy scanner that reads Terraform's plan JSON, reads
/// Strata's plan JSON of each AWS example: it finds every resource the
/// plan creates, and gives the same verdicts as on the same plan in
/// Terraform's layout. The `configuration` section connects resources
/// as Terraform's does: the dataset bucket's versioning (a resource of
/// its own) counts for the bucket.
#[test]
fn checkov_reads_the_plan_json_of_the_aws_examples() {
    let endpoint = moto();
    let env: &[(&str, &str)] = &[
        ("AWS_ENDPOINT_URL", &endpoint),
        ("AWS_ACCESS_KEY_ID", "strata-test"),
        ("AWS_SECRET_ACCESS_KEY", "strata-test-secret"),
    ];
    for (example, resources) in [
        ("gpu-training-aws", 18),
        ("private-network-aws", 24),
        ("ml-platform-aws", 33),
    ] {
        let sb = Sandbox::new(&format!("checkov-{example}"));
        let chdir = copy_example(example, &sb);
        let name = format!("-var=name=checkov-{}", std::process::id());
        let (code, text) = sb.run_with(&[&chdir, "plan", "-out=plan.bin", &name], "", env);
        assert_eq!(code, 0, "{text}");
        let shown = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .args([chdir.as_str(), "show", "-json", "plan.bin"])
            .current_dir(&sb.dir)
            .output()
            .expect("show");
        assert!(shown.status.success(), "{shown:?}");
        let plan: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("plan JSON");
        let ours = sb.dir.join("strata-plan.json");
        std::fs::write(&ours, &shown.stdout).expect("write");
        let theirs = sb.dir.join("terraform-layout.json");
        std::fs::write(&theirs, terraform_layout(&plan).to_string()).expect("write");

        let (verdicts, read) = checkov_scan(&ours);
        assert_eq!(read, resources, "{example}: checkov read {read} resources");
        let (reference, _) = checkov_scan(&theirs);
        assert_eq!(verdicts, reference, "{example}: checkov's verdicts differ");
        if example == "gpu-training-aws" {
            let versioned = (
                "CKV_AWS_21".to_string(),
                "aws_s3_bucket.datasets".to_string(),
                true,
            );
            assert!(verdicts.contains(&versioned), "{example}: {verdicts:?}");
        }
    }
}

/// A VPC module in the shape of the most used published one (every type
/// it declares, count-gated on its variables, most arguments null) with
/// its "simple" and "complete" examples: validated, planned, applied,
/// planned again with nothing to do (no false change, no drift note),
/// destroyed, and nothing of it left in moto.
#[test]
fn published_vpc_module_examples_apply_and_destroy_cleanly() {
    let sb = Sandbox::new("published-vpc");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/published_vpc");
    common::copy_tree(&fixture, &sb.dir.join("published_vpc"));
    for (example, resources) in [("simple", 22), ("complete", 46)] {
        let name = format!("pv{example}{}", std::process::id());
        let chdir = format!("-chdir=published_vpc/{example}");
        let applied = lifecycle_in(&sb, &chdir, &name, &[], resources, &|| {
            let vpcs = query(
                "ec2",
                "2016-11-15",
                "DescribeVpcs",
                &[
                    ("Filter.1.Name", "tag:Name"),
                    ("Filter.1.Value.1", &format!("ex-{name}")),
                ],
            );
            assert!(vpcs.contains("<vpcId>vpc-"), "{vpcs}");
            if example == "complete" {
                assert!(
                    vpcs.contains("<cidrBlock>10.1.0.0/16</cidrBlock>"),
                    "{vpcs}"
                );
                let groups = query(
                    "rds",
                    "2014-10-31",
                    "DescribeDBSubnetGroups",
                    &[("DBSubnetGroupName", &format!("ex-{name}"))],
                );
                assert!(groups.contains("<SubnetIdentifier>subnet-"), "{groups}");
            }
        });
        assert!(applied.contains("vpc_id = \"vpc-"), "{applied}");
        let left = query(
            "ec2",
            "2016-11-15",
            "DescribeVpcs",
            &[
                ("Filter.1.Name", "tag:Name"),
                ("Filter.1.Value.1", &format!("ex-{name}")),
            ],
        );
        assert!(!left.contains("<vpcId>"), "destroy leaves no VPC: {left}");
    }
}

/// A bucket module in the shape of the most used published one, with its
/// "simple" and "complete" examples (a log bucket module, policies from
/// policy documents, ACL, website, CORS, lifecycle rules, KMS encryption,
/// versioning, acceleration, ownership controls): applied, planned again
/// with nothing to do, destroyed, and no bucket of it left in moto.
#[test]
fn published_s3_module_examples_apply_and_destroy_cleanly() {
    let sb = Sandbox::new("published-s3");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/published_s3");
    common::copy_tree(&fixture, &sb.dir.join("published_s3"));
    for (example, resources) in [("simple", 3), ("complete", 19)] {
        let name = format!("ps{example}{}", std::process::id());
        let chdir = format!("-chdir=published_s3/{example}");
        let bucket = format!("ex-{name}");
        let applied = lifecycle_in(&sb, &chdir, &name, &[], resources, &|| {
            let website = client()
                .send(&Request::new("s3", "GET", format!("/{bucket}")).query("website", ""))
                .map(|r| r.text())
                .unwrap_or_else(|e| format!("error: {e}"));
            if example == "complete" {
                assert!(website.contains("<Suffix>index.html</Suffix>"), "{website}");
                let rules = client()
                    .send(&Request::new("s3", "GET", format!("/{bucket}")).query("lifecycle", ""))
                    .map(|r| r.text())
                    .unwrap_or_else(|e| format!("error: {e}"));
                assert_eq!(rules.matches("<Rule>").count(), 3, "{rules}");
            }
        });
        assert!(
            applied.contains(&format!("s3_bucket_id = \"{bucket}\"")),
            "{applied}"
        );
        let buckets = client()
            .send(&Request::new("s3", "GET", "/"))
            .map(|r| r.text())
            .unwrap_or_default();
        assert!(
            !buckets.contains(&format!("<Name>{bucket}</Name>")),
            "{buckets}"
        );
    }
}
