//! Apply: runs a plan's execution graph as it is, as a ready-queue over
//! in-degrees, bounded by a global parallelism and each provider's own
//! limit. Each instance is evaluated again just before its turn (the
//! values it depends on are known by then), planned once more by its
//! provider, applied, and recorded. A failure skips only what depends on
//! it; a cancel stops new work and lets what runs finish.

use crate::addr::{InstanceAddr, InstanceKey, Mode};
use crate::context::{
    decode_state, expansion_value, proposed_new, provider_for, resource_addr, set_resource_root,
    Context, InstanceValues, ModuleRef, Stack, WorkingState,
};
use crate::eval_body::{body_to_config, BodyScope};
use crate::plan::{Action, Plan};
use crate::schema_json::{encode_attributes, mark_schema_sensitive};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use strata_lang::config::LoadedStack;
use strata_lang::eval::{evaluate, EvalContext};
use strata_lang::functions::FunctionEnv;
use strata_lang::stack::LocalsOrder;

use strata_provider::{ApplyRequest, PlanRequest};
use strata_state::{InstanceState, OutputState, State, Store};
use strata_types::json::{type_to_json, value_to_json};
use strata_types::{Diagnostic, Diagnostics, Kind, Span, Value};
use tokio::sync::Semaphore;

impl Shared {
    fn pending_records(&self) -> Vec<strata_state::JournalRecord> {
        self.pending
            .lock()
            .expect("pending")
            .values()
            .cloned()
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct ApplyOptions {
    pub parallelism: usize,
    /// Set to stop starting new operations (Ctrl-C).
    pub cancel: Arc<AtomicBool>,
    /// How often the state is written while applying.
    pub persist_interval: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        // The journal makes every finished call durable; snapshots only
        // bound how much a later command has to replay.
        ApplyOptions {
            parallelism: 10,
            cancel: Arc::new(AtomicBool::new(false)),
            persist_interval: Duration::from_secs(10),
        }
    }
}

/// What happened to each change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed(String),
    /// Not started: a dependency failed (named) or the run was cancelled.
    Skipped(String),
}

/// Progress events for the CLI to render.
#[derive(Clone, Debug)]
pub enum Event {
    Started {
        addr: String,
        action: Action,
        /// The id of the object changed (none for a create).
        id: Option<String>,
    },
    Finished {
        addr: String,
        action: Action,
        elapsed: Duration,
        outcome: Outcome,
        /// The object's `id` once created or updated.
        id: Option<String>,
        /// What the provider says the object turned out to be.
        summary: Option<String>,
    },
}

pub struct ApplyResult {
    pub state: State,
    pub outcomes: Vec<(String, Action, Outcome)>,
    pub diagnostics: Diagnostics,
}

struct Shared {
    roots: Mutex<HashMap<String, Value>>,
    /// Current values of every instance, by resource.
    instances: Mutex<BTreeMap<crate::addr::ResourceAddr, InstanceValues>>,
    /// Shared with the blocking tasks that encode recorded instances.
    state: Arc<Mutex<WorkingState>>,
    /// Held while the store is written, so a snapshot and the journal
    /// reset that follows it see no record appended in between. The
    /// writes themselves run on blocking threads: changes in flight go
    /// on meanwhile.
    io: tokio::sync::Mutex<()>,
    /// The next journal sequence number, and the intents whose call has
    /// not finished (kept in the journal across snapshots).
    journal_seq: std::sync::atomic::AtomicU64,
    pending: Mutex<BTreeMap<u64, strata_state::JournalRecord>>,
    /// When the state was last written, and how long that write took.
    last_write: Mutex<(Instant, Duration)>,
}

