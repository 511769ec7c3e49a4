//! The module library in `modules/`: each module's README documents every
//! input and output as the code declares them, each module's own tests
//! pass under `strata test` against moto, each example validates, and a
//! module installs from this repository through git as another
//! repository would take it.

mod common;
use common::{missing, moto_endpoint};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The library's modules and their submodules (`NAME/modules/SUB`).
fn modules() -> Vec<PathBuf> {
    let dirs = |at: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(at)
            .map(|d| {
                d.map(|e| e.expect("entry").path())
                    .filter(|p| p.join("versions.tf").is_file())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut found = dirs(&root().join("modules"));
    let nested: Vec<PathBuf> = found
        .iter()
        .flat_map(|m| dirs(&m.join("modules")))
        .collect();
    found.extend(nested);
    found.sort();
    assert!(found.len() >= 9, "the library has {} modules", found.len());
    found
}

fn strata(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .envs(env.iter().copied())
        .output()
        .expect("run strata");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// One line of source text: runs of whitespace made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The inputs and outputs tables, from the module's `.tf` files.
fn tables(dir: &Path) -> (String, String) {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    names.sort();
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = strata_lang::parser::parse_body(&text, 0);
        assert!(
            !parsed.diagnostics.has_errors(),
            "{} does not parse",
            path.display()
        );
        let source = |e: &strata_lang::ast::Expr| {
            one_line(&text[e.span.start as usize..e.span.end as usize])
        };
        for block in &parsed.value.blocks {
            if !matches!(block.type_name.as_str(), "variable" | "output") {
                continue;
            }
            let name = block
                .labels
                .first()
                .map(|l| l.value.clone())
                .unwrap_or_default();
            let description = block
                .body
                .attribute("description")
                .and_then(|a| strata_lang::ast::literal_string(&a.expr))
                .unwrap_or_else(|| panic!("{} {name} has no description", block.type_name));
            match block.type_name.as_str() {
                "variable" => {
                    let ty = block
                        .body
                        .attribute("type")
                        .map(|a| format!("`{}`", cell(&source(&a.expr))))
                        .unwrap_or_else(|| panic!("variable {name} has no type"));
                    let default = block
                        .body
                        .attribute("default")
                        .map(|a| format!("`{}`", cell(&source(&a.expr))))
                        .unwrap_or_else(|| "required".into());
                    inputs.push(format!(
                        "| `{name}` | {} | {ty} | {default} |",
                        cell(&description)
                    ));
                }
                "output" => outputs.push(format!("| `{name}` | {} |", cell(&description))),
                _ => {}
            }
        }
    }
    let inputs = format!(
        "| Name | Description | Type | Default |\n|------|-------------|------|---------|\n{}\n",
        inputs.join("\n")
    );
    let outputs = format!(
        "| Name | Description |\n|------|-------------|\n{}\n",
        outputs.join("\n")
    );
    (inputs, outputs)
}

/// The README's table after `marker` (up to the next heading), and the
/// README with `table` put there.
fn section(readme: &str, marker: &str, table: &str) -> (String, String) {
    let start = readme
        .find(marker)
        .unwrap_or_else(|| panic!("the README has no {marker:?} line"));
    let after = start + readme[start..].find('\n').unwrap() + 1;
    let end = readme[after..]
        .find("\n## ")
        .map_or(readme.len(), |i| after + i + 1);
    let current = readme[after..end].trim().to_string();
    let updated = format!("{}\n{}\n{}", &readme[..after], table, &readme[end..]);
    (current, updated)
}

#[test]
fn module_readmes_document_every_input_and_output() {
    let update = std::env::var_os("STRATA_UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for dir in modules() {
        let path = dir.join("README.md");
        let mut readme = std::fs::read_to_string(&path).expect("README.md");
        let (inputs, outputs) = tables(&dir);
        for (marker, table) in [("<!-- inputs:", &inputs), ("<!-- outputs:", &outputs)] {
            let (current, updated) = section(&readme, marker, table);
            if current != table.trim() {
                if update {
                    readme = updated;
                } else {
                    failures.push(format!(
                        "{}: the {} table is out of date (STRATA_UPDATE_SNAPSHOTS=1 rewrites it):\n--- README\n{current}\n--- code\n{}",
                        path.display(),
                        &marker[5..marker.len() - 1],
                        table.trim()
                    ));
                }
            }
        }
        if update {
            std::fs::write(&path, readme).unwrap();
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn module_tests_pass_against_moto() {
    let endpoint = moto_endpoint();
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "strata-test"),
        ("AWS_SECRET_ACCESS_KEY", "strata-test-secret"),
        ("AWS_REGION", "us-east-1"),
    ];
    let mut failures = Vec::new();
    for dir in modules() {
        assert!(
            dir.join("tests")
                .read_dir()
                .is_ok_and(|mut d| d.next().is_some()),
            "{} has no tests",
            dir.display()
        );
        let (code, out) = strata(&dir, &["test"], &env);
        if code != 0 || !out.contains("Success!") {
            failures.push(format!(
                "{}: strata test exited {code}:\n{out}",
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Each example validates and plans (against moto: data sources are
/// read, nothing is created), so an argument the plan cannot decide —
/// a count that hangs on an ARN known only after apply — is caught.
#[test]
fn module_examples_validate_and_plan() {
    let endpoint = moto_endpoint();
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "strata-test"),
        ("AWS_SECRET_ACCESS_KEY", "strata-test-secret"),
    ];
    let mut failures = Vec::new();
    for dir in modules() {
        let example = dir.join("examples/basic");
        for args in [
            &["validate"][..],
            &["plan", "-lock=false", "-refresh=false"][..],
        ] {
            let (code, out) = strata(&example, args, &env);
            if code != 0 {
                failures.push(format!("{} ({}): {out}", example.display(), args[0]));
            }
        }
        let _ = std::fs::remove_dir_all(example.join(".strata"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_module_installs_from_this_repository_through_git() {
    let repo = root().canonicalize().unwrap();
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(&repo)
        .output()
        .unwrap_or_else(|_| missing("git is not on PATH: install git"));
    if !head.status.success() {
        missing(
            "the repository has no git history to fetch a module from (run the tests in a clone)",
        );
    }
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let sandbox = common::Sandbox::new("library-git");
    sandbox.write(
        "main.tf",
        &format!(
            "provider \"aws\" {{\n  region = \"us-east-1\"\n}}\n\nmodule \"network\" {{\n  source = \"git::file://{}//modules/network?ref={head}\"\n  name   = \"from-git\"\n}}\n\noutput \"subnets\" {{\n  value = module.network.private_subnet_ids\n}}\n",
            repo.display()
        ),
    );
    let (code, out) = strata(&sandbox.dir, &["init"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        sandbox
            .dir
            .join(".terraform/modules/network/modules/network/main.tf")
            .is_file(),
        "{out}"
    );
    let (code, out) = strata(&sandbox.dir, &["validate"], &[]);
    assert_eq!(code, 0, "{out}");
}
