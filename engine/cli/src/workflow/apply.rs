//! `strata apply` (and `destroy`): a saved plan or a new one, approved,
//! applied with progress as each change starts and ends.

use super::*;

pub fn apply_command(
    args: &WorkflowArgs,
    plan_file: Option<&Path>,
    auto_approve: bool,
    style: &Style,
) -> ExitCode {
    let rt = runtime();
    let operation = if args.destroy { "destroy" } else { "apply" };
    // The stack is loaded before the lock is taken: its backend block
    // says where the state (and so the lock) lives.
    let saved = match plan_file {
        Some(path) => {
            let plan = match read_plan(path) {
                Ok(p) => p,
                Err(d) => return global_failure(d, style),
            };
            // Variables come from the plan, as they were when it was made.
            let given = plan
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), v.decode()))
                .collect();
            let loaded = match crate::environment::load_with(&args.vars, true, Some(given)) {
                Ok(l) => l,
                Err(d) => return global_failure(d, style),
            };
            Ok((plan, loaded))
        }
        None => match load_validated(args, style) {
            Ok(l) => Err(l),
            Err(code) => return code,
        },
    };
    let stack_files = match &saved {
        Ok((_, loaded)) => &loaded.stack,
        Err((loaded, _)) => &loaded.stack,
    };
    let shared_store: std::sync::Arc<dyn Store> =
        match open_store(args.state.as_deref(), Some(stack_files), style) {
            Ok(s) => s.into(),
            Err(code) => return code,
        };
    let store = &*shared_store;
    let lock = match take_lock_waiting(store, operation, args.lock, args.lock_timeout) {
        Ok(l) => l,
        Err(e) => return state_error(e, style),
    };
    let (plan, loaded) = match saved {
        Ok((plan, loaded)) => {
            let current = match current_state(&loaded, store, lock.as_ref(), true, &rt, style) {
                Ok(s) => s,
                Err(code) => return code,
            };
            if let Err(d) = strata_core::ops::check_not_stale(&plan, &current) {
                report(&[d], &SourceMap::default(), style);
                return ExitCode::from(1);
            }
            // The hash the reviewed comment's footer shows.
            let applying = format!(
                "Applying the saved plan sha256 {}.",
                crate::markdown::plan_sha256(&plan)
            );
            if style.json {
                crate::ui_json::log(&applying);
            } else {
                println!("{applying}\n");
            }
            (plan, loaded)
        }
        Err(loaded) => {
            let planned = match make_plan(args, style, &rt, (store, lock.as_ref(), true), loaded) {
                Ok(p) => p,
                Err(code) => return code,
            };
            print_plan(&planned.plan, args.refresh, style);
            let mut planned = planned;
            match check_policies(args, &mut planned, style) {
                Ok(false) => {}
                Ok(true) => {
                    return global_failure(
                        Diagnostic::global(
                            strata_types::codes::PLAN_DENIED,
                            "Plan denied by policy",
                            "A policy denied this plan (see above); nothing was applied.",
                        ),
                        style,
                    )
                }
                Err(code) => return code,
            }
            // A state read in the clear while a key is set is written back
            // encrypted even when nothing changes.
            let encrypting = cipher()
                .ok()
                .flatten()
                .is_some_and(|c| c.accepts_plaintext());
            if !planned.plan.has_changes() && !encrypting {
                // Nothing to do, said as Terraform says it.
                if style.json {
                    crate::ui_json::apply_summary(0, 0, 0, 0, args.destroy);
                    if !args.destroy {
                        crate::ui_json::state_outputs(&planned.plan.prior_state);
                    }
                } else if args.destroy {
                    println!("\nDestroy complete! Resources: 0 destroyed.");
                } else {
                    println!("\n{}", crate::ui_json::apply_complete(0, 0, 0, 0));
                    print_outputs_summary(&planned.plan.prior_state);
                }
                return ExitCode::SUCCESS;
            }
            if !auto_approve && planned.plan.has_changes() && style.json {
                return global_failure(
                    Diagnostic::global(
                        strata_types::codes::APPROVAL_REQUIRED,
                        "Approval required",
                        "With -json, apply cannot ask for approval: add -auto-approve, or apply a saved plan.",
                    ),
                    style,
                );
            }
            if !auto_approve && planned.plan.has_changes() {
                let verb = if args.destroy {
                    "destroy all resources"
                } else {
                    "perform these actions"
                };
                if !approved(verb) {
                    eprintln!("\nApply cancelled.");
                    return ExitCode::from(1);
                }
            }
            (planned.plan, planned.loaded)
        }
    };
    let code = run_apply(args, style, &rt, shared_store.clone(), plan, loaded);
    drop(lock);
    code
}

