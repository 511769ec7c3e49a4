//! Plans rendered as pull-request comments (`strata show --format
//! markdown`), compared with snapshots in `tests/markdown_snapshots/`
//! (STRATA_UPDATE_SNAPSHOTS=1 rewrites them for review), and the rules a
//! split comment must keep.

mod common;

use common::{check_snapshot, Sandbox};

/// Applies `first`, writes `second`, plans it to a file and renders it.
fn comment(name: &str, first: Option<&str>, second: &str, extra: &[&str]) -> (Sandbox, String) {
    let sb = Sandbox::new(&format!("md-{name}"));
    if let Some(f) = first {
        sb.write("main.tf", f);
        let (code, text) = sb.run(&["apply", "-auto-approve"], "");
        assert_eq!(code, 0, "{text}");
    }
    sb.write("main.tf", second);
    let (code, text) = sb.run(&["plan", "-out=p.plan"], "");
    assert_eq!(code, 0, "{text}");
    let mut args = vec!["show", "--format", "markdown"];
    args.extend_from_slice(extra);
    args.push("p.plan");
    let (code, text) = sb.run(&args, "");
    assert_eq!(code, 0, "{text}");
    let body = text
        .split("--- stdout\n")
        .nth(1)
        .and_then(|t| t.split("--- stderr\n").next())
        .unwrap_or_default()
        .to_string();
    (sb, body)
}

