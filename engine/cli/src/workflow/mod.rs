//! The workflow commands, one file each (`plan`, `apply`, `show`,
//! `output`, `graph`, `providers`, `state`, `workspace`, `import`), and
//! what they share here: opening the store and backend, loading and
//! validating the stack, making a plan, reading a saved one, policies and
//! comments. Each command calls operations in `strata_core::ops` and
//! renders what they return.

mod apply;
mod graph;
mod import;
mod init;
mod output;
mod plan;
mod providers;
mod reap;
mod show;
mod state;
mod test;
mod workspace;

pub use apply::apply_command;
pub use graph::graph_command;
pub use import::import_command;
pub(crate) use init::{init_command, install_modules, InitOptions};
pub use output::output_command;
pub use plan::plan_command;
pub use providers::{providers_command, providers_schema_command};
pub use reap::reap_command;
pub use show::{show_command, ShowFormat};
pub use state::{force_unlock_command, state_command, StateVerb};
pub(crate) use test::{test_command, TestOptions};
pub use workspace::{workspace_command, WorkspaceVerb};

use crate::environment::{cipher, current_workspace, read_stack_files, WORKSPACE_FILE};
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
                crate::environment::cannot_open_backend(&spec.kind, e),
                style,
            )
        })?;
    Ok((spec, backend))
}

#[derive(Clone)]
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
    crate::signals::runtime(None).expect("tokio runtime")
}

