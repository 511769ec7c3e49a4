//! GPU fleets through the whole binary, against moto behind the capacity
//! proxy (`providers/gpu/tests/common/sim.rs`): `strata reap` (dry run,
//! only what is finished, never what depends on it), a SIGKILL in the
//! middle of an acquisition, preflight errors at their configuration
//! span, and a lost node planned and replaced.

mod common;

#[allow(dead_code)]
#[path = "../../../providers/aws/tests/common/proxy.rs"]
mod proxy;
#[path = "../../../providers/gpu/tests/common/sim.rs"]
mod sim;

use common::{moto_endpoint, Sandbox};
use sim::Ec2;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use strata_aws_client::{Client, Config, CredentialSource, Request};

fn provider_block(endpoint: &str) -> String {
    format!(
        r#"provider "gpu" {{
  aws {{
    regions    = ["us-east-1", "us-west-2"]
    access_key = "strata-test"
    secret_key = "strata-test-secret"
    max_retries = 3
    endpoints {{
      ec2           = "{endpoint}"
      s3            = "{endpoint}"
      cloudwatch    = "{endpoint}"
      servicequotas = "{endpoint}"
      sts           = "{endpoint}"
    }}
  }}
}}
"#
    )
}

fn fleet(label: &str, name: &str, extra: &str) -> String {
    format!(
        r#"
resource "gpu_fleet" "{label}" {{
  name  = "{name}"
  nodes = 2
  candidate {{
    instance_type = "g5.xlarge"
    regions       = ["us-east-1"]
  }}
  image_id = "ami-12c6146b"
{extra}
}}
"#
    )
}

