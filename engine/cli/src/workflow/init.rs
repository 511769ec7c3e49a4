//! `strata init`: checks the backend, moves state to it when asked
//! (`--migrate-state`), and records it for the commands that follow.

use super::*;
use crate::backend::{from_stack, merge_option, record, recorded, BACKEND_FILE};
use strata_state::backends::Spec;

/// Terraform's local state file, adopted by `strata init`.
const TERRAFORM_STATE: &str = "terraform.tfstate";

pub(crate) struct InitOptions {
    /// Fetch remote modules again, at the newest versions allowed.
    pub(crate) upgrade: bool,
    pub(crate) backend_config: Vec<String>,
    pub(crate) migrate_state: bool,
    pub(crate) reconfigure: bool,
    pub(crate) force_copy: bool,
    /// Where test files are besides the stack's directory.
    pub(crate) test_directory: String,
}

/// `strata init`: checks the backend, moves state to it when asked, and
/// records it for the commands that follow.
pub(crate) fn init_command(
    options: &InitOptions,
    style: &crate::render::Style,
) -> std::process::ExitCode {
    use crate::report::{global_failure, report, state_error};
    use std::process::ExitCode;
    if let Err(code) = install_modules(options.upgrade, &options.test_directory, style) {
        return code;
    }
    let stack = match crate::environment::read_stack_files(style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if stack.diagnostics.has_errors() {
        report(&stack.diagnostics.0, &stack.sources, style);
        return ExitCode::from(1);
    }
    let mut new = match from_stack(&stack) {
        Ok(spec) => spec.unwrap_or_else(Spec::default_local),
        Err(d) => {
            report(&d, &stack.sources, style);
            return ExitCode::from(1);
        }
    };
    for option in &options.backend_config {
        if let Err(d) = merge_option(&mut new, option) {
            return global_failure(d, style);
        }
    }
    let cipher = crate::environment::cipher().ok().flatten();
    let cannot_open = |spec: &Spec, e: String| {
        global_failure(
            crate::environment::cannot_open_backend(&spec.kind, e),
            style,
        )
    };
    let new_backend = match crate::environment::open_backend(&new, cipher.clone()) {
        Ok(b) => b,
        Err(e) => return cannot_open(&new, e),
    };
    println!("Initializing the backend...");
    let old = match recorded() {
        Ok(r) => r.unwrap_or_else(Spec::default_local),
        Err(d) => return global_failure(d, style),
    };
    if old.kind != new.kind || old.config != new.config {
        let old_states = match crate::environment::open_backend(&old, cipher.clone()).and_then(|b| {
            strata_core::ops::workspace::with_state(&*b).map_err(|e| e.to_string())
        }) {
            Ok(found) => Some(found),
            Err(_) if options.reconfigure => None,
            Err(e) => {
                return global_failure(
                    Diagnostic::global(
                        strata_types::codes::CANNOT_OPEN_BACKEND,
                        "Cannot open the previous backend",
                        format!("The \"{}\" backend recorded by the last `strata init` cannot be read to look for state to migrate: {e}. Use --reconfigure to switch without looking.", old.kind),
                    ),
                    style,
                )
            }
        };
        let with_state = old_states.unwrap_or_default();
        if !with_state.is_empty() {
            let names: Vec<&str> = with_state.iter().map(|(w, _)| w.as_str()).collect();
            if options.migrate_state {
                for (ws, old_store) in &with_state {
                    if let Err(e) = strata_core::ops::workspace::migrate(
                        ws,
                        old_store.as_ref(),
                        new_backend.as_ref(),
                        options.force_copy,
                    ) {
                        return crate::report::op_error(e, &stack.sources, style);
                    }
                }
                println!(
                    "Migrated the state of {} workspace(s) from the \"{}\" backend to the \"{}\" backend: {}.",
                    names.len(),
                    old.kind,
                    new.kind,
                    names.join(", ")
                );
                println!("The previous backend still holds its copy; remove it when you no longer need it.");
            } else if options.reconfigure {
                println!(
                    "The state in the previous \"{}\" backend ({}) is left where it is.",
                    old.kind,
                    names.join(", ")
                );
            } else {
                return global_failure(
                    Diagnostic::global(
                        strata_types::codes::BACKEND_INIT_REQUIRED,
                        "Backend configuration changed",
                        format!(
                            "The \"{}\" backend holds state for {}. Run `strata init --migrate-state` to copy it to the new \"{}\" backend, or `strata init --reconfigure` to use the new backend without it.",
                            old.kind,
                            names.join(", "),
                            new.kind
                        ),
                    ),
                    style,
                );
            }
        }
    }
    if let Err(e) = record(&new) {
        return global_failure(
            Diagnostic::global(
                strata_types::codes::BACKEND_RECORD,
                "Cannot record the backend",
                format!("{BACKEND_FILE}: {e}"),
            ),
            style,
        );
    }
    // Opening the selected workspace checks that the backend answers.
    let store = match new_backend.store(&crate::environment::current_workspace()) {
        Ok(s) => s,
        Err(e) => return state_error(e, style),
    };
    let existing = match store.read() {
        Ok(existing) => existing,
        Err(e) => return state_error(e, style),
    };
    // A Terraform working directory: its local state becomes this one's.
    let terraform_state = std::path::Path::new(TERRAFORM_STATE);
    if existing.is_none() && new.kind == "local" && terraform_state.is_file() {
        match std::fs::read(terraform_state)
            .map_err(|e| e.to_string())
            .and_then(|b| strata_state::State::from_bytes(&b).map_err(|e| e.to_string()))
        {
            Ok(state) => {
                if let Err(e) = store.write(&state) {
                    return state_error(e, style);
                }
                println!(
                    "Adopted Terraform's state {TERRAFORM_STATE} (serial {}, {} resources); {TERRAFORM_STATE} is left as it was.\n",
                    state.serial,
                    state.resources.len()
                );
            }
            Err(e) => {
                return global_failure(
                    Diagnostic::global(
                        strata_types::codes::STATE_ERROR,
                        "Cannot adopt Terraform's state",
                        format!("{TERRAFORM_STATE} cannot be read: {e}."),
                    ),
                    style,
                )
            }
        }
    }
    println!("Using the \"{}\" backend.\n", new.kind);
    if let Err(code) = crate::plugins::init_providers(
        &crate::environment::cwd(),
        &stack,
        (options.upgrade, &crate::environment::fetcher()),
        style,
    ) {
        return code;
    }
    println!("Strata has been successfully initialized!");
    ExitCode::SUCCESS
}

/// Installs the modules the stack in the working directory calls
/// (`strata init`, `strata get`), printing progress as Terraform does.
pub(crate) fn install_modules(
    upgrade: bool,
    test_directory: &str,
    style: &crate::render::Style,
) -> Result<(), std::process::ExitCode> {
    use strata_core::ops::modules::{install_modules, InstallEvent, InstallOptions};
    let cwd = crate::environment::cwd();
    let fetcher = crate::environment::fetcher();
    let mut printed_heading = false;
    let mut on_event = |event: InstallEvent| {
        if !printed_heading {
            println!("Initializing modules...");
            printed_heading = true;
        }
        match event {
            InstallEvent::Downloading {
                key,
                source,
                version,
            } => match version {
                Some(v) => println!("Downloading {source} {v} for {key}..."),
                None => println!("Downloading {source} for {key}..."),
            },
            InstallEvent::Ready { key, dir } => println!("- {key} in {dir}"),
        }
    };
    let installed = install_modules(
        &cwd,
        &fetcher,
        InstallOptions {
            upgrade,
            test_directory: test_directory.to_string(),
        },
        &mut on_event,
    );
    if printed_heading {
        println!();
    }
    if installed.diagnostics.has_errors() {
        crate::report::report(&installed.diagnostics.0, &installed.sources, style);
        return Err(std::process::ExitCode::from(1));
    }
    Ok(())
}