/// A plan as people read it, or as `-json` lines (with the refresh of
/// the state when `refreshed`).
fn print_plan(plan: &Plan, refreshed: bool, style: &Style) {
    if style.json {
        crate::ui_json::plan(plan, refreshed);
        return;
    }
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
    let diagnostics = loaded.validate();
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
            keep_scope: false,
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

/// Every instance of a state (sensitive values masked), then its outputs.
fn print_state(state: &State) {
    let registry = showing_registry();
    // Instances by module instance, each module's own in address order,
    // its children after them, as Terraform's state JSON nests them.
    let mut root = ShownModule::default();
    for r in &state.resources {
        for i in &r.instances {
            let address = strata_core::addr::state_instance_address(r, i);
            let mut module = &mut root;
            for depth in 1..=address.resource.module.len() {
                let path = strata_core::addr::module_path_text(&address.resource.module[..depth]);
                module = module.children.entry(path).or_default();
            }
            let text = address.to_string();
            let shown = shown_instance(&registry, &text, r, i);
            module.instances.push((text, shown));
        }
    }
    if root.instances.is_empty() && root.children.is_empty() && state.outputs.is_empty() {
        println!("The state file is empty. No resources are represented.");
        return;
    }
    root.print(true);
    if !state.outputs.is_empty() {
        println!("\n\nOutputs:\n");
        for (name, o) in &state.outputs {
            let shown = if o.sensitive {
                "(sensitive value)".to_string()
            } else {
                crate::state_render::output(&output_value(o))
            };
            println!("{name} = {shown}");
        }
    }
}

/// A module instance's shown instances and its child module instances.
#[derive(Default)]
struct ShownModule {
    instances: Vec<(String, String)>,
    children: std::collections::BTreeMap<String, ShownModule>,
}

impl ShownModule {
    /// Terraform's layout: a blank line between instances, one more
    /// before a module's first, none before the very first; a module is
    /// told only whether its parent module printed nothing (so modules
    /// under a root without instances are not spaced apart).
    fn print(mut self, first: bool) {
        self.instances.sort_by(|a, b| a.0.cmp(&b.0));
        let mut printed = !first;
        if !self.instances.is_empty() && printed {
            println!();
        }
        for (_, shown) in &self.instances {
            if printed {
                println!();
            }
            printed = true;
            print!("{shown}");
        }
        for (_, child) in self.children {
            child.print(!printed);
        }
    }
}

/// The providers whose schemas say how to show state: the working
/// directory's (plugins from their cached schemas), else the built-ins.
fn showing_registry() -> strata_provider::Registry {
    std::env::current_dir()
        .ok()
        .and_then(|root| crate::plugins::registry_for(&root).ok())
        .unwrap_or_else(crate::plugins::builtin_registry)
}

/// An instance as Terraform shows it, or its stored attributes (masked)
/// when no provider at hand has its type.
fn shown_instance(
    registry: &strata_provider::Registry,
    address: &str,
    resource: &strata_state::ResourceState,
    instance: &strata_state::InstanceState,
) -> String {
    match strata_core::ops::state_edit::decoded(registry, resource, instance) {
        Some((value, schema)) => crate::state_render::instance(
            address,
            resource.mode == "data",
            &resource.type_name,
            &resource.name,
            &value,
            &schema,
        ),
        None => format!(
            "# {address}:\n{}\n",
            serde_json::to_string_pretty(&masked_attributes(resource, instance))
                .unwrap_or_default()
        ),
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
fn check_policies(
    args: &WorkflowArgs,
    planned: &mut Planned,
    style: &Style,
) -> Result<bool, ExitCode> {
    if args.policies.is_empty() {
        return Ok(false);
    }
    let plan = &mut planned.plan;
    let mut input = strata_core::config_json::plan_json(plan, &planned.loaded.config_view());
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
    let denies = print_findings(&findings, args.policies.len());
    plan.policy = findings;
    Ok(denies > 0)
}

/// Prints what the policies said; returns how many denied.
fn print_findings(findings: &[strata_core::plan::PolicyFinding], paths: usize) -> usize {
    let denies = findings.iter().filter(|f| f.level == "deny").count();
    println!(
        "\nPolicy: {denies} denied, {} warning{} from {} polic{}.",
        findings.len() - denies,
        if findings.len() - denies == 1 {
            ""
        } else {
            "s"
        },
        paths,
        if paths == 1 { "y path" } else { "y paths" }
    );
    for f in findings {
        let tag = if f.level == "deny" { "DENY" } else { "WARN" };
        println!("  {tag} [{}] {}", f.policy, f.message);
    }
    denies
}

/// `strata policy check`: the policies against a plan JSON file, written
/// by Strata or by Terraform; exits with 1 when one denies.
pub fn policy_check_command(policies: &[PathBuf], plan_json: &Path, style: &Style) -> ExitCode {
    let input = std::fs::read_to_string(plan_json)
        .map_err(|e| e.to_string())
        .and_then(|t| {
            serde_json::from_str::<serde_json::Value>(&t).map_err(|e| format!("not JSON: {e}"))
        })
        .and_then(|v| {
            v.get("resource_changes")
                .or(v.get("planned_values"))
                .is_some()
                .then_some(v)
                .ok_or_else(|| {
                    "no resource_changes or planned_values: write it with `strata show -json PLAN` (or `terraform show -json PLAN`)".to_string()
                })
        });
    let input = match input {
        Ok(v) => v,
        Err(e) => {
            return global_failure(
                Diagnostic::global(
                    strata_types::codes::READ_FAILED,
                    "Cannot read the plan JSON",
                    format!("{}: {e}", plan_json.display()),
                ),
                style,
            )
        }
    };
    match crate::policy::evaluate(policies, &input) {
        Ok(findings) if print_findings(&findings, policies.len()) > 0 => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => global_failure(
            Diagnostic::global(
                strata_types::codes::POLICY_EVALUATION_FAILED,
                "Policy evaluation failed",
                e,
            ),
            style,
        ),
    }
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
    let mut attributes = instance.attributes.to_json();
    for path in &instance.sensitive_attributes {
        let steps = path.as_array().map(Vec::as_slice).unwrap_or_default();
        if let Some(slot) = strata_core::schema_json::stored_at_mut(&mut attributes, steps) {
            if !slot.is_null() {
                *slot = serde_json::Value::String(MASK.into());
            }
        }
    }
    let registry = crate::environment::providers_or_builtin(&crate::environment::cwd());
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