/// Asks whether to go on; only "yes" approves.
pub(super) fn approved(verb: &str) -> bool {
    print!("\nDo you want to {verb}?\n  Strata will {verb} described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    answer.trim() == "yes"
}

/// Applies `plan`, showing each change as it starts and ends, then the
/// summary. The caller holds the state lock.
pub(super) fn run_apply(
    args: &WorkflowArgs,
    style: &Style,
    rt: &tokio::runtime::Runtime,
    shared_store: std::sync::Arc<dyn Store>,
    plan: Plan,
    loaded: Session,
) -> ExitCode {
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        rt.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nInterrupt received: no new operations will start; waiting for those in flight.");
                cancel.store(true, Ordering::SeqCst);
            }
        });
    }
    let options = ApplyOptions {
        parallelism: args.parallelism,
        cancel: cancel.clone(),
        ..Default::default()
    };
    // On a terminal, one status line (running, done/total, elapsed) is
    // redrawn between the event lines; elsewhere only plain lines appear.
    let total = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .count();
    let terminal =
        std::io::IsTerminal::is_terminal(&std::io::stdout()) && std::env::var_os("CI").is_none();
    let progress = std::sync::Mutex::new((0usize, 0usize, std::time::Instant::now()));
    let printer = crate::progress::Printer::stdout();
    let on_event = |e: Event| {
        if style.json {
            return json_event(e);
        }
        let mut p = progress.lock().expect("progress");
        let line = match e {
            Event::Started { addr, action, .. } => {
                p.0 += 1;
                format!("{addr}: {}...", progressive(action))
            }
            Event::Finished {
                addr,
                action,
                elapsed,
                outcome,
                summary,
                ..
            } => {
                p.0 -= 1;
                p.1 += 1;
                match outcome {
                    Outcome::Done => format!(
                        "{addr}: {} complete after {}s{} [{}/{total}]",
                        finished(action),
                        elapsed.as_secs(),
                        summary.map(|s| format!(": {s}")).unwrap_or_default(),
                        p.1
                    ),
                    Outcome::Failed(why) => format!("{addr}: failed: {why} [{}/{total}]", p.1),
                    Outcome::Skipped(why) => format!("{addr}: skipped: {why}"),
                }
            }
        };
        // Sent while the lock is held, so lines keep their order.
        printer.print(if terminal {
            format!(
                "\r\x1b[2K{line}\n[{} running, {}/{total} done, {}s]",
                p.0,
                p.1,
                p.2.elapsed().as_secs()
            )
        } else {
            format!("{line}\n")
        });
    };
    let on_op = |e: OpEvent| match e {
        OpEvent::Change(e) => on_event(e),
        // Among the progress lines, in their order.
        OpEvent::Waiting(w) if !style.json => {
            let _progress = progress.lock().expect("progress");
            printer.print(format!("{} [{}s elapsed]\n", w.what, w.elapsed.as_secs()));
        }
        other => op_events(&loaded.stack.sources, style)(other),
    };
    let imported = plan
        .changes
        .iter()
        .filter(|c| c.importing.is_some())
        .count();
    let result = rt.block_on(strata_core::ops::apply(
        &loaded,
        shared_store.clone(),
        plan,
        &options,
        &on_op,
    ));
    printer.finish();
    if terminal {
        println!();
    }
    report(&result.diagnostics.0, &loaded.stack.sources, style);
    let (add, change, destroy) = count_done(&result.outcomes);
    let failed = result
        .outcomes
        .iter()
        .filter(|o| matches!(o.2, Outcome::Failed(_)))
        .count();
    let skipped: Vec<&(String, Action, Outcome)> = result
        .outcomes
        .iter()
        .filter(|o| matches!(o.2, Outcome::Skipped(_)))
        .collect();
    // A state that could not be saved, or a plan refused before it
    // started, is not a complete apply, however the changes went.
    let unsaved = result.diagnostics.has_errors();
    if failed > 0 || !skipped.is_empty() || cancel.load(Ordering::SeqCst) || unsaved {
        if style.json {
            crate::ui_json::log(&format!("Apply incomplete: {add} added, {change} changed, {destroy} destroyed; {failed} failed, {} skipped.", skipped.len()));
            std::mem::forget((loaded, result));
            return ExitCode::from(1);
        }
        println!("\nApply incomplete: {add} added, {change} changed, {destroy} destroyed; {failed} failed, {} skipped.", skipped.len());
        for (addr, _, o) in &skipped {
            if let Outcome::Skipped(why) = o {
                println!("  skipped {addr}: {why}");
            }
        }
        std::mem::forget((loaded, result));
        return ExitCode::from(1);
    }
    if style.json {
        crate::ui_json::apply_summary(imported, add, change, destroy, args.destroy);
        if !args.destroy {
            crate::ui_json::state_outputs(&result.state);
        }
    } else if args.destroy {
        println!("\nDestroy complete! Resources: {destroy} destroyed.");
    } else {
        println!(
            "\n{}",
            crate::ui_json::apply_complete(imported, add, change, destroy)
        );
        print_outputs_summary(&result.state);
    }
    let code = if result.diagnostics.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends next: freeing the stack, the plan and the state
    // (a second at 100,000 resources) would only cost time.
    std::mem::forget((loaded, result));
    code
}

