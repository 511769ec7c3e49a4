//! The plan/apply workflow verbs: `plan`, `apply`, `destroy`, `show`,
//! `output`, `graph`. This is where the registry of providers and the
//! state store are wired in; the core knows neither.

use crate::environment::{cipher, current_workspace, providers, read_stack_files, WORKSPACE_FILE};
use crate::plan_render::{render_plan, Colors};
use crate::render::Style;
use crate::report::{global_failure, op_error, op_events, report, state_error};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use strata_core::addr::InstanceAddr;
use strata_core::ops::{lock_state, OpError, OpEvent, Session, StateLock};
use strata_core::{Action, ApplyOptions, Event, Outcome, Plan, PlanOptions};
use strata_state::{Backend, State, StateError, Store};
use strata_types::json::{type_from_json, value_from_json};
use strata_types::{Diagnostic, SourceMap};

pub enum WorkspaceVerb {
    List,
    Show,
    New(String),
    Select(String),
    Delete(String, bool),
}

/// The selected workspace's store: the `--state` file (local backend
/// only), else the stack's backend. `stack` is the stack when the caller
/// has already loaded it; otherwise its configuration is read here.
fn open_store(
    state_flag: Option<&Path>,
    stack: Option<&strata_lang::config::LoadedStack>,
    style: &Style,
) -> Result<Box<dyn Store>, ExitCode> {
    let (spec, backend) = open_backend(stack, style)?;
    if let Some(path) = state_flag {
        if spec.kind != "local" {
            return Err(global_failure(
                Diagnostic::global(
                    strata_types::codes::STATE_FLAG_LOCAL_ONLY,
                    "--state applies to the local backend only",
                    format!("This stack keeps its state in the \"{}\" backend; drop --state, or use `strata state pull` to get a copy.", spec.kind),
                ),
                style,
            ));
        }
        return Ok(Box::new(
            strata_state::LocalStore::new(path).with_cipher(cipher().ok().flatten()),
        ));
    }
    backend
        .store(&current_workspace())
        .map_err(|e| state_error(e, style))
}

/// The stack's backend, opened.
fn open_backend(
    stack: Option<&strata_lang::config::LoadedStack>,
    style: &Style,
) -> Result<(strata_state::backends::Spec, Box<dyn Backend>), ExitCode> {
    let read;
    let stack = match stack {
        Some(s) => s,
        None => {
            read = read_stack_files(style)?;
            &read
        }
    };
    let spec = crate::backend::resolve(stack).map_err(|d| {
        report(&d, &stack.sources, style);
        ExitCode::from(1)
    })?;
    let backend =
        crate::environment::open_backend(&spec, cipher().ok().flatten()).map_err(|e| {
            global_failure(
                Diagnostic::global(
                    strata_types::codes::CANNOT_OPEN_BACKEND,
                    "Cannot open the backend",
                    format!("The \"{}\" backend: {e}.", spec.kind),
                ),
                style,
            )
        })?;
    Ok((spec, backend))
}

pub fn workspace_command(verb: WorkspaceVerb, style: &Style) -> ExitCode {
    use strata_core::ops::workspace;
    let none = SourceMap::default();
    let current = current_workspace();
    if let WorkspaceVerb::Show = verb {
        println!("{current}");
        return ExitCode::SUCCESS;
    }
    let backend = match open_backend(None, style) {
        Ok((_, b)) => b,
        Err(code) => return code,
    };
    let select = |name: &str, what: &str| {
        std::fs::create_dir_all(".strata")
            .and_then(|_| std::fs::write(WORKSPACE_FILE, name))
            .map_err(|e| {
                OpError::Failed(vec![Diagnostic::global(
                    strata_types::codes::WORKSPACE_FAILED,
                    format!("Cannot {what} the workspace"),
                    e.to_string(),
                )])
            })
    };
    let done = match verb {
        WorkspaceVerb::Show => Ok(String::new()),
        WorkspaceVerb::List => backend.workspaces().map_err(OpError::State).map(|names| {
            names
                .iter()
                .map(|name| format!("{} {name}\n", if *name == current { "*" } else { " " }))
                .collect()
        }),
        WorkspaceVerb::New(name) => workspace::create(&*backend, &name)
            .and_then(|()| select(&name, "create"))
            .map(|()| format!("Created and switched to workspace \"{name}\"!\n")),
        WorkspaceVerb::Select(name) => workspace::check_exists(&*backend, &name)
            .and_then(|()| select(&name, "select"))
            .map(|()| format!("Switched to workspace \"{name}\".\n")),
        WorkspaceVerb::Delete(name, force) => workspace::delete(&*backend, &name, &current, force)
            .map(|()| format!("Deleted workspace \"{name}\"!\n")),
    };
    match done {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => op_error(e, &none, style),
    }
}

