//! Plan and apply as operations: the state made current (providers
//! configured, journal settled under the lock, state read), the plan made
//! and priced, a saved plan checked against the state, the changes
//! applied. Results come back as values; what happens on the way is
//! reported through an [`OpEvent`] callback.

use super::{settle_journal, Session, StateLock};
use crate::apply::{ApplyOptions, ApplyResult};
use crate::cost::Catalog;
use crate::plan::Plan;
use crate::planner::PlanOptions;
use std::sync::Arc;
use strata_state::{State, StateError, Store};
use strata_types::{codes, Diagnostic};
use tracing::Instrument;

/// Why an operation stopped.
#[derive(Debug)]
pub enum OpError {
    /// The store failed (locked, corrupt, unreadable, cannot decrypt).
    State(StateError),
    /// Errors (and any warnings that came with them) to report.
    Failed(Vec<Diagnostic>),
}

impl From<StateError> for OpError {
    fn from(e: StateError) -> OpError {
        OpError::State(e)
    }
}

impl From<Diagnostic> for OpError {
    fn from(d: Diagnostic) -> OpError {
        OpError::Failed(vec![d])
    }
}

/// What an operation reports while it runs.
#[derive(Clone, Debug)]
pub enum OpEvent {
    /// A journal an interrupted apply left was settled: what that did.
    Recovered {
        journal_of: String,
        actions: Vec<String>,
    },
    /// A warning, to show before the operation's result.
    Warning(Diagnostic),
    /// A change started or finished.
    Change(crate::apply::Event),
    /// A provider call has taken a while and goes on (reported every
    /// [`crate::context::waits::INTERVAL`]).
    Waiting(crate::context::waits::Waiting),
}

/// The session's stack, reporting long provider calls as events.
fn reporting_view<'a>(
    session: &'a Session,
    on_wait: &'a (dyn Fn(crate::context::waits::Waiting) + Sync),
) -> crate::context::Stack<'a> {
    crate::context::Stack {
        on_wait: Some(on_wait),
        ..session.view()
    }
}

/// The state as the next operation must see it: the session's providers
/// configured from the stack, a journal an interrupted apply left settled
/// (under the lock; without it, an operation that changes the state is
/// refused and one that only reads it warns), then read.
pub async fn current_state(
    session: &Session,
    store: &dyn Store,
    lock: Option<&StateLock<'_>>,
    changes_state: bool,
    on_event: &(dyn Fn(OpEvent) + Sync),
) -> Result<Option<State>, OpError> {
    let on_wait = |w| on_event(OpEvent::Waiting(w));
    let configured = crate::configure_providers(&reporting_view(session, &on_wait)).await;
    if configured.has_errors() {
        return Err(OpError::Failed(configured.0));
    }
    let settled = settle_journal(store, lock, &session.registry).await?;
    if !settled.recovered.is_empty() {
        on_event(OpEvent::Recovered {
            journal_of: store.describe(),
            actions: settled.recovered,
        });
    }
    if settled.unsettled > 0 {
        let detail = format!(
            "The journal of {} holds {} record(s) of an apply that is running or was interrupted; they are settled only under the state lock.",
            store.describe(),
            settled.unsettled
        );
        let advice = if changes_state {
            "Run again without -lock=false."
        } else {
            "This plan reads the state as last written, without them."
        };
        let d = Diagnostic::global(
            codes::JOURNAL_UNSETTLED,
            "Unsettled journal",
            format!("{detail} {advice}"),
        );
        if changes_state {
            return Err(d.into());
        }
        on_event(OpEvent::Warning(d.into_warning()));
    }
    let _span = tracing::info_span!("read_state").entered();
    Ok(store.read()?)
}

/// What a plan is made with.
pub struct PlanRequest {
    pub options: PlanOptions,
    /// Prices for the cost estimate.
    pub catalog: Catalog,
    /// The plan is made to be applied at once (`apply` without a saved
    /// plan): an unsettled journal is refused rather than read past.
    pub changes_state: bool,
}

/// Brings the state up to date, plans against it and prices the
/// plan. The plan's warnings come as events.
pub async fn plan(
    session: &Session,
    store: &dyn Store,
    lock: Option<&StateLock<'_>>,
    request: PlanRequest,
    on_event: &(dyn Fn(OpEvent) + Sync),
) -> Result<Plan, OpError> {
    let prior = current_state(session, store, lock, request.changes_state, on_event).await?;
    let on_wait = |w| on_event(OpEvent::Waiting(w));
    let view = reporting_view(session, &on_wait);
    let result = crate::planner::plan(&view, prior, &request.options)
        .instrument(tracing::info_span!("plan"))
        .await;
    let Some(mut plan) = result.plan else {
        return Err(OpError::Failed(result.diagnostics.0));
    };
    for d in result.diagnostics.0 {
        on_event(OpEvent::Warning(d));
    }
    let registry = &session.registry;

    plan.cost = Some(crate::cost::estimate(&plan, &request.catalog, registry));
    Ok(plan)
}

/// Checks that a saved plan was made against the state as it is now,
/// and that its prior state still holds what the state holds.
pub fn check_not_stale(plan: &Plan, current: &Option<State>) -> Result<(), Diagnostic> {
    let stale = match (current, &plan.lineage) {
        (None, None) => false,
        (Some(s), Some(lineage)) => s.lineage != *lineage || Some(s.serial) != plan.serial,
        (Some(s), None) => s.instance_count() > 0 || !s.outputs.is_empty(),
        (None, Some(_)) => true,
    };
    if stale {
        return Err(Diagnostic::global(
            codes::SAVED_PLAN_IS_STALE,
            "Saved plan is stale",
            "The given plan file can no longer be applied because the state was changed by another operation after the plan was created. Make a new plan and apply that.",
        ));
    }
    if let Some(current) = current {
        plan.check_prior_state(current).map_err(|why| {
            Diagnostic::global(
                codes::INVALID_PLAN_FILE,
                "Invalid plan",
                format!("The saved plan does not match the state: {why}. Nothing was applied; make a new plan."),
            )
        })?;
    }
    Ok(())
}

/// Applies `plan` (made by [`plan`], or a saved plan checked by
/// [`check_not_stale`]); the caller holds the state lock.
pub async fn apply(
    session: &Session,
    store: Arc<dyn Store>,
    plan: Plan,
    options: &ApplyOptions,
    on_event: &(dyn Fn(OpEvent) + Sync),
) -> ApplyResult {
    let on_change = |e| on_event(OpEvent::Change(e));
    let on_wait = |w| on_event(OpEvent::Waiting(w));
    let view = reporting_view(session, &on_wait);
    crate::apply::apply(plan, &view, store, options, &on_change)
        .instrument(tracing::info_span!("apply"))
        .await
}

/// `import ADDR ID`: with the state as [`current_state`] leaves it, reads
/// the object `id` through its provider, records it at `addr` (which the
/// configuration must declare) and writes the state; returns it.
pub async fn import(
    session: &Session,
    store: &dyn Store,
    lock: Option<&StateLock<'_>>,
    addr: &crate::addr::InstanceAddr,
    id: &str,
    on_event: &(dyn Fn(OpEvent) + Sync),
) -> Result<State, OpError> {
    let prior = current_state(session, store, lock, true, on_event).await?;
    let state = super::recover::import_instance(&session.view(), prior, addr, id).await?;
    store.write(&state)?;
    Ok(state)
}