pub async fn apply(
    mut plan: Plan,
    stack: &Stack<'_>,
    store: Arc<dyn Store>,
    options: &ApplyOptions,
    on_event: &(dyn Fn(Event) + Sync),
) -> ApplyResult {
    let Stack {
        loaded: stack,
        evaluated,
        env,
        registry,
        on_wait,
        overrides,
    } = *stack;
    let mut diagnostics = Diagnostics::default();
    if let Err(why) = plan.check() {
        diagnostics.push(Diagnostic::global(
            strata_types::codes::INVALID_PLAN_FILE,
            "Invalid plan",
            format!("{why}; nothing was applied. Make a new plan."),
        ));
        return ApplyResult {
            state: plan.prior_state,
            outcomes: Vec::new(),
            diagnostics,
        };
    }
    let mut ctx = Context::new(stack, env, registry);
    ctx.overrides = overrides;
    ctx.on_wait = on_wait;
    let prior = decode_state(&plan.prior_state, registry, &mut diagnostics);
    // The value every expression sees for each instance: applied values
    // for what is done, planned values for what is pending.
    let mut instances: BTreeMap<crate::addr::ResourceAddr, InstanceValues> = BTreeMap::new();
    for (addr, p) in prior {
        instances
            .entry(addr.resource)
            .or_default()
            .insert(addr.key, p.value);
    }
    for d in &plan.data {
        instances
            .entry(d.addr.resource.clone())
            .or_default()
            .insert(d.addr.key.clone(), d.value.decode());
    }
    for c in &plan.changes {
        let entry = instances.entry(c.addr.resource.clone()).or_default();
        if matches!(c.action, Action::Delete | Action::Forget) {
            entry.remove(&c.addr.key);
        } else {
            entry.insert(c.addr.key.clone(), c.after.decode());
        }
    }
    let mut roots = evaluated.variables.clone();
    let none = InstanceValues::new();
    for r in &stack.config.resources {
        let addr = resource_addr(r);
        let values = instances.get(&addr).unwrap_or(&none);
        set_resource_root(&mut roots, &addr, crate::context::resource_value(r, values));
    }
    let shared = Shared {
        roots: Mutex::new(roots),
        instances: Mutex::new(instances),
        state: Arc::new(Mutex::new(WorkingState::new(std::mem::replace(
            &mut plan.prior_state,
            State::new(String::new()),
        )))),
        io: tokio::sync::Mutex::new(()),
        journal_seq: std::sync::atomic::AtomicU64::new(1),
        pending: Mutex::new(BTreeMap::new()),
        last_write: Mutex::new((Instant::now(), Duration::ZERO)),
    };
    // The root module's locals are re-evaluated after every change: their
    // order is worked out once.
    let root_locals = strata_lang::stack::locals_order(&stack.config);
    refresh_locals(stack, &root_locals, &shared, env);

    let n = plan.changes.len();
    let mut indegree = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &plan.graph {
        indegree[e.to] += 1;
        dependents[e.from].push(e.to);
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    for (i, c) in plan.changes.iter().enumerate() {
        if c.action == Action::NoOp {
            outcomes[i] = Some(Outcome::Done);
        }
    }
    let mut ready: Vec<usize> = (0..n)
        .filter(|&i| indegree[i] == 0 && outcomes[i].is_none())
        .collect();
    // NoOp nodes release their dependents at once.
    let mut released: Vec<usize> = (0..n).filter(|&i| outcomes[i].is_some()).collect();
    while let Some(i) = released.pop() {
        for &d in &dependents[i] {
            indegree[d] -= 1;
            if indegree[d] == 0 && outcomes[d].is_none() {
                ready.push(d);
            }
        }
    }
    ready.reverse();
    let provider_limits: HashMap<String, Arc<Semaphore>> = registry
        .names()
        .filter_map(|name| {
            registry.get(name).map(|p| {
                (
                    p.name().to_string(),
                    Arc::new(Semaphore::new(
                        p.concurrency_limit().min(Semaphore::MAX_PERMITS),
                    )),
                )
            })
        })
        .collect();
    let parallelism = options.parallelism.max(1);
    let mut running = FuturesUnordered::new();
    let mut writing = None;
    let mut encoding = None;
    let mut failures: Vec<Diagnostic> = Vec::new();
    loop {
        while running.len() < parallelism && !options.cancel.load(Ordering::SeqCst) {
            let Some(i) = ready.pop() else { break };
            let change = &plan.changes[i];
            tracing::debug!(address = %change.addr, action = ?change.action, "starting");
            on_event(Event::Started {
                addr: change.addr.to_string(),
                action: change.action,
                id: object_id(change.before.value()),
            });
            let shared = &shared;
            let ctx = &ctx;
            let limits = &provider_limits;
            let store = store.clone();
            let plan = &plan;
            running.push(async move {
                let started = Instant::now();
                let result = run_change(ctx, plan, i, shared, limits, store).await;
                (i, started.elapsed(), result)
            });
        }
        // A snapshot being written does not hold up the changes in flight.
        let next = match writing.as_mut() {
            Some(w) => match futures_util::future::select(running.next(), w).await {
                futures_util::future::Either::Left((next, _)) => next,
                futures_util::future::Either::Right((written, _)) => {
                    diagnostics.extend(Diagnostics(written));
                    writing = None;
                    continue;
                }
            },
            None => running.next().await,
        };
        let Some((i, elapsed, result)) = next else {
            break;
        };
        let change = &plan.changes[i];
        let mut summary = None;
        let outcome = match result {
            Ok(s) => {
                summary = s;
                Outcome::Done
            }
            Err(d) => {
                let text = format!("{}: {}", d.summary, d.detail);
                failures.push(d);
                Outcome::Failed(text)
            }
        };
        let id = (outcome == Outcome::Done
            && !matches!(change.action, Action::Delete | Action::Forget))
        .then(|| {
            let instances = shared.instances.lock().expect("instances");
            let value = instances
                .get(&change.addr.resource)?
                .get(&change.addr.key)?;
            object_id(value)
        })
        .flatten();
        on_event(Event::Finished {
            addr: change.addr.to_string(),
            action: change.action,
            elapsed,
            outcome: outcome.clone(),
            id,
            summary,
        });
        let ok = outcome == Outcome::Done;
        outcomes[i] = Some(outcome);
        if ok {
            refresh_locals(stack, &root_locals, &shared, env);
            for &d in &dependents[i] {
                indegree[d] -= 1;
                if indegree[d] == 0 && outcomes[d].is_none() {
                    ready.push(d);
                }
            }
        } else {
            // Skip everything downstream of the failure.
            let mut stack_of = vec![i];
            while let Some(x) = stack_of.pop() {
                for &d in &dependents[x] {
                    if outcomes[d].is_none() {
                        outcomes[d] = Some(Outcome::Skipped(format!(
                            "depends on {}, which failed",
                            change.addr
                        )));
                        stack_of.push(d);
                    }
                }
            }
        }
        // Snapshots of a large state are costly: space them so writing
        // takes at most a fifth of the time.
        let due = shared
            .last_write
            .lock()
            .map(|t| t.0.elapsed() >= options.persist_interval.max(t.1 * 4))
            .unwrap_or(true);
        if due && writing.is_none() {
            writing = Some(Box::pin(persist(store.clone(), &shared)));
        }
        encode_in_background(&shared, &mut encoding);
    }
    if let Some(e) = encoding.take() {
        let _ = e.await;
    }
    if let Some(w) = writing.take() {
        diagnostics.extend(Diagnostics(w.await));
    }
    drop((running, writing));
    for o in outcomes.iter_mut() {
        if o.is_none() {
            *o = Some(Outcome::Skipped(
                "the apply was interrupted before it started".into(),
            ));
        }
    }
    diagnostics.extend(Diagnostics(failures));
    // Outputs from the final values.
    let complete = outcomes.iter().all(|o| *o == Some(Outcome::Done));
    {
        // Root-only stacks read the shared roots in place (a copy would
        // copy every resource's value).
        let scoped;
        let guard;
        let roots: &HashMap<String, Value> = if ctx.stack.children.is_empty() {
            guard = shared.roots.lock().expect("roots");
            &guard
        } else {
            scoped = scope_at(&ctx, &shared, &[])
                .unwrap_or_else(|_| shared.roots.lock().expect("roots").clone());
            &scoped
        };
        let mut st = shared.state.lock().expect("state");
        for o in &stack.config.outputs {
            let Some(expr) = &o.value else { continue };
            if plan.destroy {
                st.base.outputs.remove(&o.name);
                continue;
            }
            match evaluate(
                expr,
                &EvalContext {
                    variables: roots,
                    overlay: None,
                    env,
                },
            ) {
                // Terraform keeps no null outputs in state.
                Ok(v) if v.is_null() => {
                    st.base.outputs.remove(&o.name);
                }
                Ok(v) if v.is_wholly_known() => {
                    let v = v.unmark_deep().0;
                    st.base.outputs.insert(
                        o.name.clone(),
                        OutputState {
                            value: value_to_json(&v),
                            ty: type_to_json(&v.ty()),
                            sensitive: o.sensitive,
                        },
                    );
                }
                Ok(_) => {}
                Err(d) if complete => diagnostics.push(d),
                Err(_) => {}
            }
        }
        let names: Vec<String> = st.base.outputs.keys().cloned().collect();
        for name in names {
            if !stack.config.outputs.iter().any(|o| o.name == name) {
                st.base.outputs.remove(&name);
            }
        }
    }
    let outcomes = plan
        .changes
        .iter()
        .zip(outcomes)
        .map(|(c, o)| (c.addr.to_string(), c.action, o.unwrap_or(Outcome::Done)))
        .collect();
    // The values every expression saw, and the plan's, are freed before
    // the state is assembled: that is when an apply holds the most, and
    // the memory is wanted for the state's stored form.
    let roots = std::mem::take(&mut *shared.roots.lock().expect("roots"));
    let instances = std::mem::take(&mut *shared.instances.lock().expect("instances"));
    drop((roots, instances, plan));
    let (state, written) = persist_final(store, &shared).await;
    diagnostics.extend(Diagnostics(written));
    ApplyResult {
        state,
        outcomes,
        diagnostics,
    }
}

/// Instances recorded since the last batch are encoded in the state's
/// stored form on a blocking thread, a batch at a time, while changes go
/// on: the state's last write has little left to encode.
fn encode_in_background(shared: &Shared, encoding: &mut Option<tokio::task::JoinHandle<()>>) {
    const BATCH: usize = 2_000;
    if encoding.as_ref().is_some_and(|e| !e.is_finished()) {
        return;
    }
    let batch = {
        let mut state = shared.state.lock().expect("state");
        if state.recorded_since() < BATCH {
            return;
        }
        state.take_recorded()
    };
    let state = shared.state.clone();
    *encoding = Some(tokio::task::spawn_blocking(move || {
        let encoded = batch.encode();
        state.lock().expect("state").put_encoded(encoded);
    }));
}

/// Writes a snapshot of the state as it is now, and keeps in the journal
/// only the intents still in flight.
async fn persist(store: Arc<dyn Store>, shared: &Shared) -> Vec<Diagnostic> {
    let _io = shared.io.lock().await;
    let started = Instant::now();
    let snapshot = {
        let mut st = shared.state.lock().expect("state");
        st.base.serial += 1;
        st.snapshot()
    };
    let pending = shared.pending_records();
    let written =
        tokio::task::spawn_blocking(move || write_snapshot(&*store, &snapshot, &pending)).await;
    if let Ok(mut t) = shared.last_write.lock() {
        *t = (Instant::now(), started.elapsed());
    }
    persist_diagnostics(written.map_err(|e| e.to_string()).and_then(|r| r))
}

/// The last snapshot of an apply: the state is moved out, not copied.
async fn persist_final(store: Arc<dyn Store>, shared: &Shared) -> (State, Vec<Diagnostic>) {
    let _io = shared.io.lock().await;
    let working = {
        let mut st = shared.state.lock().expect("state");
        st.base.serial += 1;
        std::mem::replace(&mut *st, WorkingState::new(State::new(String::new())))
    };
    let pending = shared.pending_records();
    let written = tokio::task::spawn_blocking(move || {
        let state = tracing::info_span!("encode_state").in_scope(|| working.into_state());
        let result = write_snapshot(&*store, &state, &pending);
        (state, result)
    })
    .await;
    match written {
        Ok((state, result)) => (state, persist_diagnostics(result)),
        Err(e) => (
            State::new(String::new()),
            persist_diagnostics(Err(e.to_string())),
        ),
    }
}

fn write_snapshot(
    store: &dyn Store,
    snapshot: &State,
    pending: &[strata_state::JournalRecord],
) -> Result<(), String> {
    let _span = tracing::info_span!("write_state").entered();
    store.write(snapshot).map_err(|e| e.to_string())?;
    // The snapshot holds every finished call: only intents still in
    // flight need to stay in the journal.
    store.reset_journal(pending).map_err(|e| e.to_string())
}

fn persist_diagnostics(result: Result<(), String>) -> Vec<Diagnostic> {
    match result {
        Ok(()) => Vec::new(),
        Err(e) => vec![Diagnostic::global(
            strata_types::codes::PERSIST_STATE_FAILED,
            "Failed to persist state",
            e,
        )],
    }
}

/// An object's `id`, when it has a known one.
fn object_id(value: &Value) -> Option<String> {
    match &value.kind {
        Kind::Object(m) => m.get("id")?.as_str().map(str::to_string),
        _ => None,
    }
}

/// The first attribute known in `reviewed` whose value `now` differs.
fn first_divergence(reviewed: &Value, now: &Value, path: String) -> Option<String> {
    if reviewed.is_unknown() {
        return None;
    }
    match (&reviewed.kind, &now.kind) {
        (Kind::Object(a), Kind::Object(b)) => a.iter().find_map(|(k, v)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            match b.get(k) {
                Some(w) => first_divergence(v, w, p),
                None => Some(p),
            }
        }),
        _ if !reviewed.is_wholly_known() => None,
        _ if reviewed.unmark_deep().0 == now.unmark_deep().0 => None,
        _ => Some(if path.is_empty() {
            "the object".into()
        } else {
            path
        }),
    }
}

