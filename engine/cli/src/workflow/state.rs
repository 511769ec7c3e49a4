//! `strata state …` and `strata force-unlock`.

use super::*;

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
                    print!(
                        "{}",
                        shown_instance(&showing_registry(), &address, resource, instance)
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
