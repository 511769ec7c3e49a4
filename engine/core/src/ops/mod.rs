//! Operations: what a command does, as functions that return values the
//! CLI renders — a [`Session`] loaded from a directory, the state lock,
//! the journal an interrupted apply left settled, plan, apply. Nothing
//! here prints or reads the environment, the working directory or argv:
//! those come in as arguments.
//!
//! **Invariant:** the journal is settled only under the state lock: the
//! settling functions take a [`StateLock`], which only [`lock_state`]
//! makes, so a command that runs without the lock (`-lock=false`) cannot
//! settle another apply's journal while that apply is still writing it.

mod lock;
pub mod modules;
pub mod providers;
pub mod reap;
pub mod recover;
mod run;
mod session;
pub mod state_edit;
pub mod test;
pub mod workspace;

pub use lock::{lock_state, StateLock};
pub use run::{apply, check_not_stale, current_state, import, plan, OpError, OpEvent, PlanRequest};
pub use session::{Session, SessionInputs};

use strata_provider::Registry;
use strata_state::{StateError, Store};
use strata_types::Diagnostic;

/// What a command found of a journal before it read the state.
#[derive(Debug, Default)]
pub struct Settled {
    /// What settling did, in sentences for the user (empty when there
    /// was no journal).
    pub recovered: Vec<String>,
    /// Journal records left unsettled because the command runs without
    /// the lock; the state it reads may miss what they record.
    pub unsettled: usize,
}

/// Settles the journal of `store` when the command holds its lock;
/// without the lock, only counts what is there.
pub async fn settle_journal(
    store: &dyn Store,
    lock: Option<&StateLock<'_>>,
    registry: &Registry,
) -> Result<Settled, Diagnostic> {
    match lock {
        Some(lock) => Ok(Settled {
            recovered: recover::reconcile(lock, registry).await?,
            unsettled: 0,
        }),
        None => Ok(Settled {
            recovered: Vec::new(),
            unsettled: store
                .read_journal()
                .map_err(|e| journal_error(store, e))?
                .len(),
        }),
    }
}

/// A saved plan in Terraform's plan JSON, with the configuration of the
/// stack in `dir` (the plan is applied against it) when it can be read.
pub fn plan_document(
    plan: &crate::Plan,
    dir: &std::path::Path,
    registry: &Registry,
) -> serde_json::Value {
    match strata_lang::config::load_directory(dir) {
        Ok(stack) if !stack.diagnostics.has_errors() => crate::config_json::plan_json(
            plan,
            &crate::config_json::ConfigView {
                stack: &stack,
                registry,
            },
        ),
        _ => plan.to_terraform_json(),
    }
}

pub(crate) fn journal_error(store: &dyn Store, e: StateError) -> Diagnostic {
    Diagnostic::global(
        strata_types::codes::JOURNAL_UNREADABLE,
        "Cannot reconcile the journal",
        format!("The journal of {}: {e}", store.describe()),
    )
}