/// Re-evaluates locals that depend on resources, from their current values.
fn refresh_locals(stack: &LoadedStack, order: &LocalsOrder, shared: &Shared, env: &FunctionEnv) {
    if stack.config.locals.is_empty() {
        return;
    }
    let mut roots = shared.roots.lock().expect("roots");
    crate::eval_body::settle_locals(&stack.config, order, &mut roots, env);
}

async fn run_change(
    ctx: &Context<'_>,
    plan: &Plan,
    i: usize,
    shared: &Shared,
    limits: &HashMap<String, Arc<Semaphore>>,
    store: Arc<dyn Store>,
) -> Result<Option<String>, Diagnostic> {
    let store = &store;
    let change = &plan.changes[i];
    let addr = &change.addr;
    // A provider's error may quote what it was given: sensitive strings
    // of this change are masked in it (found only when there is an error).
    let fail = |summary: &str, detail: String| {
        let mut secrets = Vec::new();
        sensitive_strings(change.before.value(), false, &mut secrets);
        sensitive_strings(change.after.value(), false, &mut secrets);
        let detail = mask_secrets(detail, &secrets);
        Diagnostic::global(
            strata_types::codes::APPLY_INSTANCE_FAILED,
            summary,
            format!("{addr}: {detail}"),
        )
    };
    let (_, schema) = provider_for(
        ctx.registry,
        addr.resource.mode,
        &addr.resource.type_name,
        Span::default(),
    )?;
    // The configuration the plan recorded (an alias has its own instance).
    let provider = match ctx.overrides.and_then(|o| o.provider(&addr.resource)) {
        Some(stand_in) => stand_in,
        None => crate::context::provider_instance(ctx.registry, &change.provider, Span::default())?,
    };
    let permit = match limits.get(provider.name()) {
        Some(s) => Some(
            s.clone()
                .acquire_owned()
                .await
                .map_err(|e| fail("Internal error", e.to_string()))?,
        ),
        None => None,
    };
    let before = change.before.decode();
    // The provider's private data for the object as it was (a create has
    // no object before it).
    let before_private = if change.action == Action::Create {
        Vec::new()
    } else {
        strata_state::decode_private(shared.state.lock().expect("state").private(addr).as_deref())
    };
    let type_name = addr.resource.type_name.as_str();
    if change.action == Action::Forget {
        shared.state.lock().expect("state").forget(addr);
        return Ok(None);
    }
    // `replacement`: the object that replaced this one at its address
    // (create_before_destroy), which stays in the state when the old one
    // goes; without one, the address leaves the state.
    let delete = |prior: Value, replacement: Option<InstanceState>| {
        let provider = provider.clone();
        let schema = schema.clone();
        let before_private = &before_private;
        async move {
            let seq = journal_intent(
                store,
                shared,
                addr,
                provider.as_ref(),
                &change.provider,
                if replacement.is_some() {
                    "delete_deposed"
                } else {
                    "delete"
                },
                None,
                || encode_attributes(&schema, &prior),
                schema.version,
            )
            .await?;
            let (plain, null) = (prior.unmark_deep().0, Value::null(schema.object_type()));
            let destroying = provider.apply_private(
                ApplyRequest {
                    type_name,
                    prior: &plain,
                    planned: &null,
                    config: &null,
                },
                before_private,
            );
            let what = || format!("{addr}: Still destroying...");
            crate::context::waits::reporting(destroying, what, ctx.on_wait)
                .await
                .map_err(|e| fail("Failed to destroy", e.to_string()))?;
            if replacement.is_none() {
                shared.state.lock().expect("state").forget(addr);
            }
            journal_done(store, shared, seq, replacement).await
        }
    };
    if change.action == Action::Delete {
        delete(before, None).await?;
        shared.state.lock().expect("state").forget(addr);
        if let Some(m) = shared
            .instances
            .lock()
            .expect("instances")
            .get_mut(&addr.resource)
        {
            m.remove(&addr.key);
        }
        return Ok(None);
    }
    // Evaluate the configuration now that what it depends on is applied.
    let r = ctx.resource(&addr.resource).ok_or_else(|| {
        fail(
            "Configuration changed",
            "the resource is no longer in the configuration".into(),
        )
    })?;
    let config = {
        // Stacks with child modules build the instance's module scope from
        // current values; root-only stacks use the shared roots as they are.
        let scoped;
        let guard;
        let roots: &HashMap<String, Value> = if ctx.stack.children.is_empty() {
            guard = shared.roots.lock().expect("roots");
            &guard
        } else {
            scoped = scope_at(ctx, shared, &addr.resource.module)?;
            &scoped
        };
        let each_value = each_value_of(ctx, &r.body, &addr.key, roots);
        let scope = BodyScope::for_instance(&addr.key, each_value.as_ref());
        body_to_config(ctx, &r.body, &schema, roots, &scope).map_err(|ds| {
            let d =
                ds.0.into_iter()
                    .next()
                    .unwrap_or_else(|| fail("Invalid configuration", String::new()));
            Diagnostic {
                detail: format!("{addr}: {}", d.detail),
                ..d
            }
        })?
    };
    // Providers see the sensitive marks, so a value they copy (such as
    // terraform_data's output) stays sensitive.
    let config_plain = config.clone();
    if addr.resource.mode == Mode::Data {
        let v = provider
            .read_data_source(type_name, &config_plain)
            .await
            .map_err(|e| fail("Failed to read data source", e.to_string()))?;
        store_value(
            shared,
            addr,
            (mark_schema_sensitive(&schema, v), None),
            ctx,
            change,
            false,
        );
        return Ok(None);
    }
    let cbd = change.action == Action::CreateThenDelete;
    let prior = if change.action.is_replace() {
        Value::null(schema.object_type())
    } else {
        before.clone()
    };
    if change.action == Action::DeleteThenCreate {
        delete(before.clone(), None).await?;
        shared.state.lock().expect("state").forget(addr);
    }
    let prior_plain = prior.clone();
    let proposed = if prior.is_null() {
        config_plain.clone()
    } else {
        proposed_new(&schema, &prior_plain, &config_plain)
    };
    let prior_private: &[u8] = if prior_plain.is_null() {
        &[]
    } else {
        &before_private
    };
    let (planned, planned_private) = provider
        .plan_private(
            PlanRequest {
                type_name,
                prior: &prior_plain,
                proposed: &proposed,
                config: &config_plain,
            },
            prior_private,
        )
        .await
        .map_err(|e| fail("Provider failed to plan", e.to_string()))?;
    let planned = planned.planned;
    // What was known when the plan was reviewed must not have changed.
    // The planned value as reviewed (still this instance's value among
    // the instances: it is replaced only when the change is stored).
    let reviewed = shared
        .instances
        .lock()
        .expect("instances")
        .get(&addr.resource)
        .and_then(|m| m.get(&addr.key).cloned())
        .unwrap_or_else(|| change.after.decode());
    if let Some(path) = first_divergence(&reviewed, &planned, String::new()) {
        return Err(fail(
            "Provider produced inconsistent final plan",
            format!("{path} was planned as one value and is now another; this is a bug in Strata or the provider — make a new plan"),
        ));
    }
    let token = match provider.recovery_key(type_name, &planned) {
        strata_provider::RecoveryKey::Token(t) => Some(t),
        strata_provider::RecoveryKey::None => None,
    };
    let action = if prior_plain.is_null() {
        "create"
    } else {
        "update"
    };
    let seq = journal_intent(
        store,
        shared,
        addr,
        provider.as_ref(),
        &change.provider,
        action,
        token,
        || encode_attributes(&schema, &planned),
        schema.version,
    )
    .await?;
    let applying = provider.apply_private(
        ApplyRequest {
            type_name,
            prior: &prior_plain,
            planned: &planned,
            config: &config_plain,
        },
        &planned_private,
    );
    let verb = if prior_plain.is_null() {
        "creating"
    } else {
        "modifying"
    };
    let what = || format!("{addr}: Still {verb}...");
    let (new_state, new_private) = crate::context::waits::reporting(applying, what, ctx.on_wait)
        .await
        .map_err(|e| fail("Failed to apply", e.to_string()))?;
    if !new_state.is_wholly_known() {
        return Err(fail(
            "Provider produced an invalid result",
            "the applied state still has unknown values".into(),
        ));
    }
    // Sensitive parts: those the configuration marks, those the schema
    // declares, and those the plan carried (a computed copy of a
    // sensitive input, such as terraform_data's output).
    let planned_marks = crate::schema_json::sensitive_paths(&reviewed);
    let marked = crate::schema_json::apply_sensitive_paths(
        mark_schema_sensitive(
            &schema,
            crate::schema_json::copy_config_marks(new_state, &config),
        ),
        &planned_marks,
    );
    let summary = provider.describe_applied(type_name, &marked);
    let checked =
        crate::eval_body::has_conditions(&r.body, "postcondition").then(|| marked.clone());
    // The recorded instance is copied only for what needs it: the journal
    // of a call that changed the world, the object a replacement deletes.
    let private = strata_state::encode_private(&new_private);
    let recorded = store_value(
        shared,
        addr,
        (marked, private),
        ctx,
        change,
        seq.is_some() || cbd,
    );
    if cbd {
        journal_done(store, shared, seq, recorded.clone()).await?;
        // The replaced object goes; its replacement keeps the address.
        delete(before, recorded).await?;
    } else {
        journal_done(store, shared, seq, recorded).await?;
    }
    drop(permit);
    // Postconditions see the object as it now is; a failure stops what
    // depends on it (the object itself is recorded).
    if let Some(marked) = checked {
        let scoped;
        let guard;
        let roots: &HashMap<String, Value> = if ctx.stack.children.is_empty() {
            guard = shared.roots.lock().expect("roots");
            &guard
        } else {
            scoped = scope_at(ctx, shared, &addr.resource.module)?;
            &scoped
        };
        let scope = BodyScope::for_instance(&addr.key, None);
        if let Some(d) = crate::eval_body::conditions_outcome(
            &r.body,
            "postcondition",
            roots,
            &scope,
            Some(&marked),
            ctx.env,
            addr,
        )
        .errors
        .into_iter()
        .next()
        {
            return Err(d);
        }
    }
    Ok(summary)
}

