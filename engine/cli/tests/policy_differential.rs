//! Rego policies written against Terraform's plan JSON give the same
//! findings on Strata's: one policy (reading `planned_values` with child
//! modules, `resource_changes`, `output_changes` and `configuration`) is
//! checked by `strata policy check` on Terraform 1.11's `show -json` of
//! a stack, by `strata plan --policy` on the same stack, and by `strata
//! policy check` on Strata's `show -json` of its saved plan.

mod common;
use common::terraform;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(program: &Path, args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TF_IN_AUTOMATION", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The finding lines of a policy report (`  DENY [policy] message`),
/// sorted.
fn findings(report: &str) -> Vec<String> {
    let mut lines: Vec<String> = report
        .lines()
        .filter(|l| l.starts_with("  DENY [") || l.starts_with("  WARN ["))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[test]
fn a_policy_written_for_terraform_plan_json_finds_the_same_in_strata_plans() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy_differential");
    let policy = here.join("policy.rego");
    let policy_arg = format!("--policy={}", policy.display());
    let scratch = std::env::temp_dir().join(format!("strata-policy-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let strata = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let dirs = [scratch.join("terraform"), scratch.join("strata")];
    for d in &dirs {
        common::copy_tree(&here.join("stack"), d);
    }

    let tf = &dirs[0];
    let (ok, text) = run(&terraform(), &["init", "-input=false"], tf);
    assert!(ok, "{text}");
    let (ok, text) = run(&terraform(), &["plan", "-input=false", "-out=tfplan"], tf);
    assert!(ok, "{text}");
    let (ok, shown) = run(&terraform(), &["show", "-json", "tfplan"], tf);
    assert!(ok, "{shown}");
    std::fs::write(scratch.join("terraform-plan.json"), &shown).expect("write");
    let (ok, theirs) = run(
        &strata,
        &["policy", "check", &policy_arg, "../terraform-plan.json"],
        tf,
    );
    assert!(!ok, "the policy denies a public bucket: {theirs}");
    let expected = findings(&theirs);
    assert!(
        expected.iter().any(|f| f.contains("DENY"))
            && expected
                .iter()
                .any(|f| f.contains("module.pool.terraform_data.node asks for 16 GPUs"))
            && expected
                .iter()
                .any(|f| f.contains("reads terraform_data.bucket[0].id"))
            && expected
                .iter()
                .any(|f| f.contains("holds a sensitive token")),
        "the policy reads every section of Terraform's plan JSON: {theirs}"
    );

    let st = &dirs[1];
    let (ok, planned) = run(&strata, &["plan", "-out=plan.bin", &policy_arg], st);
    assert!(!ok, "the policy denies the plan: {planned}");
    assert_eq!(
        findings(&planned),
        expected,
        "strata plan --policy:\n{planned}"
    );
    // Saved without the policy, then shown and checked on its own.
    let (ok, text) = run(&strata, &["plan", "-out=plan.bin"], st);
    assert!(ok, "{text}");
    let (ok, shown) = run(&strata, &["show", "-json", "plan.bin"], st);
    assert!(ok, "{shown}");
    std::fs::write(scratch.join("strata-plan.json"), &shown).expect("write");
    let (ok, ours) = run(
        &strata,
        &["policy", "check", &policy_arg, "../strata-plan.json"],
        st,
    );
    assert!(!ok, "{ours}");
    assert_eq!(findings(&ours), expected, "strata policy check:\n{ours}");
    let _ = std::fs::remove_dir_all(&scratch);
}