/// An apply event as Terraform's `apply_start` / `apply_complete` /
/// `apply_errored` line (a change skipped for a failed dependency is a
/// `log` line).
fn json_event(e: Event) {
    match e {
        Event::Started { addr, action, id } => {
            crate::ui_json::apply_start(&addr, action, progressive(action), id.as_deref())
        }
        Event::Finished {
            addr,
            action,
            elapsed,
            outcome,
            id,
            ..
        } => match outcome {
            Outcome::Done => crate::ui_json::apply_end(
                &addr,
                action,
                finished(action),
                elapsed.as_secs(),
                Ok(id.as_deref()),
            ),
            Outcome::Failed(why) => crate::ui_json::apply_end(
                &addr,
                action,
                finished(action),
                elapsed.as_secs(),
                Err(&why),
            ),
            Outcome::Skipped(why) => crate::ui_json::log(&format!("{addr}: skipped: {why}")),
        },
    }
}

fn count_done(outcomes: &[(String, Action, Outcome)]) -> (usize, usize, usize) {
    let (mut a, mut c, mut d) = (0, 0, 0);
    for (_, action, o) in outcomes {
        if *o != Outcome::Done {
            continue;
        }
        match action {
            Action::Create => a += 1,
            Action::Update => c += 1,
            Action::Delete => d += 1,
            Action::DeleteThenCreate | Action::CreateThenDelete => {
                a += 1;
                d += 1;
            }
            _ => {}
        }
    }
    (a, c, d)
}

fn progressive(action: Action) -> &'static str {
    match action {
        Action::Create => "Creating",
        Action::Update => "Modifying",
        Action::Delete => "Destroying",
        Action::DeleteThenCreate | Action::CreateThenDelete => "Replacing",
        Action::Read => "Reading",
        Action::Forget => "Forgetting",
        Action::NoOp => "Checking",
    }
}

fn finished(action: Action) -> &'static str {
    match action {
        Action::Create => "Creation",
        Action::Update => "Modifications",
        Action::Delete => "Destruction",
        Action::DeleteThenCreate | Action::CreateThenDelete => "Replacement",
        Action::Read => "Read",
        Action::Forget => "Forget",
        Action::NoOp => "Check",
    }
}