pub struct WorkflowArgs {
    pub vars: crate::args::VarArgs,
    pub state: Option<PathBuf>,
    pub targets: Vec<String>,
    pub excludes: Vec<String>,
    pub replace: Vec<String>,
    pub refresh: bool,
    pub refresh_only: bool,
    pub destroy: bool,
    pub parallelism: usize,
    pub lock: bool,
    /// How long to wait for a held lock (0: fail at once).
    pub lock_timeout: std::time::Duration,
    /// A price catalog instead of the bundled one.
    pub price_catalog: Option<PathBuf>,
    /// Rego policies checked against the plan.
    pub policies: Vec<PathBuf>,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn print_plan(plan: &Plan, style: &Style) {
    print!(
        "{}",
        render_plan(
            plan,
            &Colors {
                enabled: style.color
            }
        )
    );
}

fn parse_addresses(list: &[String], flag: &str) -> Result<Vec<InstanceAddr>, Diagnostic> {
    list.iter()
        .map(|t| {
            InstanceAddr::parse(t).ok_or_else(|| {
                Diagnostic::global(strata_types::codes::INVALID_ADDRESS, "Invalid address", format!("The {flag} value {t:?} is not a resource address such as aws_instance.gpu or aws_instance.gpu[0]."))
            })
        })
        .collect()
}

/// The state lock for `operation` (none with `-lock=false`), waiting up
/// to `timeout` while another holds it.
fn take_lock_waiting<'a>(
    store: &'a dyn Store,
    operation: &str,
    enabled: bool,
    timeout: std::time::Duration,
) -> Result<Option<StateLock<'a>>, StateError> {
    if !enabled {
        return Ok(None);
    }
    lock_state(store, operation, timeout).map(Some)
}

/// Loads the stack, refreshes and plans. Returns the plan, the loaded
/// stack pieces for apply, or the exit code after reporting errors.
struct Planned {
    plan: Plan,
    loaded: Session,
}

/// The state as the next operation must see it (see
/// [`strata_core::ops::current_state`]).
fn current_state(
    loaded: &Session,
    store: &dyn Store,
    lock: Option<&StateLock<'_>>,
    changes_state: bool,
    rt: &tokio::runtime::Runtime,
    style: &Style,
) -> Result<Option<State>, ExitCode> {
    let sources = &loaded.stack.sources;
    rt.block_on(strata_core::ops::current_state(
        loaded,
        store,
        lock,
        changes_state,
        &op_events(sources, style),
    ))
    .map_err(|e| op_error(e, sources, style))
}

/// Loads and validates the stack; errors are reported, warnings returned
/// to be shown with the plan's.
fn load_validated(
    args: &WorkflowArgs,
    style: &Style,
) -> Result<(Session, strata_types::Diagnostics), ExitCode> {
    let loaded = match crate::environment::load(&args.vars, true) {
        Ok(l) => l,
        Err(d) => return Err(global_failure(d, style)),
    };
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(strata_lang::stack::validate(
        &loaded.stack,
        &loaded.evaluated,
        &loaded.env,
    ));
    if diagnostics.has_errors() {
        report(&diagnostics.0, &loaded.stack.sources, style);
        return Err(ExitCode::from(1));
    }
    Ok((loaded, diagnostics))
}