/// Records an instance's new value (and the provider's private data for
/// it) in the working state and the values expressions read.
fn store_value(
    shared: &Shared,
    addr: &InstanceAddr,
    (value, private): (Value, Option<String>),
    ctx: &Context<'_>,
    change: &crate::plan::ResourceChange,
    copy: bool,
) -> Option<InstanceState> {
    let recorded = {
        let mut state = shared.state.lock().expect("state");
        let recorded = state.record(
            addr,
            value.clone(),
            crate::context::Recording {
                dependencies: &change.dependencies,
                create_before_destroy: change.create_before_destroy,
                provider: &change.provider,
                private,
            },
            ctx.registry,
        );
        if recorded && copy {
            state.instance(addr).cloned()
        } else {
            None
        }
    };
    let mut instances = shared.instances.lock().expect("instances");
    let values = instances.entry(addr.resource.clone()).or_default();
    let known = values.insert(addr.key.clone(), value.clone()).is_some();
    // The shared roots are the root module's; module scopes are built
    // from the instance store when needed.
    if addr.resource.module.is_empty() {
        if let Some(r) = ctx.resource(&addr.resource) {
            let mut roots = shared.roots.lock().expect("roots");
            // An instance that had a place keeps it: only its element is
            // replaced, so a resource of n instances costs n, not n²/2.
            let in_place = known
                && crate::context::resource_root_mut(&mut roots, &addr.resource)
                    .is_some_and(|root| replace_instance(root, r, values, &addr.key, value));
            if !in_place {
                let v = crate::context::resource_value(r, values);
                set_resource_root(&mut roots, &addr.resource, v);
            }
        }
    }
    recorded
}

