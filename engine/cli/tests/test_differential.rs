//! `strata test` against `terraform test` (1.11) on the same stacks:
//! each case in `tests/test_corpus/NAME/` (a stack with its test files,
//! and optionally `args`, one flag a line) runs under both tools. The
//! `-json` streams must agree line by line — message, type, file, run,
//! progress and status, and each diagnostic's severity and summary —
//! and so must the exit codes, the progress lines people see, and the
//! module manifest `init` writes (test runs' modules included).

mod common;
use common::terraform;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/test_corpus")
}

fn run(program: &Path, args: &[String], dir: &Path) -> (i32, String, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TF_IN_AUTOMATION", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The stream with what differs by tool or by moment taken out.
fn normalize(stream: &str) -> Vec<String> {
    stream
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let mut v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            let object = v.as_object_mut()?;
            object.remove("@timestamp");
            if object.get("type").and_then(|t| t.as_str()) == Some("version") {
                return None;
            }
            if let Some(d) = object.get_mut("diagnostic") {
                *d = serde_json::json!({"severity": d["severity"], "summary": d["summary"]});
            }
            Some(v.to_string())
        })
        .collect()
}

/// The lines that say how files and runs went, and the summary
/// (diagnostics are drawn differently by each tool).
fn progress_lines(text: &str) -> String {
    let endings = [
        "... in progress",
        "... pass",
        "... fail",
        "... skip",
        "... tearing down",
    ];
    text.lines()
        .filter(|l| {
            endings.iter().any(|e| l.ends_with(e))
                || l.starts_with("Success!")
                || l.starts_with("Failure!")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn strata_test_agrees_with_terraform_test() {
    let tf = terraform();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 3, "the corpus is missing");
    let scratch = std::env::temp_dir().join(format!("strata-test-diff-{}", std::process::id()));
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let args: Vec<String> = std::fs::read_to_string(case.join("args"))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        let mut results = Vec::new();
        let mut manifests = Vec::new();
        for (tool, program) in [
            ("terraform", tf.clone()),
            ("strata", PathBuf::from(env!("CARGO_BIN_EXE_strata"))),
        ] {
            let dir = scratch.join(&name).join(tool);
            let _ = std::fs::remove_dir_all(&dir);
            common::copy_tree(case, &dir);
            let _ = std::fs::remove_file(dir.join("args"));
            let (code, out, err) = run(&program, &["init".to_string()], &dir);
            assert_eq!(code, 0, "{name}: {tool} init failed:\n{out}{err}");
            manifests.push(
                std::fs::read(dir.join(".terraform/modules/modules.json"))
                    .ok()
                    .map(|m| serde_json::from_slice::<serde_json::Value>(&m).unwrap()),
            );
            let mut json_args = vec!["test".to_string(), "-json".to_string()];
            json_args.extend(args.iter().cloned());
            let (code, stream, err) = run(&program, &json_args, &dir);
            let mut human_args = vec!["test".to_string(), "-no-color".to_string()];
            human_args.extend(args.iter().cloned());
            let (human_code, human, _) = run(&program, &human_args, &dir);
            let human = progress_lines(&human);
            results.push((code, normalize(&stream), human_code, human, err));
        }
        // Terraform writes no manifest when nothing calls a module.
        if manifests[0].is_some() && manifests[0] != manifests[1] {
            failures.push(format!(
                "{name}: the module manifests differ: terraform {:?}, strata {:?}",
                manifests[0], manifests[1]
            ));
        }
        let (tf_result, strata_result) = (&results[0], &results[1]);
        if tf_result.0 != strata_result.0 || tf_result.2 != strata_result.2 {
            failures.push(format!(
                "{name}: exit codes differ: terraform {} / {}, strata {} / {}\n{}",
                tf_result.0, tf_result.2, strata_result.0, strata_result.2, strata_result.4
            ));
        }
        if tf_result.1 != strata_result.1 {
            let (old, new) = (tf_result.1.join("\n"), strata_result.1.join("\n"));
            let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str())
                .unified_diff()
                .header("terraform", "strata")
                .to_string();
            failures.push(format!("{name}: the -json streams differ:\n{diff}"));
        }
        if tf_result.3 != strata_result.3 {
            failures.push(format!(
                "{name}: the progress lines differ:\n--- terraform\n{}\n--- strata\n{}",
                tf_result.3, strata_result.3
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
