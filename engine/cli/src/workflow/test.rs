//! `strata test`: finds the test files, runs each through
//! `strata_core::ops::test` on states in a scratch directory, and prints
//! progress as Terraform does — lines for people, or with `-json`
//! Terraform's machine-readable lines (`test_abstract`, `test_file`,
//! `test_run`, `diagnostic`, `test_summary`).

use super::*;
use std::io::Write;
use std::sync::Arc;
use strata_core::ops::test::{run_file, Details, Status, Summary, TestContext, TestEvent};
use strata_lang::testfile::{discover, load_test_file, TestFile};

pub(crate) struct TestOptions {
    pub(crate) filter: Vec<String>,
    pub(crate) json: bool,
    pub(crate) verbose: bool,
    pub(crate) test_directory: String,
    pub(crate) vars: crate::args::VarArgs,
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Reads the test files (all, or those `filter` names); parse errors
/// are reported and fail the command before anything runs.
fn read_files(
    cwd: &std::path::Path,
    options: &TestOptions,
    style: &crate::render::Style,
) -> Result<Vec<(TestFile, SourceMap)>, ExitCode> {
    let paths = discover(cwd, &options.test_directory).map_err(|e| {
        crate::report::global_failure(
            Diagnostic::global(
                strata_types::codes::READ_FAILED,
                "Cannot read the test files",
                format!("Cannot list the test files in {}: {e}.", cwd.display()),
            ),
            style,
        )
    })?;
    let mut files = Vec::new();
    let mut failed = false;
    for path in paths {
        let shown = path
            .strip_prefix(cwd)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        if !options.filter.is_empty() && !options.filter.contains(&shown) {
            continue;
        }
        let mut sources = SourceMap::default();
        let mut diagnostics = strata_types::Diagnostics::default();
        let file = load_test_file(&path, shown, &mut sources, &mut diagnostics).map_err(|e| {
            crate::report::global_failure(
                Diagnostic::global(
                    strata_types::codes::READ_FAILED,
                    "Cannot read the test files",
                    format!("Cannot read {}: {e}.", path.display()),
                ),
                style,
            )
        })?;
        if diagnostics.has_errors() {
            failed = true;
        }
        crate::report::report(&diagnostics.0, &sources, style);
        files.push((file, sources));
    }
    if failed {
        return Err(ExitCode::from(1));
    }
    Ok(files)
}

pub(crate) fn test_command(options: &TestOptions, style: &crate::render::Style) -> ExitCode {
    let cwd = crate::environment::cwd();
    let variables = match crate::environment::variable_sources(&options.vars, &cwd) {
        Ok(v) => v,
        Err(d) => return crate::report::global_failure(d, style),
    };
    let files = match read_files(&cwd, options, style) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let json = options.json;
    if json {
        crate::ui_json::version();
        let abstract_: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(f, _)| {
                (
                    f.path.clone(),
                    serde_json::json!(f.runs.iter().map(|r| r.name.clone()).collect::<Vec<_>>()),
                )
            })
            .collect();
        let runs: usize = files.iter().map(|(f, _)| f.runs.len()).sum();
        crate::ui_json::emit(
            "info",
            &format!(
                "Found {} and {}",
                plural(files.len(), "file"),
                plural(runs, "run block")
            ),
            serde_json::json!({"type": "test_abstract", "test_abstract": abstract_}),
        );
    }
    let scratch = std::env::temp_dir().join(format!("strata-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let stores = std::sync::Mutex::new(std::collections::BTreeMap::<String, PathBuf>::new());
    let store = |name: &str| -> Arc<dyn strata_state::Store> {
        let mut known = stores.lock().expect("stores");
        let next = known.len();
        let dir = known
            .entry(name.to_string())
            .or_insert_with(|| scratch.join(format!("state-{next}")))
            .clone();
        let _ = std::fs::create_dir_all(&dir);
        Arc::new(strata_state::LocalStore::new(dir.join("terraform.tfstate")))
    };
    let providers = || crate::environment::providers_or_builtin(&cwd);
    let ctx = TestContext {
        dir: cwd.clone(),
        cwd: cwd.clone(),
        variables,
        providers: &providers,
        store: &store,
        verbose: options.verbose,
    };
    let on_event = |event: TestEvent| {
        if json {
            emit_json(&event)
        } else {
            print_human(&event, style)
        }
    };
    let rt = runtime();
    let mut summary = Summary::default();
    for (file, sources) in &files {
        rt.block_on(run_file(&ctx, file, sources, &mut summary, &on_event));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let status = summary.status();
    let failed = summary.failed + summary.errored;
    let mut message = format!(
        "{} {} passed, {} failed",
        if matches!(status, Status::Fail | Status::Error) {
            "Failure!"
        } else {
            "Success!"
        },
        summary.passed,
        failed
    );
    if summary.skipped > 0 {
        message.push_str(&format!(", {} skipped", summary.skipped));
    }
    message.push('.');
    if json {
        crate::ui_json::emit(
            "info",
            &message,
            serde_json::json!({"type": "test_summary", "test_summary": {
                "status": if status == Status::Skip && files.iter().all(|(f, _)| f.runs.is_empty()) { "pending" } else { status.as_str() },
                "passed": summary.passed,
                "failed": summary.failed,
                "errored": summary.errored,
                "skipped": summary.skipped,
            }}),
        );
    } else {
        println!("\n{message}");
    }
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// "fail" for both failed and errored, as Terraform shows them.
fn shown(status: Status) -> &'static str {
    match status {
        Status::Error => "fail",
        other => other.as_str(),
    }
}

fn print_human(event: &TestEvent, style: &crate::render::Style) {
    let mut out = std::io::stdout().lock();
    let _ = match event {
        TestEvent::FileStarting(file) => writeln!(out, "{file}... in progress"),
        TestEvent::RunStarting { .. } | TestEvent::RunTeardown { .. } => Ok(()),
        TestEvent::RunComplete { run, status, .. } => {
            writeln!(out, "  run \"{run}\"... {}", shown(*status))
        }
        TestEvent::RunDetails { details, .. } => {
            let _ = writeln!(out);
            drop(out);
            match details {
                Details::Plan(plan) => super::print_plan(plan, false, style),
                Details::State(state) => super::print_state(state),
            }
            Ok(())
        }
        TestEvent::FileTeardown(file) => writeln!(out, "{file}... tearing down"),
        TestEvent::FileComplete { file, status } => {
            writeln!(out, "{file}... {}", shown(*status))
        }
        TestEvent::Diagnostics {
            diagnostics,
            sources,
            ..
        } => {
            drop(out);
            crate::report::report(diagnostics, sources, style);
            Ok(())
        }
    };
}

fn emit_json(event: &TestEvent) {
    use serde_json::json;
    match event {
        TestEvent::FileStarting(file) => crate::ui_json::emit(
            "info",
            &format!("{file}... in progress"),
            json!({"@testfile": file, "type": "test_file", "test_file": {"path": file, "progress": "starting"}}),
        ),
        TestEvent::RunStarting { file, run } => crate::ui_json::emit(
            "info",
            &format!("  \"{run}\"... in progress"),
            json!({"@testfile": file, "@testrun": run, "type": "test_run", "test_run": {"path": file, "run": run, "progress": "starting", "elapsed": 0}}),
        ),
        TestEvent::RunComplete { file, run, status } => crate::ui_json::emit(
            "info",
            &format!("  \"{run}\"... {}", shown(*status)),
            json!({"@testfile": file, "@testrun": run, "type": "test_run", "test_run": {"path": file, "run": run, "progress": "complete", "status": status.as_str()}}),
        ),
        TestEvent::RunDetails { file, run, details } => match details {
            Details::Plan(plan) => crate::ui_json::emit(
                "info",
                "-verbose flag enabled, printing plan",
                json!({"@testfile": file, "@testrun": run, "type": "test_plan", "test_plan": plan.to_terraform_json()}),
            ),
            Details::State(state) => {
                let shown = strata_core::plan::state_json(state, None, env!("CARGO_PKG_VERSION"));
                crate::ui_json::emit(
                    "info",
                    "-verbose flag enabled, printing state",
                    json!({"@testfile": file, "@testrun": run, "type": "test_state", "test_state": {
                        "state_format_version": "1.0",
                        "root_module": shown["values"]["root_module"],
                        "outputs": shown["values"]["outputs"],
                    }}),
                )
            }
        },
        TestEvent::FileTeardown(file) => crate::ui_json::emit(
            "info",
            &format!("{file}... tearing down"),
            json!({"@testfile": file, "type": "test_file", "test_file": {"path": file, "progress": "teardown"}}),
        ),
        TestEvent::RunTeardown { file, run } => crate::ui_json::emit(
            "info",
            &format!("  \"{run}\"... tearing down"),
            json!({"@testfile": file, "@testrun": run, "type": "test_run", "test_run": {"path": file, "run": run, "progress": "teardown", "elapsed": 0}}),
        ),
        TestEvent::FileComplete { file, status } => crate::ui_json::emit(
            "info",
            &format!("{file}... {}", shown(*status)),
            json!({"@testfile": file, "type": "test_file", "test_file": {"path": file, "progress": "complete", "status": status.as_str()}}),
        ),
        TestEvent::Diagnostics {
            file,
            run,
            diagnostics,
            sources,
        } => {
            let mut extra = json!({"@testfile": file});
            if let Some(run) = run {
                extra["@testrun"] = json!(run);
            }
            crate::ui_json::diagnostics(diagnostics, sources, &extra);
        }
    }
}