/// Puts an instance's new value into its resource's value in place, when
/// that value has the shape its instances give it (see
/// [`crate::context::expansion_value`]); false when it must be rebuilt.
fn replace_instance(
    root: &mut Value,
    r: &strata_lang::config::Resource,
    instances: &InstanceValues,
    key: &InstanceKey,
    value: Value,
) -> bool {
    match (&mut root.kind, key) {
        (Kind::Tuple(elements), InstanceKey::Int(i)) if r.body.attribute("count").is_some() => {
            // The tuple holds the instances in key order: instance i is
            // element i when the keys are exactly 0..n.
            let n = instances.len();
            let dense = elements.len() == n
                && instances.keys().next() == Some(&InstanceKey::Int(0))
                && instances.keys().next_back() == Some(&InstanceKey::Int(n as i64 - 1));
            match usize::try_from(*i).ok().filter(|&i| dense && i < n) {
                Some(i) => {
                    elements[i] = value;
                    true
                }
                None => false,
            }
        }
        (Kind::Object(m), InstanceKey::Str(k)) if r.body.attribute("for_each").is_some() => {
            m.len() == instances.len() && m.insert(k.clone(), value).is_some()
        }
        (_, InstanceKey::None)
            if r.body.attribute("count").is_none() && r.body.attribute("for_each").is_none() =>
        {
            *root = value;
            true
        }
        _ => false,
    }
}