fn make_plan(
    args: &WorkflowArgs,
    style: &Style,
    rt: &tokio::runtime::Runtime,
    (store, lock, changes_state): (&dyn Store, Option<&StateLock<'_>>, bool),
    (loaded, diagnostics): (Session, strata_types::Diagnostics),
) -> Result<Planned, ExitCode> {
    let parse = |list: &[String], flag: &str| parse_addresses(list, flag);
    let (targets, excludes, replace) = match (
        parse(&args.targets, "--target"),
        parse(&args.excludes, "--exclude"),
        parse(&args.replace, "--replace"),
    ) {
        (Ok(t), Ok(e), Ok(r)) => (t, e, r),
        (Err(d), _, _) | (_, Err(d), _) | (_, _, Err(d)) => {
            return Err(global_failure(d, style));
        }
    };
    let catalog = match &args.price_catalog {
        None => strata_core::cost::Catalog::bundled(),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| strata_core::cost::Catalog::from_json(&t))
        {
            Ok(c) => c,
            Err(e) => {
                return Err(global_failure(
                    Diagnostic::global(
                        strata_types::codes::INVALID_PRICE_CATALOG,
                        "Invalid price catalog",
                        format!("{}: {e}", path.display()),
                    ),
                    style,
                ))
            }
        },
    };
    let request = strata_core::ops::PlanRequest {
        options: PlanOptions {
            destroy: args.destroy,
            refresh: args.refresh,
            refresh_only: args.refresh_only,
            replace,
            targets,
            excludes,
        },
        catalog,
        changes_state,
    };
    let sources = &loaded.stack.sources;
    // The stack's warnings come first, then the plan's.
    let warnings: Vec<Diagnostic> = diagnostics
        .0
        .into_iter()
        .filter(|d| !d.is_error())
        .collect();
    report(&warnings, sources, style);
    let planned = rt.block_on(strata_core::ops::plan(
        &loaded,
        store,
        lock,
        request,
        &op_events(sources, style),
    ));
    match planned {
        Ok(plan) => Ok(Planned { plan, loaded }),
        Err(e) => Err(op_error(e, sources, style)),
    }
}