fn unique(name: &str) -> String {
    format!(
        "{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

fn moto_client() -> Client {
    let endpoint = moto_endpoint();
    Client::new(Config {
        region: "us-east-1".into(),
        credentials: CredentialSource {
            access_key: Some("strata-test".into()),
            secret_key: Some("strata-test-secret".into()),
            ..Default::default()
        },
        endpoints: [("ec2".to_string(), endpoint)].into_iter().collect(),
        max_retries: 2,
        ..Default::default()
    })
    .expect("client")
}

/// The running or pending nodes tagged as fleet `name` in us-east-1.
fn live_nodes(name: &str) -> Vec<String> {
    let params: Vec<(String, String)> = [
        ("Filter.1.Name", "tag:strata:fleet"),
        ("Filter.1.Value.1", name),
        ("Filter.2.Name", "instance-state-name"),
        ("Filter.2.Value.1", "pending"),
        ("Filter.2.Value.2", "running"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let text = moto_client()
        .send(&Request::query_action(
            "ec2",
            "DescribeInstances",
            "2016-11-15",
            &params,
        ))
        .expect("describe")
        .text();
    let mut ids: Vec<String> = regex::Regex::new(r"<instanceId>(i-[0-9a-f]+)</instanceId>")
        .unwrap()
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn state_ids(sandbox: &Sandbox, address: &str) -> Vec<String> {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sandbox.dir.join("strata.tfstate")).expect("state"))
            .expect("state JSON");
    let (ty, name) = address.split_once('.').unwrap();
    let mut ids: Vec<String> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == ty && r["name"] == name)
        .flat_map(|r| {
            r["instances"][0]["attributes"]["instance_ids"]
                .as_array()
                .unwrap()
                .clone()
        })
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn reap_destroys_only_what_is_finished() {
    let sim = Ec2::start(&moto_endpoint());
    let sandbox = Sandbox::new("gpu-reap");
    let (short, long) = (unique("short"), unique("long"));
    let fleets = format!(
        "{}{}{}",
        provider_block(&sim.proxy.url),
        fleet("short", &short, "  ttl = \"1s\""),
        fleet("long", &long, "  ttl = \"12h\"")
    );
    let job = "\nresource \"terraform_data\" \"job\" {\n  input = gpu_fleet.short.id\n}\n";
    sandbox.write("main.tf", &format!("{fleets}{job}"));
    let (code, out) = sandbox.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    assert_eq!(live_nodes(&short).len(), 2);
    std::thread::sleep(Duration::from_millis(1500));
    // The job depends on the expired fleet: reap touches nothing.
    let (code, out) = sandbox.run(&["reap", "-auto-approve"], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("E627") && out.contains("would also destroy terraform_data.job"),
        "{out}"
    );
    assert_eq!(live_nodes(&short).len(), 2);
    sandbox.write("main.tf", &fleets);
    let (code, out) = sandbox.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    // A dry run says what and why, and destroys nothing.
    let (code, out) = sandbox.run(&["reap", "-dry-run"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("gpu_fleet.short: expired at "), "{out}");
    assert!(out.contains("(ttl 1s)"), "{out}");
    assert!(out.contains("# gpu_fleet.short will be destroyed"), "{out}");
    assert!(!out.contains("gpu_fleet.long will"), "{out}");
    assert!(out.contains("Dry run: nothing was destroyed."), "{out}");
    assert_eq!(live_nodes(&short).len(), 2);
    let (code, out) = sandbox.run(&["reap", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Destroy complete! Resources: 1 destroyed."),
        "{out}"
    );
    assert!(live_nodes(&short).is_empty());
    assert_eq!(live_nodes(&long), state_ids(&sandbox, "gpu_fleet.long"));
    let (code, out) = sandbox.run(&["state", "list"], "");
    assert_eq!((code, out.contains("gpu_fleet.short")), (0, false), "{out}");
    let (code, out) = sandbox.run(&["reap", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Nothing to reap"), "{out}");
    let (code, out) = sandbox.run(&["destroy", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    assert!(live_nodes(&long).is_empty());
}

#[test]
fn a_kill_during_acquisition_leaves_no_orphan() {
    let sim = Ec2::start(&moto_endpoint());
    let sandbox = Sandbox::new("gpu-kill");
    let name = unique("killed");
    sandbox.write(
        "main.tf",
        &format!(
            "{}{}",
            provider_block(&sim.proxy.url),
            fleet("train", &name, "")
        ),
    );
    // moto launches at once; its answer is held back, and the kill lands
    // after the nodes exist but before Strata hears of them.
    sim.state.lock().unwrap().launch_delay = Some(Duration::from_secs(3));
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["apply", "-auto-approve"])
        .current_dir(&sandbox.dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("apply");
    let started = Instant::now();
    while sim.launches().is_empty() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!sim.launches().is_empty(), "the apply never launched");
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        matches!(child.try_wait(), Ok(None)),
        "apply finished before the kill"
    );
    let _ = child.kill();
    let _ = child.wait();
    sim.state.lock().unwrap().launch_delay = None;
    assert_eq!(
        live_nodes(&name).len(),
        2,
        "the nodes launched before the kill"
    );
    // The next command settles the journal: the gang is adopted.
    let (code, out) = sandbox.run(&["plan", "-detailed-exitcode"], "");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("gpu_fleet.train: recovered the object the interrupted create made"),
        "{out}"
    );
    assert_eq!(live_nodes(&name), state_ids(&sandbox, "gpu_fleet.train"));
    let (code, out) = sandbox.run(&["destroy", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    assert!(live_nodes(&name).is_empty());
}

#[test]
fn preflight_errors_point_at_the_candidate() {
    let sandbox = Sandbox::new("gpu-preflight");
    let endpoint = moto_endpoint();
    let stack = format!(
        "{}{}",
        provider_block(&endpoint),
        r#"
resource "gpu_fleet" "bad" {
  name  = "preflight"
  nodes = 2
  candidate {
    instance_type = "p4d.24xlarge"
    regions       = ["us-east-1"]
    zones         = ["us-east-1z"]
  }
  candidate {
    instance_type = "g5.xlarge"
  }
  image_id = "ami-0e9271c829888680e"
}
"#
    );
    sandbox.write("main.tf", &stack);
    let (code, out) = sandbox.run(&["plan"], "");
    assert_eq!(code, 1, "{out}");
    let line = stack
        .lines()
        .position(|l| l.contains("\"p4d.24xlarge\""))
        .unwrap()
        + 1;
    assert!(out.contains(&format!("main.tf:{line}:5")), "{out}");
    assert!(out.contains("No candidate can be placed"), "{out}");
    assert!(out.contains("p4d.24xlarge is offered in us-east-1 only in us-east-1a, us-east-1b, us-east-1c, us-east-1d, not in us-east-1z"), "{out}");
    assert!(
        out.contains("image ami-0e9271c829888680e is built for arm64, but g5.xlarge runs x86_64"),
        "{out}"
    );
    sandbox.write(
        "main.tf",
        &stack
            .replace("nodes = 2", "nodes = 0")
            .replace("  image_id", "  ttl = \"soon\"\n  image_id"),
    );
    let (code, out) = sandbox.run(&["plan"], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("nodes must be a whole number of at least 1"),
        "{out}"
    );
    assert!(out.contains("\"soon\" is not a duration"), "{out}");
}

#[test]
fn a_lost_node_is_planned_and_replaced() {
    let sim = Ec2::start(&moto_endpoint());
    let sandbox = Sandbox::new("gpu-repair");
    let name = unique("repair");
    sandbox.write(
        "main.tf",
        &format!(
            "{}{}",
            provider_block(&sim.proxy.url),
            fleet("train", &name, "")
        ),
    );
    let (code, out) = sandbox.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    // Apply says what was taken.
    assert!(
        regex::Regex::new(r"gpu_fleet\.train: Creation complete after <n>s: 2 x g5\.xlarge on-demand in us-east-1a at \$1\.006/node-hour \[1/1\]")
            .unwrap()
            .is_match(&out),
        "{out}"
    );
    let before = state_ids(&sandbox, "gpu_fleet.train");
    let params = vec![("InstanceId.1".to_string(), before[0].clone())];
    moto_client()
        .send(&Request::query_action(
            "ec2",
            "TerminateInstances",
            "2016-11-15",
            &params,
        ))
        .expect("terminate");
    let (code, out) = sandbox.run(&["plan", "-detailed-exitcode"], "");
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("gpu_fleet.train will be updated in-place"),
        "{out}"
    );
    assert!(out.contains("healthy_nodes = 1 -> 2"), "{out}");
    assert!(
        out.contains(
            "# gpu_fleet.train has changed outside of Strata: healthy_nodes, instance_ids"
        ),
        "{out}"
    );
    let (code, out) = sandbox.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    let after = state_ids(&sandbox, "gpu_fleet.train");
    assert_eq!(after.len(), 2);
    assert!(after.contains(&before[1]) && !after.contains(&before[0]));
    assert_eq!(live_nodes(&name), after);
    let (code, out) = sandbox.run(&["destroy", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
}
