//! Configurations Terraform accepts or refuses, run through `validate`
//! and `plan` by both tools: each case in `tests/validate_corpus/` (a
//! directory, its first comment says what it holds; a directory inside
//! is a local module, installed for Terraform by `terraform init`) must be
//! accepted or refused alike, and a plan must have the same summary line.

mod common;

use common::terraform;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Outcome {
    ok: bool,
    summary: String,
    text: String,
}

fn run(program: &Path, args: &[&str], dir: &Path) -> Outcome {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TF_IN_AUTOMATION", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("Plan: ") || l.starts_with("No changes."))
        .map(|l| {
            // Terraform says "Plan: 1 to add, 0 to change, 0 to destroy."
            // and Strata the same, or "No changes." plus more after it.
            l.split(". ")
                .next()
                .unwrap_or(l)
                .trim_end_matches('.')
                .to_string()
        })
        .unwrap_or_default();
    Outcome {
        ok: out.status.success(),
        summary,
        text: format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)),
    }
}

#[test]
fn validate_and_plan_accept_what_terraform_accepts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_corpus");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 7, "the corpus keeps its cases");
    let terraform = terraform();
    let strata = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let scratch = std::env::temp_dir().join(format!("strata-validate-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let mut mismatches = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for (command, args) in [
            ("validate", &["validate", "-no-color"][..]),
            ("plan", &["plan", "-no-color"][..]),
        ] {
            let theirs_dir = scratch.join(&name).join(format!("terraform-{command}"));
            let ours_dir = scratch.join(&name).join(format!("strata-{command}"));
            common::copy_tree(case, &theirs_dir);
            common::copy_tree(case, &ours_dir);
            // Terraform installs local modules with init (no network).
            if std::fs::read_dir(case)
                .expect("case")
                .any(|e| e.is_ok_and(|e| e.path().is_dir()))
            {
                let init = run(
                    &terraform,
                    &["init", "-input=false", "-no-color"],
                    &theirs_dir,
                );
                assert!(init.ok, "terraform init for {name}:\n{}", init.text);
            }
            let theirs = run(&terraform, args, &theirs_dir);
            let ours = run(&strata, args, &ours_dir);
            if theirs.ok != ours.ok || theirs.summary != ours.summary {
                mismatches.push(format!(
                    "{name}, {command}: terraform {} {:?}, strata {} {:?}\n--- terraform\n{}\n--- strata\n{}",
                    if theirs.ok { "accepts" } else { "refuses" },
                    theirs.summary,
                    if ours.ok { "accepts" } else { "refuses" },
                    ours.summary,
                    theirs.text,
                    ours.text
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        mismatches.is_empty(),
        "{} of {} runs differ:\n{}",
        mismatches.len(),
        cases.len() * 2,
        mismatches.join("\n\n")
    );
}