pub fn plan_command(
    args: &WorkflowArgs,
    out: Option<&Path>,
    detailed_exitcode: bool,
    markdown_out: Option<(&Path, usize)>,
    style: &Style,
) -> ExitCode {
    let rt = runtime();
    let loaded = match load_validated(args, style) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let store = match open_store(args.state.as_deref(), Some(&loaded.0.stack), style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let lock = match take_lock_waiting(&*store, "plan", args.lock, args.lock_timeout) {
        Ok(l) => l,
        Err(e) => return state_error(e, style),
    };
    let mut planned = match make_plan(args, style, &rt, (&*store, lock.as_ref(), false), loaded) {
        Ok(p) => p,
        Err(code) => return code,
    };
    print_plan(&planned.plan, style);
    let denied = match check_policies(args, &mut planned.plan, style) {
        Ok(d) => d,
        Err(code) => return code,
    };
    if let Some((path, max_chars)) = markdown_out {
        if let Err(code) = write_comment(path, &markdown_comment(&planned.plan, max_chars), style) {
            return code;
        }
    }
    if denied {
        std::mem::forget(planned);
        return global_failure(
            Diagnostic::global(
                strata_types::codes::PLAN_DENIED,
                "Plan denied by policy",
                "A policy denied this plan (see above), so it was not saved; change the configuration or the policy.",
            ),
            style,
        );
    }
    if let Some(path) = out {
        let plain = serde_json::to_vec(&planned.plan).expect("plan serializes");
        // Plans hold the values of sensitive attributes: encrypt them too.
        let bytes = strata_state::crypt::seal(cipher().ok().flatten().as_deref(), plain);
        if let Err(e) = strata_state::write_atomically(path, &bytes) {
            report(
                &[Diagnostic::global(
                    strata_types::codes::WRITE_FAILED,
                    "Failed to write the plan",
                    e.to_string(),
                )],
                &SourceMap::default(),
                style,
            );
            return ExitCode::from(1);
        }
        println!(
            "\nSaved the plan to: {}\n\nTo perform exactly these actions, run:\n  strata apply {}",
            path.display(),
            path.display()
        );
    }
    let has_changes = planned.plan.has_changes();
    std::mem::forget(planned);
    if detailed_exitcode && has_changes {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

pub(crate) fn read_plan(path: &Path) -> Result<Plan, Diagnostic> {
    // A device or pipe (`apply /dev/zero`) is not a plan: reading it could
    // go on forever.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(Diagnostic::global(
            strata_types::codes::INVALID_PLAN_FILE,
            "Failed to read the plan",
            format!(
                "{} is not a plan file: give the file `strata plan -out` wrote.",
                path.display()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::global(
            strata_types::codes::INVALID_PLAN_FILE,
            "Failed to read the plan",
            format!("{}: {e}", path.display()),
        )
    })?;
    let cipher = cipher().ok().flatten();
    // A plan is refused in the clear when a key is set, even while
    // plaintext states are accepted: it says what apply will do.
    if cipher.is_some() && !strata_state::crypt::is_encrypted(&bytes) {
        return Err(Diagnostic::global(
            strata_types::codes::INVALID_PLAN_FILE,
            "Cannot decrypt the plan",
            format!(
                "{}: the plan is not encrypted, though a key is set: it was made without the key, or replaced. Make a new plan.",
                path.display()
            ),
        ));
    }
    let bytes = strata_state::crypt::open(cipher.as_deref(), bytes).map_err(|e| {
        Diagnostic::global(
            strata_types::codes::INVALID_PLAN_FILE,
            "Cannot decrypt the plan",
            format!("{}: {e}", path.display()),
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Diagnostic::global(
            strata_types::codes::INVALID_PLAN_FILE,
            "Invalid plan file",
            format!("{} is not a Strata plan: {e}", path.display()),
        )
    })
}

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
            println!(
                "Applying the saved plan sha256 {}.\n",
                crate::markdown::plan_sha256(&plan)
            );
            (plan, loaded)
        }
        Err(loaded) => {
            let planned = match make_plan(args, style, &rt, (store, lock.as_ref(), true), loaded) {
                Ok(p) => p,
                Err(code) => return code,
            };
            print_plan(&planned.plan, style);
            let mut planned = planned;
            match check_policies(args, &mut planned.plan, style) {
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
                return ExitCode::SUCCESS;
            }
            if !auto_approve && planned.plan.has_changes() {
                let verb = if args.destroy {
                    "destroy all resources"
                } else {
                    "perform these actions"
                };
                print!("\nDo you want to {verb}?\n  Strata will {verb} described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
                let _ = std::io::stdout().flush();
                let mut answer = String::new();
                let _ = std::io::stdin().lock().read_line(&mut answer);
                if answer.trim() != "yes" {
                    eprintln!("\nApply cancelled.");
                    return ExitCode::from(1);
                }
            }
            (planned.plan, planned.loaded)
        }
    };
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
    let on_event = |e: Event| {
        let mut p = progress.lock().expect("progress");
        let line = match e {
            Event::Started { addr, action } => {
                p.0 += 1;
                format!("{addr}: {}...", progressive(action))
            }
            Event::Finished {
                addr,
                action,
                elapsed,
                outcome,
            } => {
                p.0 -= 1;
                p.1 += 1;
                match outcome {
                    Outcome::Done => format!(
                        "{addr}: {} complete after {}s [{}/{total}]",
                        finished(action),
                        elapsed.as_secs(),
                        p.1
                    ),
                    Outcome::Failed(why) => format!("{addr}: failed: {why} [{}/{total}]", p.1),
                    Outcome::Skipped(why) => format!("{addr}: skipped: {why}"),
                }
            }
        };
        let mut out = std::io::stdout().lock();
        if terminal {
            let _ = write!(
                out,
                "\r\x1b[2K{line}\n[{} running, {}/{total} done, {}s]",
                p.0,
                p.1,
                p.2.elapsed().as_secs()
            );
        } else {
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
    };
    let on_op = |e: OpEvent| match e {
        OpEvent::Change(e) => on_event(e),
        other => op_events(&loaded.stack.sources, style)(other),
    };
    let result = rt.block_on(strata_core::ops::apply(
        &loaded,
        shared_store.clone(),
        plan,
        &options,
        &on_op,
    ));
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
        println!("\nApply incomplete: {add} added, {change} changed, {destroy} destroyed; {failed} failed, {} skipped.", skipped.len());
        for (addr, _, o) in &skipped {
            if let Outcome::Skipped(why) = o {
                println!("  skipped {addr}: {why}");
            }
        }
        std::mem::forget((loaded, result));
        return ExitCode::from(1);
    }
    if args.destroy {
        println!("\nDestroy complete! Resources: {destroy} destroyed.");
    } else {
        println!(
            "\nApply complete! Resources: {add} added, {change} changed, {destroy} destroyed."
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

fn print_outputs_summary(state: &State) {
    if state.outputs.is_empty() {
        return;
    }
    println!("\nOutputs:\n");
    for (name, o) in &state.outputs {
        println!("{name} = {}", output_text(o, false));
    }
}

fn output_value(o: &strata_state::OutputState) -> strata_types::Value {
    let ty = type_from_json(&o.ty).unwrap_or_default();
    value_from_json(&o.value, &ty).unwrap_or_else(|_| strata_types::Value::dynamic_null())
}

fn output_text(o: &strata_state::OutputState, reveal: bool) -> String {
    if o.sensitive && !reveal {
        return "<sensitive>".into();
    }
    strata_lang::format::format_value(&output_value(o), 0)
}

pub fn output_command(
    state_path: Option<PathBuf>,
    name: Option<&str>,
    json: bool,
    raw: bool,
    style: &Style,
) -> ExitCode {
    let store = match open_store(state_path.as_deref(), None, style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let state = match store.read() {
        Ok(s) => s.unwrap_or_else(State::fresh),
        Err(e) => return state_error(e, style),
    };
    match name {
        Some(name) => {
            let Some(o) = state.outputs.get(name) else {
                report(
                    &[Diagnostic::global(strata_types::codes::OUTPUT_NOT_FOUND, "Output not found", format!("The output variable requested could not be found in the state file. If you recently added an output named \"{name}\", run strata apply first."))],
                    &SourceMap::default(),
                    style,
                );
                return ExitCode::from(1);
            };
            if json {
                println!("{}", serde_json::to_string(&o.value).unwrap_or_default());
            } else if raw {
                let v = output_value(o);
                match v.as_str() {
                    Some(s) => print!("{s}"),
                    None if matches!(
                        v.kind,
                        strata_types::Kind::Number(_) | strata_types::Kind::Bool(_)
                    ) =>
                    {
                        print!("{}", strata_lang::format::format_value(&v, 0))
                    }
                    None => {
                        report(&[Diagnostic::global(strata_types::codes::UNSUPPORTED_VALUE_FOR_RAW_OUTPUT, "Unsupported value for raw output", "The -raw option only supports strings, numbers, and boolean values; use --json for this value.")], &SourceMap::default(), style);
                        return ExitCode::from(1);
                    }
                }
            } else {
                println!("{}", output_text(o, true));
            }
        }
        None => {
            if json {
                let all: serde_json::Map<String, serde_json::Value> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| (k.clone(), serde_json::json!({ "sensitive": o.sensitive, "type": o.ty, "value": o.value })))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::Value::Object(all))
                        .unwrap_or_default()
                );
            } else {
                for (name, o) in &state.outputs {
                    println!("{name} = {}", output_text(o, false));
                }
            }
        }
    }
    ExitCode::SUCCESS
}

/// Writes a comment's parts to `path`, one after the other.
pub(crate) fn write_comment(path: &Path, parts: &[String], style: &Style) -> Result<(), ExitCode> {
    strata_state::write_atomically(path, parts.join("\n").as_bytes()).map_err(|e| {
        global_failure(
            Diagnostic::global(
                strata_types::codes::WRITE_FAILED,
                "Failed to write the Markdown plan",
                e.to_string(),
            ),
            style,
        )
    })
}

/// Checks the plan against `--policy` policies, records and prints what
/// they say; true when one denies it.
fn check_policies(args: &WorkflowArgs, plan: &mut Plan, style: &Style) -> Result<bool, ExitCode> {
    if args.policies.is_empty() {
        return Ok(false);
    }
    let mut input = plan.to_terraform_json();
    input["strata"] = serde_json::json!({
        "stack": std::env::current_dir().ok().and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned())),
        "workspace": current_workspace(),
    });
    let findings = crate::policy::evaluate(&args.policies, &input).map_err(|e| {
        global_failure(
            Diagnostic::global(
                strata_types::codes::POLICY_EVALUATION_FAILED,
                "Policy evaluation failed",
                e,
            ),
            style,
        )
    })?;
    let denies = findings.iter().filter(|f| f.level == "deny").count();
    println!(
        "\nPolicy: {denies} denied, {} warning{} from {} polic{}.",
        findings.len() - denies,
        if findings.len() - denies == 1 {
            ""
        } else {
            "s"
        },
        args.policies.len(),
        if args.policies.len() == 1 {
            "y path"
        } else {
            "y paths"
        }
    );
    for f in &findings {
        let tag = if f.level == "deny" { "DENY" } else { "WARN" };
        println!("  {tag} [{}] {}", f.policy, f.message);
    }
    plan.policy = findings;
    Ok(denies > 0)
}