/// `message` with every sensitive string masked, and every word that
/// quotes part of one (a provider naming the directory of a sensitive
/// path, say).
fn mask_secrets(message: String, secrets: &[String]) -> String {
    const MASK: &str = "(sensitive value)";
    if secrets.is_empty() {
        return message;
    }
    let whole = secrets
        .iter()
        .fold(message, |m, secret| m.replace(secret.as_str(), MASK));
    whole
        .split_inclusive(char::is_whitespace)
        .map(|word| {
            let core = word.trim_matches(|c: char| {
                c.is_whitespace() || matches!(c, ':' | ',' | ';' | '"' | '\'' | '(' | ')' | '.')
            });
            if core.chars().count() >= 6 && secrets.iter().any(|s| s.contains(core)) {
                word.replacen(core, MASK, 1)
            } else {
                word.to_string()
            }
        })
        .collect()
}

/// The strings inside `v` that are marked sensitive (or lie under a
/// sensitive value), longest first; very short ones are left out, as
/// masking them would garble the message they appear in.
fn sensitive_strings(v: &Value, under_sensitive: bool, out: &mut Vec<String>) {
    let sensitive = under_sensitive || v.sensitive;
    match &v.kind {
        Kind::String(s) if sensitive && s.chars().count() >= 4 => out.push(s.clone()),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            for item in items {
                sensitive_strings(item, sensitive, out);
            }
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            for item in m.values() {
                sensitive_strings(item, sensitive, out);
            }
        }
        _ => {}
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
}