const POLICY_V1: &str = r#"resource "terraform_data" "policy" {
  input = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::datasets/*" }] })
}
"#;

#[test]
fn create_only() {
    let (_sb, md) = comment(
        "create",
        None,
        "resource \"terraform_data\" \"trainer\" {\n  input = { gpus = 8, model = \"llama-3-8b\" }\n}\n\nresource \"terraform_data\" \"script\" {\n  input = <<-EOT\n    #!/bin/bash\n    torchrun --nproc-per-node 8 train.py\n  EOT\n}\n\noutput \"gpus\" {\n  value = terraform_data.trainer.output.gpus\n}\n",
        &[],
    );
    check_snapshot("markdown_snapshots", "md", "create_only", &md);
}

#[test]
fn mixed_and_destructive() {
    let first = format!(
        "{POLICY_V1}\nresource \"terraform_data\" \"old_cache\" {{\n  input = \"redis\"\n}}\n\nresource \"terraform_data\" \"endpoint\" {{\n  input            = \"serve\"\n  triggers_replace = \"model-v1\"\n}}\n"
    );
    let second = format!(
        "{}\nresource \"terraform_data\" \"endpoint\" {{\n  input            = \"serve\"\n  triggers_replace = \"model-v2\"\n}}\n\nresource \"terraform_data\" \"new\" {{\n  input = \"fresh\"\n}}\n",
        POLICY_V1.replace("[\"s3:GetObject\"]", "[\"s3:GetObject\", \"s3:PutObject\"]")
    );
    let (_sb, md) = comment("mixed", Some(&first), &second, &[]);
    assert!(
        md.contains("> [!WARNING]\n> **2 destructive changes**"),
        "{md}"
    );
    assert!(md.contains("-           \"s3:GetObject\"\n+           \"s3:GetObject\",\n+           \"s3:PutObject\""), "{md}");
    check_snapshot("markdown_snapshots", "md", "mixed_and_destructive", &md);
}

/// Moved objects are named with where they were: a move alone in a
/// section of its own, a move with a change beside the change.
#[test]
fn moves_say_where_objects_were() {
    let first = "resource \"terraform_data\" \"trainer\" {\n  input = \"v1\"\n}\n\nresource \"terraform_data\" \"cache\" {\n  input = \"redis\"\n}\n";
    let second = "moved {\n  from = terraform_data.trainer\n  to   = terraform_data.finetune\n}\n\nresource \"terraform_data\" \"finetune\" {\n  input = \"v2\"\n}\n\nmoved {\n  from = terraform_data.cache\n  to   = terraform_data.features\n}\n\nresource \"terraform_data\" \"features\" {\n  input = \"redis\"\n}\n";
    let (_sb, md) = comment("moves", Some(first), second, &[]);
    assert!(!md.contains("No changes."), "{md}");
    check_snapshot("markdown_snapshots", "md", "moves", &md);
}

#[test]
fn drift_has_its_own_section() {
    let sb = Sandbox::new("md-drift");
    let stack = "resource \"local_file\" \"config\" {\n  filename = \"${path.module}/train.yaml\"\n  content  = \"epochs: 3\\n\"\n}\n";
    sb.write("main.tf", stack);
    assert_eq!(sb.run(&["apply", "-auto-approve"], "").0, 0);
    // Edited outside Strata: the file no longer matches.
    sb.write("train.yaml", "epochs: 300\n");
    let (code, text) = sb.run(&["plan", "-out=p.plan"], "");
    assert_eq!(code, 0, "{text}");
    let (_, md) = sb.run(&["show", "--format", "markdown", "p.plan"], "");
    let md = md
        .split("--- stdout\n")
        .nth(1)
        .and_then(|t| t.split("--- stderr\n").next())
        .unwrap_or_default()
        .to_string();
    assert!(
        md.contains("<summary>Changed outside Strata (1)</summary>"),
        "{md}"
    );
    assert!(md.contains("- `local_file.config`: (deleted)"), "{md}");
    check_snapshot("markdown_snapshots", "md", "drift", &md);
}

#[test]
fn secrets_are_masked() {
    let stack = "variable \"token\" {\n  default   = \"hunter2-planted-secret\"\n  sensitive = true\n}\n\nresource \"terraform_data\" \"endpoint\" {\n  input = { token = var.token, stage = \"prod\" }\n}\n\noutput \"token\" {\n  value     = var.token\n  sensitive = true\n}\n";
    let (_sb, md) = comment("secrets", None, stack, &[]);
    assert!(!md.contains("hunter2"), "{md}");
    assert!(md.contains("(sensitive value)"), "{md}");
    check_snapshot("markdown_snapshots", "md", "secrets", &md);
}

/// Every part fits, starts with its marker, and closes what it opens;
/// together the parts hold every change.
#[test]
fn a_huge_plan_splits_without_cutting_fences_or_sections() {
    let mut stack = String::new();
    for i in 0..300 {
        stack.push_str(&format!(
            "resource \"terraform_data\" \"worker_{i:03}\" {{\n  input = {{ rank = {i}, hosts = [{}] }}\n}}\n\n",
            (0..8).map(|h| format!("\"gpu-{i}-{h}.cluster.internal\"")).collect::<Vec<_>>().join(", ")
        ));
    }
    // The smallest part allowed is kept too; smaller is refused.
    let (_sb, small) = comment("huge-small", None, &stack, &["--max-chars", "1200"]);
    for part in small.split("<!-- strata:part ").filter(|p| !p.is_empty()) {
        let part = format!("<!-- strata:part {part}");
        assert!(
            part.trim_end().chars().count() <= 1200,
            "a part has {} characters:\n{part}",
            part.chars().count()
        );
    }
    let sb = Sandbox::new("huge-too-small");
    sb.write("main.tf", &stack);
    let (code, text) = sb.run(
        &["plan", "--markdown-out", "c.md", "--max-chars", "500"],
        "",
    );
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("needs at least 1200 characters"), "{text}");
    let (_sb, md) = comment("huge", None, &stack, &["--max-chars", "20000"]);
    let parts: Vec<&str> = md
        .split("<!-- strata:part ")
        .filter(|p| !p.is_empty())
        .collect();
    assert!(parts.len() > 2, "{} parts", parts.len());
    let total = parts.len();
    for (i, part) in parts.iter().enumerate() {
        let part = format!("<!-- strata:part {part}");
        assert!(
            part.starts_with(&format!("<!-- strata:part {}/{total} -->\n", i + 1)),
            "{}",
            &part[..80]
        );
        // The separator between printed parts is one newline.
        assert!(
            part.trim_end().chars().count() <= 20000,
            "part {} has {} characters",
            i + 1,
            part.chars().count()
        );
        let fences = part.lines().filter(|l| l.starts_with("```")).count();
        assert_eq!(fences % 2, 0, "part {} cuts a code fence", i + 1);
        assert_eq!(
            part.matches("<details>").count(),
            part.matches("</details>").count(),
            "part {} cuts a <details> section",
            i + 1
        );
    }
    for i in 0..300 {
        assert!(
            md.contains(&format!("`terraform_data.worker_{i:03}`")),
            "worker_{i:03} is missing"
        );
    }
    assert!(parts[1].contains("<summary>Create (300) (continued)</summary>"));
    assert!(parts.last().unwrap().contains("plan sha256 `"));
}

/// `plan --all` finds the stacks under a directory (a module used by one
/// is not a stack), plans each, and writes one comment with a total; with
/// `--changed-since` only stacks a git change touches are planned.
#[test]
fn plan_all_combines_stacks_and_follows_git_changes() {
    let sb = Sandbox::new("md-all");
    let write = |path: &str, text: &str| {
        let p = sb.dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "modules/naming/main.tf",
        "variable \"team\" {}\n\noutput \"prefix\" {\n  value = \"ml-${var.team}\"\n}\n",
    );
    write(
        "stacks/training/main.tf",
        "module \"naming\" {\n  source = \"../../modules/naming\"\n  team   = \"research\"\n}\n\nresource \"terraform_data\" \"cluster\" {\n  input = \"${module.naming.prefix}-a100\"\n}\n",
    );
    write(
        "stacks/serving/main.tf",
        "resource \"terraform_data\" \"endpoint\" {\n  input = \"llm\"\n}\n\nresource \"terraform_data\" \"autoscaler\" {\n  input = 2\n}\n",
    );
    let (code, text) = sb.run(&["plan", "--all", "--markdown-out=all.md"], "");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("=== stacks/serving") && text.contains("=== stacks/training"),
        "{text}"
    );
    assert!(
        !text.contains("=== modules/naming"),
        "a module is not a stack:\n{text}"
    );
    let md = std::fs::read_to_string(sb.dir.join("all.md")).unwrap();
    assert!(md.contains("### Strata plan: 2 stacks"), "{md}");
    assert!(
        md.contains("| `stacks/serving` | 0 | 2 | 0 | 0 | 0 | 0 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("| `stacks/training` | 0 | 1 | 0 | 0 | 0 | 0 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("| **total** | 0 | 3 | 0 | 0 | 0 | 0 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("<summary>stacks/training: Create (1)</summary>"),
        "{md}"
    );
    check_snapshot(
        "markdown_snapshots",
        "md",
        "plan_all",
        &common::mask(&md, &sb.dir),
    );

    // In git: only what a change touches is planned.
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(&sb.dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "stacks"]);
    git(&["checkout", "-q", "-b", "change"]);
    write(
        "modules/naming/main.tf",
        "variable \"team\" {}\n\noutput \"prefix\" {\n  value = \"ml-${var.team}-v2\"\n}\n",
    );
    git(&["commit", "-q", "-am", "rename"]);
    let (code, text) = sb.run(&["plan", "--all", "--changed-since=main"], "");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("=== stacks/training"),
        "the module's user is planned:\n{text}"
    );
    assert!(!text.contains("=== stacks/serving"), "{text}");
}

const PRICED: &str = r#"provider "aws" {
  region = "us-east-1"
}

resource "aws_instance" "trainer" {
  count         = 2
  ami           = "ami-0123456789abcdef0"
  instance_type = "p5.48xlarge"
}

resource "aws_autoscaling_group" "workers" {
  min_size         = 0
  max_size         = 8
  desired_capacity = 4

  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = 1
      on_demand_percentage_above_base_capacity = 0
    }
    launch_template {
      launch_template_specification {
        launch_template_id = "lt-0123456789abcdef0"
      }
      override {
        instance_type = "p4d.24xlarge"
      }
    }
  }
}

resource "aws_sagemaker_endpoint_configuration" "llm" {
  name = "llm"
  production_variants {
    variant_name           = "main"
    model_name             = "llm"
    initial_instance_count = 2
    instance_type          = "ml.g5.xlarge"
  }
}

resource "aws_instance" "etl" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "r5.2xlarge"
}

resource "aws_ebs_volume" "scratch" {
  availability_zone = "us-east-1a"
  size              = 1000
  type              = "gp3"
}
"#;

/// Every plan carries its cost: in the terminal, the plan JSON and the
/// comment; a catalog file replaces the bundled prices.
#[test]
fn plans_carry_their_cost() {
    let sb = Sandbox::new("md-cost");
    sb.write("main.tf", PRICED);
    let env: &[(&str, &str)] = &[("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "y")];
    let (code, text) = sb.run_with(&["plan", "-out=p.plan"], "", env);
    assert_eq!(code, 0, "{text}");
    // 2 x 98.304 + (1 x 32.688 on demand + 3 x 32.688 x 0.35 spot) + 2 x 1.21
    // + 1,000 GB of gp3 at $0.08 a GB-month
    let hourly = 2.0 * 98.304 + 32.688 + 3.0 * 32.688 * 0.35 + 2.0 * 1.21 + 1000.0 * 0.08 / 730.0;
    let expected = format!("Cost: +${hourly:.2} per hour (+${} per month) for 5 priced resources; GPUs 0 -> 50; 1 unpriced.", group(hourly * 730.0));
    assert!(text.contains(&expected), "expected {expected:?} in\n{text}");
    let (_, json) = sb.run_with(&["show", "-json", "p.plan"], "", env);
    assert!(json.contains("\"cost_estimate\":{"), "{json}");
    assert!(
        json.contains("r5.2xlarge is not in the price catalog"),
        "{json}"
    );
    let (_, md) = sb.run_with(&["show", "--format", "markdown", "p.plan"], "", env);
    assert!(
        md.contains(&format!("**Cost:** +${hourly:.2} per hour")),
        "{md}"
    );
    assert!(md.contains("| `aws_autoscaling_group.workers` | $0.00 | $67.01 | 0 → 32 | 1 x p4d.24xlarge on demand + 3 x p4d.24xlarge spot |"), "{md}");
    // Our own prices.
    sb.write(
        "prices.json",
        r#"{"currency": "USD", "as_of": "test", "source": "a test catalog", "hours_per_month": 730, "spot_factor": 0.5,
            "regions": {"us-east-1": {"r5.2xlarge": {"on_demand": 1.0}}}}"#,
    );
    let (code, text) = sb.run_with(&["plan", "--price-catalog=prices.json"], "", env);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "Cost: +$1.00 per hour (+$730.00 per month) for 1 priced resource; 5 unpriced."
        ),
        "{text}"
    );
}

fn group(amount: f64) -> String {
    let cents = (amount * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let mut out = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{out}.{:02}", cents % 100)
}

fn policies() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/policies")
        .display()
        .to_string()
}

/// The shipped budget policy denies a plan over $250 an hour: the plan is
/// not saved, the exit code says so, and the comment shows why.
#[test]
fn a_policy_denial_stops_the_plan_and_shows_in_the_comment() {
    let sb = Sandbox::new("md-policy");
    sb.write("main.tf", PRICED);
    let env: &[(&str, &str)] = &[("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "y")];
    let policy = format!("--policy={}", policies());
    let (code, text) = sb.run_with(
        &["plan", &policy, "-out=p.plan", "--markdown-out=c.md"],
        "",
        env,
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Policy: 1 denied, 1 warning from 1 policy path."),
        "{text}"
    );
    assert!(text.contains("DENY [strata.gpu_budget] the stack would cost $266.15 an hour, over the budget of $250"), "{text}");
    assert!(
        text.contains("WARN [strata.gpu_budget] aws_instance.etl is not priced"),
        "{text}"
    );
    assert!(text.contains("Plan denied by policy"), "{text}");
    assert!(
        !sb.dir.join("p.plan").exists(),
        "a denied plan must not be saved"
    );
    let md = std::fs::read_to_string(sb.dir.join("c.md")).unwrap();
    assert!(md.contains("> [!CAUTION]\n> **Denied by policy**\n> - `strata.gpu_budget`: the stack would cost $266.15 an hour"), "{md}");
    // Under budget, the plan passes with the warning only.
    sb.write(
        "main.tf",
        &PRICED.replace("count         = 2", "count         = 1"),
    );
    let (code, text) = sb.run_with(&["plan", &policy, "-out=p.plan"], "", env);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Policy: 0 denied, 1 warning"), "{text}");
    assert!(sb.dir.join("p.plan").exists());
}

/// The shipped data-store policy refuses to destroy a bucket unless it is
/// tagged strata:allow-destroy = "true" (against moto on 127.0.0.1).
#[test]
fn data_stores_are_not_destroyed_without_an_explicit_allow() {
    let endpoint = common::moto_endpoint();
    let sb = Sandbox::new("md-protect");
    let env: &[(&str, &str)] = &[
        ("AWS_ENDPOINT_URL", &endpoint),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("AWS_SECRET_ACCESS_KEY", "y"),
    ];
    let bucket = format!("strata-protect-{}", std::process::id());
    let stack = |tags: &str| {
        format!("provider \"aws\" {{\n  region = \"us-east-1\"\n}}\n\nresource \"aws_s3_bucket\" \"datasets\" {{\n  bucket        = \"{bucket}\"\n  force_destroy = true\n  tags          = {{ {tags} }}\n}}\n")
    };
    sb.write("main.tf", &stack("team = \"ml\""));
    assert_eq!(sb.run_with(&["apply", "-auto-approve"], "", env).0, 0);
    sb.write(
        "main.tf",
        "provider \"aws\" {\n  region = \"us-east-1\"\n}\n",
    );
    let policy = format!("--policy={}", policies());
    let (code, text) = sb.run_with(&["plan", &policy], "", env);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "DENY [strata.protect_data_stores] aws_s3_bucket.datasets would be destroyed"
        ),
        "{text}"
    );
    let (code, text) = sb.run_with(&["apply", "-auto-approve", &policy], "", env);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("nothing was applied"), "{text}");
    // Allowed explicitly, the destroy goes through.
    sb.write(
        "main.tf",
        &stack("team = \"ml\", \"strata:allow-destroy\" = \"true\""),
    );
    assert_eq!(sb.run_with(&["apply", "-auto-approve"], "", env).0, 0);
    sb.write(
        "main.tf",
        "provider \"aws\" {\n  region = \"us-east-1\"\n}\n",
    );
    let (code, text) = sb.run_with(&["apply", "-auto-approve", &policy], "", env);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("1 destroyed"), "{text}");
}

/// The GitHub Actions example's comment step runs locally: it plans the
/// stacks, writes one file per comment part and keeps the plans, which
/// then apply as reviewed.
#[test]
fn the_actions_comment_script_runs_without_github() {
    let sb = Sandbox::new("md-actions");
    for (stack, n) in [("stacks/a", 3), ("stacks/b", 400)] {
        let dir = sb.dir.join(stack);
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = String::new();
        for i in 0..n {
            text.push_str(&format!(
                "resource \"terraform_data\" \"r{i}\" {{\n  input = \"{}\"\n}}\n\n",
                "x".repeat(200)
            ));
        }
        std::fs::write(dir.join("main.tf"), text).unwrap();
    }
    // The repository's policies apply to every stack.
    std::fs::create_dir_all(sb.dir.join("policies")).unwrap();
    std::fs::write(
        sb.dir.join("policies/naming.rego"),
        "package naming\n\nimport rego.v1\n\nwarn contains msg if {\n\tsome rc in input.resource_changes\n\trc.name == \"r0\"\n\tmsg := sprintf(\"%s: prefer descriptive names\", [rc.address])\n}\n",
    )
    .unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/github-actions/build-comment.sh");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_strata"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = std::process::Command::new("bash")
        .arg(&script)
        .arg("out")
        .current_dir(&sb.dir)
        .env("PATH", &path)
        .env("NO_COLOR", "1")
        .output()
        .expect("run the script");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let parts: Vec<String> = (1..)
        .map(|i| sb.dir.join(format!("out/part-{i}.md")))
        .take_while(|p| p.exists())
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        parts.len() >= 2,
        "400 resources of 200 characters need more than one part: {stdout}"
    );
    for (i, part) in parts.iter().enumerate() {
        assert!(part.starts_with(&format!("<!-- strata:part {}/{} -->", i + 1, parts.len())));
        assert!(part.chars().count() <= 65536);
    }
    let comment = parts.concat();
    assert!(
        comment.contains("> [!NOTE]\n> **Policy warnings**\n> - `naming`: terraform_data.r0: prefer descriptive names"),
        "{}",
        &comment[..2000.min(comment.len())]
    );
    // The kept plans apply as reviewed.
    let plan = sb.dir.join("out/plans/stacks__a.plan");
    assert!(plan.exists());
    let (code, text) = sb.run(
        &["-chdir=stacks/a", "apply", &plan.display().to_string()],
        "",
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("3 added"), "{text}");
    // The applied plan is the reviewed one: the other stack's kept plan,
    // applied outside the masking sandbox, names the sha256 the comment's
    // footer shows.
    let comment = std::fs::read_to_string(sb.dir.join("out/comment.md")).unwrap();
    let text = String::from_utf8_lossy(
        &std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .args([
                "-chdir=stacks/b",
                "apply",
                &sb.dir
                    .join("out/plans/stacks__b.plan")
                    .display()
                    .to_string(),
            ])
            .current_dir(&sb.dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
            .stdout,
    )
    .into_owned();
    let applied_sha = text
        .split("Applying the saved plan sha256 ")
        .nth(1)
        .and_then(|t| t.split('.').next())
        .expect("the apply names the plan's sha256");
    assert!(
        comment.contains(&format!("`stacks/b` plan sha256 `{applied_sha}`")),
        "{applied_sha} not in the comment's footer"
    );
}

/// `plan --all` gives every stack's plan the flags it was given, and
/// variables in command-line order (the last value wins).
#[test]
fn plan_all_passes_every_flag_in_order() {
    let sb = Sandbox::new("md-all-flags");
    let stack = "variable \"v\" {}\n\nresource \"terraform_data\" \"x\" {\n  input = var.v\n}\n\nresource \"terraform_data\" \"y\" {\n  input = var.v\n}\n";
    for dir in ["stacks/a", "stacks/b"] {
        std::fs::create_dir_all(sb.dir.join(dir)).unwrap();
        std::fs::write(sb.dir.join(dir).join("main.tf"), stack).unwrap();
    }
    sb.write("two.tfvars", "v = \"from-file\"\n");
    let (code, text) = sb.run(
        &[
            "plan",
            "--all",
            "-var=v=first",
            "-var-file=two.tfvars",
            "-var=v=last",
            "-target=terraform_data.x",
            "-detailed-exitcode",
        ],
        "",
    );
    assert_eq!(code, 2, "changes with -detailed-exitcode exit 2:\n{text}");
    assert_eq!(
        text.matches("terraform_data.x will be created").count(),
        2,
        "{text}"
    );
    assert!(
        !text.contains("terraform_data.y"),
        "--target was dropped:\n{text}"
    );
    assert_eq!(text.matches("\"last\"").count(), 2, "{text}");
    assert!(!text.contains("from-file"), "{text}");
    // The file given last wins over a -var before it.
    let (_, text) = sb.run(
        &["plan", "--all", "-var=v=first", "-var-file=two.tfvars"],
        "",
    );
    assert_eq!(text.matches("\"from-file\"").count(), 4, "{text}");
}

/// `plan --all` plans stacks side by side, yet shows each stack's output
/// whole under its own heading, in the stacks' order; a stack that fails
/// is named and makes the run fail, the others are still planned.
#[test]
fn plan_all_shows_each_stack_whole_and_in_order() {
    let sb = Sandbox::new("md-all-pool");
    let names = ["a", "b", "broken", "c", "d", "e"];
    for name in names {
        let dir = sb.dir.join("stacks").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let text = if name == "broken" {
            "resource \"terraform_data\" \"x\" {\n  input = var.missing\n}\n".to_string()
        } else {
            format!("resource \"terraform_data\" \"only_in_{name}\" {{\n  input = \"{name}\"\n}}\n")
        };
        std::fs::write(dir.join("main.tf"), text).unwrap();
    }
    let (code, text) = sb.run(&["plan", "--all"], "");
    assert_eq!(code, 1, "a failed stack fails the run:\n{text}");
    let headings: Vec<usize> = names
        .iter()
        .map(|n| {
            text.find(&format!("=== stacks/{n}\n"))
                .unwrap_or_else(|| panic!("no heading for {n}:\n{text}"))
        })
        .collect();
    assert!(
        headings.windows(2).all(|w| w[0] < w[1]),
        "in order:\n{text}"
    );
    for (i, name) in names.iter().enumerate() {
        let end = headings.get(i + 1).copied().unwrap_or(text.len());
        let section = &text[headings[i]..end];
        if *name == "broken" {
            // Its error is on stderr, which the transcript keeps apart.
            assert!(text.contains("var.missing"), "{text}");
        } else {
            assert!(
                section.contains(&format!("terraform_data.only_in_{name}")),
                "{section}"
            );
            for other in names.iter().filter(|o| *o != name && **o != "broken") {
                assert!(
                    !section.contains(&format!("only_in_{other}")),
                    "{other}'s output inside {name}'s section:\n{section}"
                );
            }
        }
    }
    assert!(
        text.contains("Planned 5 stack(s); failed: stacks/broken."),
        "{text}"
    );
}