/// How `show` prints.
pub enum ShowFormat {
    Text,
    Json,
    /// A pull-request comment, in parts of at most this many characters.
    Markdown(usize),
}

/// A plan as a pull-request comment, in parts.
fn markdown_comment(plan: &Plan, max_chars: usize) -> Vec<String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let stack = cwd
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".".into());
    crate::markdown::render(
        plan,
        &crate::markdown::Header {
            stack: &stack,
            workspace: &current_workspace(),
            sha256: &crate::markdown::plan_sha256(plan),
        },
        max_chars,
    )
}

pub fn show_command(
    plan_file: Option<&Path>,
    format: ShowFormat,
    state_path: Option<PathBuf>,
    style: &Style,
) -> ExitCode {
    let json = matches!(format, ShowFormat::Json);
    if matches!(format, ShowFormat::Markdown(_)) && plan_file.is_none() {
        return global_failure(
            Diagnostic::global(
                strata_types::codes::NO_PLAN_TO_RENDER,
                "No plan to render",
                "--format markdown renders a saved plan: strata plan --out PLANFILE, then strata show --format markdown PLANFILE.",
            ),
            style,
        );
    }
    match plan_file {
        Some(path) => {
            let plan = match read_plan(path) {
                Ok(p) => p,
                Err(d) => return global_failure(d, style),
            };
            if let ShowFormat::Markdown(max_chars) = format {
                print!("{}", markdown_comment(&plan, max_chars).join("\n"));
            } else if json {
                println!(
                    "{}",
                    serde_json::to_string(&plan.to_terraform_json()).unwrap_or_default()
                );
            } else {
                print_plan(&plan, style);
            }
        }
        None => {
            let store = match open_store(state_path.as_deref(), None, style) {
                Ok(s) => s,
                Err(code) => return code,
            };
            match store.read() {
                Ok(Some(state)) => {
                    if json {
                        println!("{}", String::from_utf8_lossy(&state.to_bytes()));
                    } else {
                        for r in &state.resources {
                            for i in &r.instances {
                                let key =
                                    strata_core::addr::InstanceKey::from_json(i.index_key.as_ref());
                                let prefix = if r.mode == "data" { "data." } else { "" };
                                println!("# {prefix}{}.{}{key}:", r.type_name, r.name);
                                println!(
                                    "{}\n",
                                    serde_json::to_string_pretty(&masked_attributes(r, i))
                                        .unwrap_or_default()
                                );
                            }
                        }
                        print_outputs_summary(&state);
                    }
                }
                Ok(None) => println!("No state."),
                Err(e) => return state_error(e, style),
            }
        }
    }
    ExitCode::SUCCESS
}

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
            for d in &c.dependencies {
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

/// The providers the stack's resources use, with their types.
pub fn providers_command(json: bool, style: &Style) -> ExitCode {
    let loaded = match crate::environment::load(&crate::args::VarArgs::default(), false) {
        Ok(l) => l,
        Err(d) => return global_failure(d, style),
    };
    let registry = &loaded.registry;
    let mut used: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let mut missing = Vec::new();
    for r in &loaded.stack.config.resources {
        match registry.for_resource_type(&r.type_name) {
            Some(p) => {
                used.entry(p.name().to_string())
                    .or_default()
                    .insert(r.type_name.clone());
            }
            None => missing.push(r.type_name.clone()),
        }
    }
    if json {
        let out: serde_json::Map<String, serde_json::Value> = used
            .iter()
            .map(|(name, types)| {
                let schema = registry.schema(name);
                let types: serde_json::Map<String, serde_json::Value> = types
                    .iter()
                    .map(|t| {
                        let attrs = schema
                            .and_then(|s| s.resources.get(t).or_else(|| s.data_sources.get(t)))
                            .map(|s| {
                                s.attributes
                                    .iter()
                                    .map(|(k, a)| {
                                        (k.clone(), serde_json::json!({
                                            "type": strata_types::json::type_to_json(&a.ty),
                                            "required": a.required, "optional": a.optional, "computed": a.computed,
                                            "sensitive": a.sensitive, "force_new": a.force_new,
                                        }))
                                    })
                                    .collect::<serde_json::Map<_, _>>()
                            })
                            .unwrap_or_default();
                        (t.clone(), serde_json::Value::Object(attrs))
                    })
                    .collect();
                (name.clone(), serde_json::json!({ "source": format!("builtin/{name}"), "resource_schemas": types }))
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Object(out)).unwrap_or_default()
        );
    } else {
        println!("Providers required by configuration:");
        for (name, types) in &used {
            println!(
                "└── provider[builtin/{name}] ({})",
                types.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
    }
    std::mem::forget(loaded);
    if missing.is_empty() {
        ExitCode::SUCCESS
    } else {
        report(
            &[Diagnostic::global(
                strata_types::codes::UNKNOWN_RESOURCE_TYPE,
                "Unknown resource types",
                format!("No available provider offers: {}.", missing.join(", ")),
            )],
            &SourceMap::default(),
            style,
        );
        ExitCode::from(1)
    }
}

/// `strata state …`: inspect and edit the state as data.
pub enum StateVerb {
    List(Vec<String>),
    Show(String),
    Rm(Vec<String>),
    Mv(String, String, Option<PathBuf>),
    Pull,
    Push(PathBuf, bool),
    History,
    Rollback(u64),
}

/// The address of one instance in state, as plans print it.
/// An instance's attributes for people to read: every value the state
/// marks sensitive, and every attribute its provider's schema declares
/// sensitive (a password's result, a sensitive file's content), reads
/// "(sensitive value)".
fn masked_attributes(
    resource: &strata_state::ResourceState,
    instance: &strata_state::InstanceState,
) -> serde_json::Value {
    const MASK: &str = "(sensitive value)";
    let mut attributes = instance.attributes.clone();
    for path in &instance.sensitive_attributes {
        let mut slot = Some(&mut attributes);
        for step in path.as_array().into_iter().flatten() {
            slot = slot.and_then(|v| match &step["value"] {
                serde_json::Value::String(key) => v.get_mut(key.as_str()),
                serde_json::Value::Number(n) => n.as_u64().and_then(|i| v.get_mut(i as usize)),
                _ => None,
            });
        }
        if let Some(slot) = slot {
            if !slot.is_null() {
                *slot = serde_json::Value::String(MASK.into());
            }
        }
    }
    let registry = providers();
    let schema = registry
        .for_resource_type(&resource.type_name)
        .and_then(|p| registry.schema(p.name()))
        .and_then(|s| {
            if resource.mode == "data" {
                s.data_sources.get(&resource.type_name)
            } else {
                s.resources.get(&resource.type_name)
            }
        });
    if let (Some(schema), Some(object)) = (schema, attributes.as_object_mut()) {
        for (name, attribute) in &schema.attributes {
            if attribute.sensitive {
                if let Some(slot) = object.get_mut(name).filter(|v| !v.is_null()) {
                    *slot = serde_json::Value::String(MASK.into());
                }
            }
        }
    }
    attributes
}

pub fn state_command(verb: StateVerb, state_path: Option<PathBuf>, style: &Style) -> ExitCode {
    use strata_core::ops::state_edit;
    let store = match open_store(state_path.as_deref(), None, style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let none = SourceMap::default();
    let failed = |e: OpError| op_error(e, &none, style);
    let lock = |operation: &str| lock_state(&*store, operation, std::time::Duration::ZERO);
    let read = || store.read().map(|s| s.unwrap_or_else(State::fresh));
    match verb {
        StateVerb::List(filters) => match read() {
            Ok(state) => {
                for addr in state_edit::list(&state, &filters) {
                    println!("{addr}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => state_error(e, style),
        },
        StateVerb::Show(address) => {
            let state = match read() {
                Ok(s) => s,
                Err(e) => return state_error(e, style),
            };
            match state_edit::find(&state, &address) {
                Ok((resource, instance)) => {
                    println!("# {address}:");
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&masked_attributes(resource, instance))
                            .unwrap_or_default()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => failed(e),
            }
        }
        StateVerb::Rm(addresses) => {
            let removed = lock("state rm")
                .map_err(OpError::State)
                .and_then(|l| state_edit::remove(&l, &addresses));
            match removed {
                Ok(removed) => {
                    for addr in &removed {
                        println!("Removed {addr}");
                    }
                    println!(
                        "Successfully removed {} resource instance(s).",
                        removed.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => failed(e),
            }
        }
        StateVerb::Mv(from, to, state_out) => {
            // Into another state file (`--state-out`), locked as well.
            let out_store = state_out.map(|path| {
                strata_state::LocalStore::new(path).with_cipher(cipher().ok().flatten())
            });
            let moved = lock("state mv").map_err(OpError::State).and_then(|l| {
                let out_lock = match &out_store {
                    Some(o) => Some(lock_state(o, "state mv", std::time::Duration::ZERO)?),
                    None => None,
                };
                state_edit::move_instances(&l, out_lock.as_ref(), &from, &to)
            });
            match moved {
                Ok(moved) => {
                    println!("Move \"{from}\" to \"{to}\"\nSuccessfully moved {moved} object(s).");
                    ExitCode::SUCCESS
                }
                Err(e) => failed(e),
            }
        }
        StateVerb::History => match state_edit::history(&*store) {
            Ok(versions) => {
                for v in versions {
                    let current = if v.current { "(current)" } else { "" };
                    println!(
                        "serial {:>4}  {current:<9}  {} instance(s), {} output(s)",
                        v.serial, v.instances, v.outputs
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => state_error(e, style),
        },
        StateVerb::Rollback(serial) => {
            let rolled = lock("state rollback")
                .map_err(OpError::State)
                .and_then(|l| state_edit::rollback(&l, serial));
            match rolled {
                Ok(now) => {
                    println!("Rolled back to the content of serial {serial} (now serial {now}).");
                    ExitCode::SUCCESS
                }
                Err(e) => failed(e),
            }
        }
        StateVerb::Pull => match store.read() {
            Ok(Some(s)) => {
                print!("{}", String::from_utf8_lossy(&s.to_bytes()));
                ExitCode::SUCCESS
            }
            Ok(None) => ExitCode::SUCCESS,
            Err(e) => state_error(e, style),
        },
        StateVerb::Push(file, force) => {
            let bytes = if file.as_os_str() == "-" {
                let mut t = Vec::new();
                let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut t);
                Ok(t)
            } else {
                std::fs::read(&file)
            };
            let pushed = match bytes {
                Ok(bytes) => lock("state push")
                    .map_err(OpError::State)
                    .and_then(|l| state_edit::push(&l, &bytes, force)),
                Err(e) => Err(OpError::Failed(vec![Diagnostic::global(
                    strata_types::codes::STATE_EDIT_FAILED,
                    "Cannot read the state to push",
                    format!("{}: {e}", file.display()),
                )])),
            };
            match pushed {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => failed(e),
            }
        }
    }
}

/// Releases a lock left by a crashed operation, when its ID matches.
pub fn force_unlock_command(id: &str, state_path: Option<PathBuf>, style: &Style) -> ExitCode {
    let store = match open_store(state_path.as_deref(), None, style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if matches!(store.lock_holder(), Ok(None)) {
        report(
            &[Diagnostic::global(
                strata_types::codes::NO_LOCK_TO_RELEASE,
                "No lock to release",
                format!("The state is not locked, so there is no lock with ID {id:?} to release."),
            )],
            &SourceMap::default(),
            style,
        );
        return ExitCode::from(1);
    }
    match store.unlock(id) {
        Ok(()) => {
            println!("Strata state has been successfully unlocked!");
            ExitCode::SUCCESS
        }
        Err(e) => state_error(e, style),
    }
}

/// `strata import ADDR ID`.
pub fn import_command(args: &WorkflowArgs, address: &str, id: &str, style: &Style) -> ExitCode {
    let rt = runtime();
    let Some(addr) = InstanceAddr::parse(address) else {
        report(
            &[Diagnostic::global(
                strata_types::codes::INVALID_ADDRESS,
                "Invalid address",
                format!("{address:?} is not a resource address such as aws_instance.gpu[0]."),
            )],
            &SourceMap::default(),
            style,
        );
        return ExitCode::from(1);
    };
    let mut loaded = match crate::environment::load(&args.vars, false) {
        Ok(l) => l,
        Err(d) => return global_failure(d, style),
    };
    if loaded.diagnostics.has_errors() {
        report(&loaded.diagnostics.0, &loaded.stack.sources, style);
        return ExitCode::from(1);
    }
    let store = match open_store(args.state.as_deref(), Some(&loaded.stack), style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let store = &*store;
    let lock = match take_lock_waiting(store, "import", args.lock, args.lock_timeout) {
        Ok(l) => l,
        Err(e) => return state_error(e, style),
    };
    let result = rt.block_on(strata_core::ops::import(
        &loaded,
        store,
        lock.as_ref(),
        &addr,
        id,
        &op_events(&loaded.stack.sources, style),
    ));
    let sources = std::mem::take(&mut loaded.stack.sources);
    std::mem::forget(loaded);
    match result {
        Ok(_) => {
            println!("{addr}: Import prepared!\n\nImport successful!\n\nThe resource is now managed by Strata; run `strata plan` to compare it with its configuration.");
            ExitCode::SUCCESS
        }
        Err(e) => op_error(e, &sources, style),
    }
}