/// `each.value` of a `for_each` instance at apply time: the element of
/// the block's `for_each` collection under the instance's key.
fn each_value_of(
    ctx: &Context<'_>,
    body: &strata_lang::ast::Body,
    key: &InstanceKey,
    roots: &HashMap<String, Value>,
) -> Option<Value> {
    let InstanceKey::Str(k) = key else {
        return None;
    };
    let a = body.attribute("for_each")?;
    let v = evaluate(
        &a.expr,
        &EvalContext {
            variables: roots,
            overlay: None,
            env: ctx.env,
        },
    )
    .ok()?;
    match &v.kind {
        Kind::Map(_, m) | Kind::Object(m) => m.get(k).cloned(),
        _ => Some(Value::string(k.clone())),
    }
}

/// The names an expression in module instance `path` sees during apply,
/// built from the current instance values: the module's variables from its
/// call, its resources, its locals, and its child modules' outputs.
fn scope_at(
    ctx: &Context<'_>,
    shared: &Shared,
    path: &[crate::addr::ModuleStep],
) -> Result<HashMap<String, Value>, Diagnostic> {
    let mut roots = shared.roots.lock().expect("roots").clone();
    let mut module = ctx.module_config(&[]).ok_or_else(|| {
        Diagnostic::global(
            strata_types::codes::CONFIGURATION_CHANGED_DURING_APPLY,
            "Configuration changed",
            "the root module is missing",
        )
    })?;
    fill_module_outputs(ctx, shared, &mut roots, module, &[])?;
    for depth in 0..path.len() {
        let (child_roots, child) =
            instance_scope(ctx, shared, &roots, module, &path[..depth], &path[depth])?;
        roots = child_roots;
        module = child;
    }
    Ok(roots)
}

/// Builds the scope of one child module instance from its parent's scope.
fn instance_scope<'a>(
    ctx: &Context<'a>,
    shared: &Shared,
    parent_roots: &HashMap<String, Value>,
    parent: ModuleRef<'a>,
    parent_path: &[crate::addr::ModuleStep],
    step: &crate::addr::ModuleStep,
) -> Result<(HashMap<String, Value>, ModuleRef<'a>), Diagnostic> {
    let missing = || {
        Diagnostic::global(
            strata_types::codes::CONFIGURATION_CHANGED_DURING_APPLY,
            "Configuration changed",
            format!("module \"{}\" is no longer in the configuration", step.name),
        )
    };
    let call = parent
        .config
        .modules
        .iter()
        .find(|m| m.name == step.name)
        .ok_or_else(missing)?;
    let child = parent.children.get(&step.name).ok_or_else(missing)?;
    let child_ref = ModuleRef {
        config: &child.config,
        children: &child.children,
    };
    let each_value = each_value_of(ctx, &call.body, &step.key, parent_roots);
    let scope = BodyScope::for_instance(&step.key, each_value.as_ref());
    let mut diagnostics = Diagnostics::default();
    let vars = crate::eval_body::module_variables(
        call,
        child_ref,
        parent_roots,
        &scope,
        ctx.env,
        &mut diagnostics,
    )
    .ok_or_else(|| diagnostics.0.into_iter().next().unwrap_or_else(missing))?;
    let mut roots = HashMap::new();
    roots.insert("var".to_string(), Value::object(vars));
    let relative = child
        .dir
        .strip_prefix(ctx.stack.dir.as_path())
        .unwrap_or(&child.dir);
    let mut path_obj = match parent_roots.get("path") {
        Some(Value {
            kind: Kind::Object(m),
            ..
        }) => m.clone(),
        _ => Default::default(),
    };
    path_obj.insert(
        "module".into(),
        Value::string(crate::context::clean_relative(relative)),
    );
    roots.insert("path".to_string(), Value::object(path_obj));
    if let Some(t) = parent_roots.get("terraform") {
        roots.insert("terraform".to_string(), t.clone());
    }
    let mut child_path = parent_path.to_vec();
    child_path.push(step.clone());
    {
        let instances = shared.instances.lock().expect("instances");
        for r in &child.config.resources {
            let addr = resource_addr(r).in_module(&child_path);
            let values = instances.get(&addr).cloned().unwrap_or_default();
            set_resource_root(
                &mut roots,
                &addr,
                crate::context::resource_value(r, &values),
            );
        }
    }
    fill_module_outputs(ctx, shared, &mut roots, child_ref, &child_path)?;
    crate::eval_body::evaluate_locals_into(&child.config, &mut roots, ctx.env);
    Ok((roots, child_ref))
}

