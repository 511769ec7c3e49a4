//! Whole-binary test of `strata validate` on a stack with many mistakes:
//! every one is reported in the same run, each with its stable code and its
//! `file:line:col`, and the exit status is non-zero.

use std::path::Path;
use std::process::Command;

#[test]
fn validate_reports_every_mistake_with_its_location() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["validate", "-no-color"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run strata");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Structural mistakes, rendered for people; the other kinds are
    // checked through --json below.
    for expected in [
        "Error[E202]: Unsupported argument\n  --> main.tf:7:3",
        "Did you mean \"type\"?",
        "Error[E204]: Unsupported block type\n   --> main.tf:27:1",
        "Did you mean \"resource\"?",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
}

#[test]
fn validate_reports_reference_type_and_cycle_errors() {
    let dir = std::env::temp_dir().join(format!("strata-diagnostics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics/main.tf"),
    )
    .expect("fixture");
    let fixed = source
        .replace("  tpye = string\n", "  type = string\n")
        .replace("resourc \"x\" \"y\" {\n}\n", "");
    std::fs::write(dir.join("main.tf"), fixed).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["validate", "--json"])
        .current_dir(&dir)
        .output()
        .expect("run strata");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let found: Vec<(String, u64, u64)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap_or(0),
                d["range"]["start"]["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    for expected in [
        ("E402", 3, 13),  // "eight" is not a number
        ("E306", 11, 3),  // local.a -> local.b -> local.a
        ("E302", 13, 7),  // var.gpu is not declared
        ("E500", 14, 7),  // uper() is not a function
        ("E423", 15, 7),  // "x" + 1
        ("E309", 19, 11), // each.key in a resource with count
        ("E302", 24, 11), // aws_instance.cpu is not declared
    ] {
        assert!(
            found.iter().any(|f| (f.0.as_str(), f.1, f.2) == expected),
            "missing {expected:?} in {found:?}"
        );
    }
    assert_eq!(report["valid"], false);
}

/// Snapshot tests of rendered diagnostics: every `cases/NAME.tf` is
/// validated (or run with the command in `NAME.args`) as a one-file stack
/// (with `NAME.tfvars` as terraform.tfvars when present) and the exit status, stdout and stderr must equal
/// `cases/NAME.snap`. Run with STRATA_UPDATE_SNAPSHOTS=1 to rewrite the
/// snapshots, then review the diff.
#[test]
fn rendered_diagnostics_match_snapshots() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics/cases");
    let update = std::env::var_os("STRATA_UPDATE_SNAPSHOTS").is_some();
    let mut names: Vec<String> = std::fs::read_dir(&cases)
        .expect("cases")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".tf").map(str::to_string))
        .collect();
    names.sort();
    assert!(names.len() >= 30, "keep at least 30 kinds of mistakes");
    let scratch = std::env::temp_dir().join(format!("strata-snapshots-{}", std::process::id()));
    let mut failures = Vec::new();
    let mut codes = std::collections::BTreeSet::new();
    for name in &names {
        let dir = scratch.join(name);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::copy(cases.join(format!("{name}.tf")), dir.join("main.tf")).expect("copy");
        if cases.join(format!("{name}.tfvars")).is_file() {
            std::fs::copy(
                cases.join(format!("{name}.tfvars")),
                dir.join("terraform.tfvars"),
            )
            .expect("copy");
        }
        // `validate` by default; `NAME.args` names another command (a
        // variable's validation rule is checked by plan, not validate).
        let command = std::fs::read_to_string(cases.join(format!("{name}.args")))
            .unwrap_or_else(|_| "validate".into());
        let out = Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(command.split_whitespace())
            .arg("-no-color")
            .current_dir(&dir)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        codes.extend(stderr.lines().filter_map(|l| {
            l.split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(c, _)| c.to_string())
        }));
        let actual = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout),
            stderr
        );
        let snapshot = cases.join(format!("{name}.snap"));
        if update {
            std::fs::write(&snapshot, &actual).expect("write snapshot");
            continue;
        }
        match std::fs::read_to_string(&snapshot) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{name}:\n{}",
                similar::TextDiff::from_lines(&expected, &actual)
                    .unified_diff()
                    .header("snapshot", "actual")
            )),
            Err(_) => failures.push(format!(
                "{name}: no snapshot; run with STRATA_UPDATE_SNAPSHOTS=1 and review it:\n{actual}"
            )),
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        failures.is_empty(),
        "{} snapshot(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        codes.len() >= 30,
        "the cases must cover at least 30 distinct diagnostic codes, found {codes:?}"
    );
}
