//! Workspaces of a backend: created, checked before one is selected,
//! deleted only when nothing would be lost. Which workspace is selected is
//! the caller's to record.

use super::{lock_state, OpError};
use std::time::Duration;
use strata_state::Backend;
use strata_types::Diagnostic;

fn refused(summary: &str, detail: String) -> OpError {
    OpError::Failed(vec![Diagnostic::global(
        strata_types::codes::WORKSPACE_FAILED,
        summary,
        detail,
    )])
}

/// A workspace name is letters, digits, `-` and `_`.
pub fn check_name(name: &str) -> Result<(), OpError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(refused(
            "Invalid workspace name",
            format!("{name:?}: use letters, digits, '-' and '_'."),
        ))
    }
}

/// Creates workspace `name`, which must not exist yet.
pub fn create(backend: &dyn Backend, name: &str) -> Result<(), OpError> {
    check_name(name)?;
    if backend.workspaces()?.iter().any(|w| w == name) {
        return Err(refused(
            "Workspace already exists",
            format!(
                "Workspace {name:?} already exists; select it with `strata workspace select {name}`."
            ),
        ));
    }
    backend.create_workspace(name)?;
    Ok(())
}

/// Checks that workspace `name` exists, before it is selected.
pub fn check_exists(backend: &dyn Backend, name: &str) -> Result<(), OpError> {
    if backend.workspaces()?.iter().any(|w| w == name) {
        Ok(())
    } else {
        Err(refused(
            "Workspace doesn't exist",
            format!(
                "Workspace {name:?} doesn't exist. Create it with `strata workspace new {name}`."
            ),
        ))
    }
}

/// Deletes workspace `name` (not `default`, not the selected one). Under
/// its state lock: a workspace whose state still holds instances, or
/// whose journal records an interrupted apply, is kept unless `force`
/// (then those objects are no longer tracked).
pub fn delete(
    backend: &dyn Backend,
    name: &str,
    selected: &str,
    force: bool,
) -> Result<(), OpError> {
    if name == "default" {
        return Err(refused(
            "Cannot delete the default workspace",
            "The default workspace always exists.".into(),
        ));
    }
    if name == selected {
        return Err(refused(
            "Workspace is selected",
            format!("Switch to another workspace before deleting {name:?}."),
        ));
    }
    if !backend.workspaces()?.iter().any(|w| w == name) {
        return Err(refused(
            "Workspace doesn't exist",
            format!("Workspace {name:?} doesn't exist."),
        ));
    }
    let store = backend.store(name)?;
    let lock = lock_state(&*store, "workspace delete", Duration::ZERO)?;
    if !force {
        let instances = store.read()?.map_or(0, |s| s.instance_count());
        if instances > 0 {
            return Err(refused(
                "Workspace is not empty",
                format!("Workspace {name:?} still manages {instances} instance(s); destroy them first, or use --force to stop tracking them."),
            ));
        }
        let journal = store.read_journal()?;
        if !journal.is_empty() {
            return Err(refused(
                "Workspace has an interrupted apply",
                format!("Workspace {name:?} has a journal of {} record(s) from an interrupted apply, which may have created objects; run a command in it (`strata workspace select {name}`, then `strata plan`) to settle them, or use --force to stop tracking them.", journal.len()),
            ));
        }
    }
    backend.delete_workspace(name)?;
    // The lock went with the workspace; releasing it may fail harmlessly.
    drop(lock);
    Ok(())
}

/// A workspace by name, with its store.
pub type WorkspaceStore = (String, Box<dyn strata_state::Store>);

/// The workspaces of `backend` that hold a state, with their stores (what
/// `init` would migrate).
pub fn with_state(backend: &dyn Backend) -> Result<Vec<WorkspaceStore>, strata_state::StateError> {
    let mut out = Vec::new();
    for workspace in backend.workspaces()? {
        let store = backend.store(&workspace)?;
        if store.read()?.is_some() {
            out.push((workspace, store));
        }
    }
    Ok(out)
}

/// Copies one workspace's state to `new_backend` under both locks, so
/// what is copied is what no other operation is changing. A journal of an
/// interrupted apply must be settled first; a different state already in
/// the new backend is replaced only with `force` (its version stays in
/// that backend's history). The copy must read back equal.
pub fn migrate(
    workspace: &str,
    old_store: &dyn strata_state::Store,
    new_backend: &dyn Backend,
    force: bool,
) -> Result<(), OpError> {
    let fail = |detail: String| {
        OpError::Failed(vec![Diagnostic::global(
            strata_types::codes::CANNOT_MIGRATE_STATE,
            "Cannot migrate the state",
            detail,
        )])
    };
    let new_store = new_backend.store(workspace)?;
    let _old_lock = lock_state(old_store, "migrate", Duration::ZERO)?;
    if !old_store.read_journal()?.is_empty() {
        return Err(fail(format!("Workspace {workspace:?} has an interrupted apply to recover first: run `strata plan` with the previous backend, then migrate.")));
    }
    let Some(state) = old_store.read()? else {
        return Ok(());
    };
    let _new_lock = lock_state(&*new_store, "migrate", Duration::ZERO)?;
    if let Some(existing) = new_store.read()? {
        let empty = existing.instance_count() == 0 && existing.outputs.is_empty();
        if !empty && existing.lineage != state.lineage && !force {
            return Err(fail(format!("The new backend already holds a different state for workspace {workspace:?} (lineage {}). Use --force-copy to replace it; its version is kept in the new backend's history.", existing.lineage)));
        }
    }
    new_store.write(&state)?;
    match new_store.read()? {
        Some(copy) if copy == state => Ok(()),
        _ => Err(fail(format!(
            "Workspace {workspace:?}: the copy in the new backend does not read back equal."
        ))),
    }
}