/// Sets `module.NAME` in `roots` to the outputs of each call's instances.
fn fill_module_outputs(
    ctx: &Context<'_>,
    shared: &Shared,
    roots: &mut HashMap<String, Value>,
    module: ModuleRef<'_>,
    path: &[crate::addr::ModuleStep],
) -> Result<(), Diagnostic> {
    if module.config.modules.is_empty() {
        return Ok(());
    }
    crate::eval_body::evaluate_locals_into(module.config, roots, ctx.env);
    let mut calls = BTreeMap::new();
    for call in &module.config.modules {
        let counted = call.body.attribute("count").is_some();
        let repeated = counted || call.body.attribute("for_each").is_some();
        let keys: Vec<InstanceKey> = if repeated {
            let env = ctx.env;
            match &call
                .body
                .attribute(if counted { "count" } else { "for_each" })
            {
                Some(a) => match evaluate(
                    &a.expr,
                    &EvalContext {
                        variables: roots,
                        overlay: None,
                        env,
                    },
                ) {
                    Ok(v) if counted => (0..v.as_number().and_then(|n| n.to_i64()).unwrap_or(0))
                        .map(InstanceKey::Int)
                        .collect(),
                    Ok(v) => match &v.kind {
                        Kind::Map(_, m) | Kind::Object(m) => {
                            m.keys().map(|k| InstanceKey::Str(k.clone())).collect()
                        }
                        Kind::Set(_, items) => items
                            .iter()
                            .filter_map(|i| i.as_str().map(|s| InstanceKey::Str(s.to_string())))
                            .collect(),
                        _ => vec![],
                    },
                    Err(_) => vec![],
                },
                None => vec![],
            }
        } else {
            vec![InstanceKey::None]
        };
        let mut by_key = BTreeMap::new();
        let given = ctx
            .overrides
            .and_then(|o| o.module_outputs(path, &call.name));
        for key in keys {
            if let Some(given) = given {
                by_key.insert(key, given.clone());
                continue;
            }
            let step = crate::addr::ModuleStep {
                name: call.name.clone(),
                key: key.clone(),
            };
            let (child_roots, child) = instance_scope(ctx, shared, roots, module, path, &step)?;
            let mut outputs = BTreeMap::new();
            for o in &child.config.outputs {
                if let Some(expr) = &o.value {
                    if let Ok(v) = evaluate(
                        expr,
                        &EvalContext {
                            variables: &child_roots,
                            overlay: None,
                            env: ctx.env,
                        },
                    ) {
                        outputs.insert(o.name.clone(), v.mark_sensitive(o.sensitive));
                    }
                }
            }
            by_key.insert(key, Value::object(outputs));
        }
        let value = expansion_value(&call.body, by_key, Value::empty_object);
        calls.insert(call.name.clone(), value);
    }
    roots.insert("module".into(), Value::object(calls));
    // Locals that read module outputs are evaluated again over the
    // outputs just made (the first pass gave the calls' arguments theirs).
    let reads_modules = |e: &strata_lang::ast::Expr| {
        let mut found = false;
        e.walk(&mut |x| {
            found |= matches!(&x.kind, strata_lang::ast::ExprKind::Variable(v) if v == "module")
        });
        found
    };
    if module.config.locals.iter().any(|l| reads_modules(&l.expr)) {
        crate::eval_body::evaluate_locals_into(module.config, roots, ctx.env);
    }
    Ok(())
}

/// Records an intent durably before a call that changes the world;
/// returns its sequence number for [`journal_done`]. Calls of providers
/// that change nothing outside the state are not journaled (`None`).
#[allow(clippy::too_many_arguments)]
async fn journal_intent(
    store: &Arc<dyn Store>,
    shared: &Shared,
    addr: &InstanceAddr,
    provider: &dyn strata_provider::Provider,
    provider_addr: &str,
    action: &str,
    token: Option<String>,
    planned: impl FnOnce() -> serde_json::Value,
    schema_version: u64,
) -> Result<Option<u64>, Diagnostic> {
    if !provider.changes_world() {
        return Ok(None);
    }
    let planned = planned();
    let seq = shared.journal_seq.fetch_add(1, Ordering::SeqCst);
    let record = strata_state::JournalRecord::Intent {
        seq,
        module: crate::addr::module_path_text(&addr.resource.module),
        mode: addr.resource.mode.as_str().to_string(),
        type_name: addr.resource.type_name.clone(),
        name: addr.resource.name.clone(),
        index_key: addr.key.to_json(),
        provider: provider_addr.to_string(),
        action: action.to_string(),
        token,
        planned,
        schema_version,
    };
    let _io = shared.io.lock().await;
    append_record(store, record.clone(), true)
        .await
        .map_err(|e| {
            Diagnostic::global(
                strata_types::codes::JOURNAL_WRITE_FAILED,
                "Cannot record the intent",
                format!("{addr}: {e}; nothing was changed"),
            )
        })?;
    shared.pending.lock().expect("pending").insert(seq, record);
    Ok(Some(seq))
}

/// Appends a journal record on a blocking thread.
async fn append_record(
    store: &Arc<dyn Store>,
    record: strata_state::JournalRecord,
    durable: bool,
) -> Result<(), strata_state::StateError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || store.append_journal(&record, durable))
        .await
        .map_err(|e| strata_state::StateError::Io(std::io::Error::other(e.to_string())))
        .and_then(|r| r)
}

/// Records the result of a journaled call.
async fn journal_done(
    store: &Arc<dyn Store>,
    shared: &Shared,
    seq: Option<u64>,
    instance: Option<InstanceState>,
) -> Result<(), Diagnostic> {
    let Some(seq) = seq else { return Ok(()) };
    let _io = shared.io.lock().await;
    shared.pending.lock().expect("pending").remove(&seq);
    let record = strata_state::JournalRecord::Done { seq, instance };
    append_record(store, record, false).await.map_err(|e| {
        Diagnostic::global(
            strata_types::codes::JOURNAL_WRITE_FAILED,
            "Cannot record a result",
            e.to_string(),
        )
    })
}
