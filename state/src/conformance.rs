//! The conformance suite every state store must pass: a new backend
//! proves itself by passing the same checks as the local file store.

use crate::{Backend, JournalRecord, State, StateError, Store};

fn check(failures: &mut Vec<String>, what: &str, ok: Result<bool, StateError>) {
    match ok {
        Ok(true) => {}
        Ok(false) => failures.push(what.to_string()),
        Err(e) => failures.push(format!("{what}: {e}")),
    }
}

/// Runs every check against an empty store; returns the failures.
pub fn run(store: &dyn Store) -> Vec<String> {
    let mut failures = Vec::new();
    check(
        &mut failures,
        "an empty store reads as no state",
        store.read().map(|s| s.is_none()),
    );
    let mut state = State::fresh();
    check(
        &mut failures,
        "a written state reads back equal",
        store
            .write(&state)
            .and_then(|_| store.read())
            .map(|s| s.as_ref() == Some(&state)),
    );
    state.serial = 1;
    state.outputs.insert(
        "x".into(),
        crate::OutputState {
            value: serde_json::json!("v"),
            ty: serde_json::json!("string"),
            sensitive: false,
        },
    );
    check(
        &mut failures,
        "a second write replaces the first",
        store
            .write(&state)
            .and_then(|_| store.read())
            .map(|s| s.as_ref() == Some(&state)),
    );
    check(
        &mut failures,
        "equal states are equal bytes",
        store
            .read()
            .map(|s| s.map(|s| s.to_bytes()) == Some(state.to_bytes())),
    );
    check(
        &mut failures,
        "history keeps the previous version",
        store.history().map(|h| h.first() == Some(&0)),
    );
    check(
        &mut failures,
        "an earlier version reads back",
        store
            .read_version(0)
            .map(|s| s.is_some_and(|s| s.serial == 0 && s.outputs.is_empty())),
    );
    match store.lock("apply") {
        Ok(held) => {
            match store.lock("plan") {
                Err(StateError::Locked(holder)) => {
                    if holder.id != held.id || holder.operation != "apply" {
                        failures.push(format!(
                            "a second lock must name the holder; it named {holder:?}"
                        ));
                    }
                }
                other => failures.push(format!(
                    "a second lock must fail while the first is held, got {other:?}"
                )),
            }
            check(
                &mut failures,
                "the holder of a lock can be read",
                store
                    .lock_holder()
                    .map(|h| h.is_some_and(|h| h.id == held.id)),
            );
            check(
                &mut failures,
                "a lock is not released by another ID",
                Ok(matches!(
                    store.unlock("not-the-holder"),
                    Err(StateError::Locked(_))
                )),
            );
            check(
                &mut failures,
                "a lock is released by its holder",
                store.unlock(&held.id).map(|_| true),
            );
            check(
                &mut failures,
                "a released lock can be taken again",
                store
                    .lock("plan")
                    .and_then(|l| store.unlock(&l.id))
                    .map(|_| true),
            );
            check(
                &mut failures,
                "no holder is read when nothing is locked",
                store.lock_holder().map(|h| h.is_none()),
            );
        }
        Err(e) => failures.push(format!("an unheld lock must be granted: {e}")),
    }
    let intent = JournalRecord::Intent {
        seq: 1,
        module: String::new(),
        mode: "managed".into(),
        type_name: "local_file".into(),
        name: "a".into(),
        index_key: None,
        provider: "provider[\"registry.terraform.io/hashicorp/local\"]".into(),
        action: "create".into(),
        token: Some("/tmp/a".into()),
        planned: serde_json::json!({}),
        schema_version: 0,
    };
    let done = JournalRecord::Done {
        seq: 1,
        instance: None,
    };
    check(
        &mut failures,
        "journal records read back in order",
        store
            .append_journal(&intent, true)
            .and_then(|_| store.append_journal(&done, false))
            .and_then(|_| store.read_journal())
            .map(|j| j == vec![intent.clone(), done.clone()]),
    );
    check(
        &mut failures,
        "a reset journal keeps only what it is given",
        store
            .reset_journal(std::slice::from_ref(&intent))
            .and_then(|_| store.read_journal())
            .map(|j| j == vec![intent.clone()]),
    );
    check(
        &mut failures,
        "an emptied journal is empty",
        store
            .reset_journal(&[])
            .and_then(|_| store.read_journal())
            .map(|j| j.is_empty()),
    );
    failures
}

/// Runs the store checks on a fresh workspace of `backend`, then the
/// workspace checks; `backend` must hold no workspace but `default`.
pub fn run_backend(backend: &dyn Backend) -> Vec<String> {
    let mut failures = Vec::new();
    check(
        &mut failures,
        "a new backend has only the default workspace",
        backend.workspaces().map(|w| w == ["default"]),
    );
    match backend.store("default") {
        Ok(store) => failures.extend(run(store.as_ref())),
        Err(e) => failures.push(format!("the default store opens: {e}")),
    }
    check(
        &mut failures,
        "a created workspace is listed",
        backend
            .create_workspace("staging")
            .and_then(|_| backend.create_workspace("dev"))
            .and_then(|_| backend.workspaces())
            .map(|w| w == ["default", "dev", "staging"]),
    );
    let mut staging = State::fresh();
    staging.serial = 7;
    check(
        &mut failures,
        "workspaces hold separate states",
        backend.store("staging").and_then(|s| {
            s.write(&staging)?;
            let default = backend.store("default")?.read()?;
            Ok(s.read()?.as_ref() == Some(&staging) && default.is_some_and(|d| d.serial == 1))
        }),
    );
    check(
        &mut failures,
        "workspaces lock separately",
        backend.store("staging").and_then(|s| {
            let held = s.lock("apply")?;
            let other = backend.store("dev")?;
            let free = other.lock("apply")?;
            other.unlock(&free.id)?;
            s.unlock(&held.id)?;
            Ok(true)
        }),
    );
    check(
        &mut failures,
        "a deleted workspace is gone, state and history",
        backend.delete_workspace("staging").and_then(|_| {
            let s = backend.store("staging")?;
            Ok(!backend.workspaces()?.contains(&"staging".to_string())
                && s.read()?.is_none()
                && s.history()?.is_empty())
        }),
    );
    check(
        &mut failures,
        "deleting one workspace leaves the others",
        backend.workspaces().map(|w| w == ["default", "dev"]),
    );
    failures
}
