//! `strata reap`: destroys the objects their providers call finished —
//! fleets past their ttl, idle, or done — and nothing else, through the
//! same lock, journal and apply as `destroy`. Meant for cron or a
//! scheduled CI job.

use super::*;

pub fn reap_command(
    args: &WorkflowArgs,
    dry_run: bool,
    auto_approve: bool,
    style: &Style,
) -> ExitCode {
    let rt = runtime();
    let loaded = match load_validated(args, style) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let shared_store: Arc<dyn Store> =
        match open_store(args.state.as_deref(), Some(&loaded.0.stack), style) {
            Ok(s) => s.into(),
            Err(code) => return code,
        };
    let store = &*shared_store;
    let lock = match take_lock_waiting(store, "reap", args.lock && !dry_run, args.lock_timeout) {
        Ok(l) => l,
        Err(e) => return state_error(e, style),
    };
    let sources = loaded.0.stack.sources.clone();
    let state = match current_state(&loaded.0, store, lock.as_ref(), !dry_run, &rt, style) {
        Ok(Some(s)) => s,
        Ok(None) => State::fresh(),
        Err(code) => return code,
    };
    let found = match rt.block_on(strata_core::ops::reap::reapable(&loaded.0, &state)) {
        Ok(f) => f,
        Err(d) => return global_failure(d, style),
    };
    let wanted = match parse_addresses(&args.targets, "--target") {
        Ok(t) => t,
        Err(d) => return global_failure(d, style),
    };
    let found: Vec<_> = found
        .into_iter()
        .filter(|r| {
            wanted.is_empty()
                || wanted.iter().any(|t| {
                    *t == r.addr
                        || (t.resource == r.addr.resource
                            && t.key == strata_core::addr::InstanceKey::None)
                })
        })
        .collect();
    if found.is_empty() {
        say(
            "Nothing to reap: no object is expired, idle or done.",
            style,
        );
        return ExitCode::SUCCESS;
    }
    for r in &found {
        say(&format!("{}: {}", r.addr, r.reason), style);
    }
    let destroy = WorkflowArgs {
        destroy: true,
        targets: found.iter().map(|r| r.addr.to_string()).collect(),
        excludes: Vec::new(),
        replace: Vec::new(),
        refresh_only: false,
        ..args.clone()
    };
    let planned = match make_plan(
        &destroy,
        style,
        &rt,
        (store, lock.as_ref(), !dry_run),
        loaded,
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(d) = strata_core::ops::reap::check_only_reaped(&planned.plan, &found) {
        report(&[d], &sources, style);
        return ExitCode::from(1);
    }
    print_plan(&planned.plan, destroy.refresh, style);
    if dry_run {
        say("Dry run: nothing was destroyed.", style);
        return ExitCode::SUCCESS;
    }
    if !auto_approve {
        if style.json {
            return global_failure(
                Diagnostic::global(
                    strata_types::codes::APPROVAL_REQUIRED,
                    "Approval required",
                    "With -json, reap cannot ask for approval: add -auto-approve.",
                ),
                style,
            );
        }
        if !apply::approved("destroy the objects listed") {
            eprintln!("\nReap cancelled.");
            return ExitCode::from(1);
        }
    }
    let code = apply::run_apply(
        &destroy,
        style,
        &rt,
        shared_store.clone(),
        planned.plan,
        planned.loaded,
    );
    drop(lock);
    code
}

fn say(line: &str, style: &Style) {
    if style.json {
        crate::ui_json::log(line);
    } else {
        println!("{line}");
    }
}
