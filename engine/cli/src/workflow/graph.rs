//! `strata graph`: the execution graph in DOT.

use super::*;

/// DOT for the plan's execution graph (`apply`, `destroy`) or for the
/// dependencies between the changed instances (`plan`).
pub fn graph_command(
    args: &WorkflowArgs,
    plan_file: Option<&Path>,
    graph_type: &str,
    style: &Style,
) -> ExitCode {
    if !matches!(graph_type, "plan" | "apply" | "destroy") {
        report(
            &[Diagnostic::global(
                strata_types::codes::INVALID_GRAPH_TYPE,
                "Invalid graph type",
                format!("{graph_type:?} is not a graph type; use plan, apply or destroy."),
            )],
            &SourceMap::default(),
            style,
        );
        return ExitCode::from(1);
    }
    let plan = match plan_file {
        Some(path) => match read_plan(path) {
            Ok(p) => p,
            Err(d) => return global_failure(d, style),
        },
        None => {
            let rt = runtime();
            let loaded = match load_validated(args, style) {
                Ok(l) => l,
                Err(code) => return code,
            };
            let store = match open_store(args.state.as_deref(), Some(&loaded.0.stack), style) {
                Ok(s) => s,
                Err(code) => return code,
            };
            // Planning settles the journal, so it needs the lock like plan.
            let lock = match take_lock_waiting(&*store, "graph", args.lock, args.lock_timeout) {
                Ok(l) => l,
                Err(e) => return state_error(e, style),
            };
            match make_plan(args, style, &rt, (&*store, lock.as_ref(), false), loaded) {
                Ok(p) => {
                    let plan = p.plan.clone();
                    std::mem::forget(p);
                    plan
                }
                Err(code) => return code,
            }
        }
    };
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    println!("digraph {{");
    println!("  rankdir = \"LR\"");
    for c in &plan.changes {
        let label = format!("{} ({})", c.addr, c.action.terraform_actions().join(", "));
        println!(
            "  {} [label = {}]",
            quote(&c.addr.to_string()),
            quote(&label)
        );
    }
    if graph_type == "plan" {
        for c in &plan.changes {
            for d in c.dependencies.iter() {
                println!("  {} -> {}", quote(d), quote(&c.addr.to_string()));
            }
        }
    } else {
        for e in &plan.graph {
            println!(
                "  {} -> {}",
                quote(&plan.changes[e.from].addr.to_string()),
                quote(&plan.changes[e.to].addr.to_string())
            );
        }
    }
    println!("}}");
    ExitCode::SUCCESS
}
