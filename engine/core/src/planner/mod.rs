//! Planning: refresh the prior state through the providers, evaluate the
//! configuration in dependency order (locals, resources expanded by
//! `count`/`for_each`, outputs), ask each provider to plan each instance,
//! decide the action and its reason, and build the execution graph that
//! apply will run.
//!
//! The configuration graph is built by named passes over the references
//! of every expression; a cycle is reported with the whole cycle.
//!
//! Submodules hold the steps (`prior`: the state decoded, moved, imported
//! and refreshed; `refs`: references and evaluation order; `expand`:
//! count/for_each and expansion values; `decide`: actions and lifecycle;
//! `graph`: the execution graph and targeting; `outputs`: outputs and
//! check blocks; `calls`: module calls, their early outputs and their
//! variables' validation). This file keeps `plan` and the `Planner` walk over a
//! module's graph, whose node handling (`plan_module`, about 430 lines)
//! shares the planner's maps arm by arm; it is the next to split.

use crate::addr::{InstanceAddr, InstanceKey, Mode, ModulePath, ModuleStep, ResourceAddr};
use crate::context::*;
use crate::eval_body::{body_to_config, module_variables, provider_diagnostic, BodyScope};
use crate::plan::{Action, Edge, EncodedValue, OutputChange, Plan, ResourceChange};
use crate::schema_json::{apply_sensitive_paths, copy_config_marks, mark_schema_sensitive};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use strata_lang::ast::{Expr, ExprKind, TraversalStep};
use strata_lang::config::Config;
use strata_lang::config::LoadedStack;
use strata_lang::eval::{evaluate, EvalContext};
use strata_lang::functions::FunctionEnv;
use strata_lang::stack::EvaluatedStack;
use strata_provider::{PlanRequest, Provider, Registry, Schema};
use strata_state::State;
use strata_types::{Diagnostic, Diagnostics, Kind, Span, Type, Value};
use tracing::Instrument;

mod calls;
mod decide;
mod expand;
mod graph;
mod outputs;
mod prior;
mod refs;

use decide::*;
pub use expand::MAX_COUNT;
pub(crate) use expand::*;
pub(crate) use graph::*;
use outputs::*;
use prior::*;
pub(crate) use refs::*;

#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub destroy: bool,
    pub refresh: bool,
    pub refresh_only: bool,
    /// Instances to replace even when nothing changed (`--replace`).
    pub replace: Vec<InstanceAddr>,
    /// Restrict planning to these resources or instances and what they
    /// depend on (`--target`).
    pub targets: Vec<InstanceAddr>,
    /// Leave these out (`--exclude`).
    pub excludes: Vec<InstanceAddr>,
    /// Return the root module's names and values as planned
    /// ([`PlanResult::scope`]), for test assertions.
    pub keep_scope: bool,
}

pub struct PlanResult {
    pub plan: Option<Plan>,
    pub diagnostics: Diagnostics,
    /// With [`PlanOptions::keep_scope`]: what expressions in the root
    /// module see after planning (`var`, `local`, resources, `data`,
    /// `module`, …), planned values unknown where apply decides them.
    pub scope: Option<HashMap<String, Value>>,
}

/// Makes a plan for `stack` against `prior`.
pub async fn plan(
    stack: &Stack<'_>,
    prior_state: Option<State>,
    options: &PlanOptions,
) -> PlanResult {
    let Stack {
        loaded: stack,
        evaluated,
        env,
        registry,
        on_wait,
        overrides,
    } = *stack;
    let mut diagnostics = Diagnostics::default();
    let mut ctx = Context::new(stack, env, registry);
    ctx.on_wait = on_wait;
    ctx.overrides = overrides;
    let lineage = prior_state.as_ref().map(|s| s.lineage.clone());
    let serial = prior_state.as_ref().map(|s| s.serial);
    let mut state = prior_state.unwrap_or_else(State::fresh);
    let mut prior = decode_state(&state, registry, &mut diagnostics);
    let mut moves = apply_moves(stack, &mut prior, &mut diagnostics);
    move_across_types(stack, registry, &mut prior, &mut moves, &mut diagnostics).await;
    let moved = moves.moved;
    let importing = import_blocks(
        stack,
        evaluated,
        env,
        registry,
        &mut prior,
        &mut diagnostics,
    )
    .await;
    if diagnostics.has_errors() {
        return PlanResult {
            plan: None,
            diagnostics,
            scope: None,
        };
    }
    // Refresh: read every instance through its provider, a type at a time.
    let Refreshed {
        attributes: drift,
        drift: resource_drift,
    } = if options.refresh {
        refresh(&mut prior, registry, overrides, on_wait, &mut diagnostics).await
    } else {
        Refreshed {
            attributes: HashMap::new(),
            drift: Vec::new(),
        }
    };
    let mut refreshed_away: Vec<String> = drift
        .iter()
        .filter(|(a, _)| !prior.contains_key(*a))
        .map(|(a, _)| a.to_string())
        .collect();
    refreshed_away.sort();
    if diagnostics.has_errors() {
        return PlanResult {
            plan: None,
            diagnostics,
            scope: None,
        };
    }
    let targets = TargetFilter::new(stack, options);
    // Room for every instance up front: the maps are not rebuilt as they grow.
    let n = prior.len().max(stack.config.resources.len());
    let mut planner = Planner {
        ctx,
        options,
        targets,
        prior,
        drift,
        changes: Vec::with_capacity(n),
        change_index: crate::FastMap::with_capacity_and_hasher(n, Default::default()),
        configured: crate::FastSet::with_capacity_and_hasher(n, Default::default()),
        planned_modules: HashSet::new(),
        expanded: crate::FastMap::with_capacity_and_hasher(n, Default::default()),
        instance_refs: crate::FastMap::with_capacity_and_hasher(n, Default::default()),
        module_contents: HashMap::new(),
        importing,
        data: Vec::new(),
        diagnostics,
        checks: Vec::new(),
        null_before: None,
    };
    let root = ModuleRef {
        config: &stack.config,
        children: &stack.children,
    };
    let mut roots = planner
        .plan_module(Vec::new(), root, evaluated.variables.clone(), Vec::new())
        .instrument(tracing::info_span!("plan_modules"))
        .await;
    let Planner {
        ctx,
        targets,
        prior,
        mut changes,
        mut change_index,
        configured,
        planned_modules,
        expanded,
        instance_refs,
        module_contents,
        data,
        mut diagnostics,
        mut checks,
        ..
    } = planner;
    let locals = match roots.remove("local") {
        Some(Value {
            kind: Kind::Object(m),
            ..
        }) => m.into_map().into_iter().collect(),
        _ => BTreeMap::new(),
    };
    // Orphans: instances in state that the configuration no longer has.
    let removed = removed_blocks(stack);
    for (iaddr, p) in &prior {
        if configured.contains(iaddr)
            || iaddr.resource.mode == Mode::Data
            || !targets.includes_instance(iaddr)
        {
            continue;
        }
        let in_config = ctx.resource(&iaddr.resource);
        let reason = match (in_config, &iaddr.key) {
            _ if options.destroy => None,
            // The module call is still there but this instance of it is not.
            _ if !iaddr.resource.module.is_empty()
                && !planned_modules.contains(&iaddr.resource.module)
                && ctx.module_config(&iaddr.resource.module).is_some() =>
            {
                Some("delete_because_no_module")
            }
            (None, _) => Some("delete_because_no_resource_config"),
            (Some(r), InstanceKey::Int(_)) if r.body.attribute("count").is_some() => {
                Some("delete_because_count_index")
            }
            (Some(r), InstanceKey::Str(_)) if r.body.attribute("for_each").is_some() => {
                Some("delete_because_each_key")
            }
            (Some(_), _) => Some("delete_because_wrong_repetition"),
        };
        let forget = removed
            .iter()
            .any(|(a, destroy)| *a == iaddr.resource && !destroy);
        if !forget && in_config.is_some_and(|r| lifecycle(r).prevent_destroy) {
            diagnostics.push(Diagnostic::global(
                strata_types::codes::PREVENT_DESTROY,
                "Instance cannot be destroyed",
                format!("{iaddr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed."),
            ));
        }
        let index = changes.len();
        changes.push(ResourceChange {
            addr: iaddr.clone(),
            provider: p.provider.clone(),
            action: if forget {
                Action::Forget
            } else {
                Action::Delete
            },
            reason: reason.map(str::to_string),
            before: EncodedValue::encode(&p.value),
            after: EncodedValue::encode(&Value::null(p.value.ty())),
            replace_paths: vec![],
            dependencies: p.dependencies.clone(),
            create_before_destroy: p.create_before_destroy,
            drift: vec![],
            importing: None,
        });
        change_index.insert(iaddr.clone(), index);
    }
    // Instance-level dependencies from references.
    for (index, r) in &instance_refs {
        let mut deps: BTreeSet<String> = r.inherited.iter().cloned().collect();
        let config = ctx.resource(&changes[*index].addr.resource);
        let mut refs = Vec::new();
        if let Some(res) = config {
            body_references(&res.body, &mut refs);
        }
        for reference in through_locals(&ctx, &r.module, &refs).iter() {
            match reference {
                Reference::Resource(a, key) => {
                    let a = a.clone().in_module(&r.module);
                    for k in expanded.get(&a).map_or(&[][..], Vec::as_slice) {
                        if key.as_ref().is_none_or(|want| want == k) {
                            deps.insert(format!("{a}{k}"));
                        }
                    }
                }
                Reference::Module(name) => {
                    if let Some(contents) = module_contents.get(&(r.module.clone(), name.clone())) {
                        deps.extend(contents.iter().cloned());
                    }
                }
                Reference::Local(_) => {}
            }
        }
        // depends_on
        if let Some(res) = config {
            if let Some(a) = res.body.attribute("depends_on") {
                for dep in references(&a.expr) {
                    match dep {
                        Reference::Resource(ra, _) => {
                            let ra = ra.in_module(&r.module);
                            for k in expanded.get(&ra).map_or(&[][..], Vec::as_slice) {
                                deps.insert(format!("{ra}{k}"));
                            }
                        }
                        Reference::Module(name) => {
                            if let Some(contents) = module_contents.get(&(r.module.clone(), name)) {
                                deps.extend(contents.iter().cloned());
                            }
                        }
                        Reference::Local(_) => {}
                    }
                }
            }
        }
        deps.remove(&changes[*index].addr.to_string());
        changes[*index].dependencies = deps.into_iter().collect();
    }
    roots.insert("local".into(), Value::object(locals));
    let outputs = output_changes(
        stack,
        &roots,
        env,
        &state.outputs,
        options.destroy,
        &mut diagnostics,
        &mut checks,
    );
    check_blocks(stack, &roots, env, &mut diagnostics, &mut checks);
    variable_checks(stack, evaluated, &mut checks);
    if options.refresh_only {
        for c in &mut changes {
            c.action = Action::NoOp;
        }
    }
    let graph = execution_graph(&changes);
    write_prior_into_state(&mut state, &prior, registry);
    let variables = match evaluated.variables.get("var") {
        Some(Value {
            kind: Kind::Object(m),
            ..
        }) => m
            .iter()
            .map(|(k, v)| (k.clone(), EncodedValue::encode(v)))
            .collect(),
        _ => BTreeMap::new(),
    };
    let errored = diagnostics.has_errors();
    // What planning built up is freed on another thread: at 100,000
    // instances that takes as long as a tenth of the plan.
    let scope = options.keep_scope.then(|| roots.clone());
    std::thread::spawn(move || {
        drop((
            roots,
            prior,
            instance_refs,
            expanded,
            change_index,
            configured,
        ));
    });
    // Moves of objects still planned for (refresh may have found one gone).
    let mut moved = moved;
    if !moved.is_empty() {
        let planned: HashSet<String> = changes.iter().map(|c| c.addr.to_string()).collect();
        moved.retain(|to, _| planned.contains(to));
    }
    let plan = Plan {
        format_version: "1".into(),
        strata_version: env!("CARGO_PKG_VERSION").into(),
        lineage,
        serial,
        destroy: options.destroy,
        refresh_only: options.refresh_only,
        variables,
        block_shapes: block_shapes(ctx.registry, &changes),
        changes,
        outputs,
        prior_state: state,
        refreshed_away,
        resource_drift,
        moved,
        graph,
        errored,
        data,
        cost: None,
        policy: Vec::new(),
        checks,
        timestamp: {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            strata_types::time::rfc3339(now.as_secs() as i64, None)
        },
    };
    PlanResult {
        plan: if errored { None } else { Some(plan) },
        diagnostics,
        scope,
    }
}

/// The cycles of every module's configuration graph, the root's and its
/// calls': what `validate` reports before anything is evaluated (the
/// plan finds them the same way, module by module).
pub(crate) fn configuration_cycles(stack: &LoadedStack) -> Diagnostics {
    fn walk(module: ModuleRef<'_>, out: &mut Diagnostics) {
        if let Err(d) = evaluation_order(module) {
            out.push(d);
        }
        for child in module.children.values() {
            walk(
                ModuleRef {
                    config: &child.config,
                    children: &child.children,
                },
                out,
            );
        }
    }
    let mut out = Diagnostics::default();
    walk(
        ModuleRef {
            config: &stack.config,
            children: &stack.children,
        },
        &mut out,
    );
    out
}

/// `refs` with each local value replaced by what its expression refers
/// to, transitively: an instance depends on the resources a local it
/// reads is computed from.
fn through_locals<'r>(
    ctx: &Context<'_>,
    module: &ModulePath,
    refs: &'r [Reference],
) -> std::borrow::Cow<'r, [Reference]> {
    // Most instances read no local: nothing to copy or look up.
    if !refs.iter().any(|r| matches!(r, Reference::Local(_))) {
        return std::borrow::Cow::Borrowed(refs);
    }
    let Some(config) = ctx.module_config(module).map(|m| m.config) else {
        return std::borrow::Cow::Borrowed(refs);
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut pending: Vec<Reference> = refs.to_vec();
    while let Some(reference) = pending.pop() {
        match reference {
            Reference::Local(name) => {
                if !seen.insert(name.clone()) {
                    continue;
                }
                if let Some(local) = config.locals.iter().find(|l| l.name == name) {
                    pending.extend(references(&local.expr));
                }
            }
            other => out.push(other),
        }
    }
    std::borrow::Cow::Owned(out)
}

enum DataResult {
    Read(Value),
    Deferred(Value),
}

#[allow(clippy::too_many_arguments)]
async fn plan_data_source(
    provider: &dyn Provider,
    on_wait: crate::context::waits::OnWait<'_>,
    schema: &Schema,
    type_name: &str,
    config: &Value,
    addr: &InstanceAddr,
    refs: &[Reference],
    change_index: &crate::FastMap<InstanceAddr, usize>,
    changes: &[ResourceChange],
    diagnostics: &mut Diagnostics,
) -> DataResult {
    let pending = refs.iter().any(|r| match r {
        Reference::Resource(a, _) => change_index
            .iter()
            .any(|(i, &c)| i.resource == *a && !matches!(changes[c].action, Action::NoOp)),
        Reference::Local(_) | Reference::Module(_) => false,
    });
    if !config.is_wholly_known() || pending {
        return DataResult::Deferred(crate::context::deferred_data_object(schema, config));
    }
    let plain = config.unmark_deep().0;
    let read = provider.read_data_source(type_name, &plain);
    let what = || format!("{addr}: Still reading...");
    match crate::context::waits::reporting(read, what, on_wait).await {
        Ok(v) => DataResult::Read(mark_schema_sensitive(schema, v)),
        Err(e) => {
            diagnostics.push(Diagnostic::global(
                strata_types::codes::FAILED_TO_READ_DATA_SOURCE,
                "Failed to read data source",
                format!("{addr}: {e}"),
            ));
            DataResult::Read(Value::unknown(schema.object_type()))
        }
    }
}

/// The references of one planned instance, resolved into dependencies
/// once every resource is expanded.
/// What an instance's dependencies are found from once every instance is
/// planned. What its configuration refers to is read from the
/// configuration again then: kept per instance, those lists were a tenth
/// of a large plan's memory.
struct InstanceRefs {
    module: ModulePath,
    /// Dependencies every instance of the module has (what its call's
    /// arguments refer to).
    inherited: Vec<String>,
}

/// The entries of `map` under `addr`'s instances, found by their place in
/// the map's order (a resource's instances sit together), not by a scan.
fn instances_of<'m, V>(
    map: &'m BTreeMap<InstanceAddr, V>,
    addr: &ResourceAddr,
) -> impl Iterator<Item = (&'m InstanceAddr, &'m V)> + 'm {
    let first = InstanceAddr {
        resource: addr.clone(),
        key: InstanceKey::None,
    };
    let addr = addr.clone();
    map.range(first..)
        .take_while(move |(a, _)| a.resource == addr)
}

struct Planner<'a> {
    ctx: Context<'a>,
    options: &'a PlanOptions,
    targets: TargetFilter,
    prior: BTreeMap<InstanceAddr, PriorInstance>,
    drift: HashMap<InstanceAddr, Vec<String>>,
    changes: Vec<ResourceChange>,
    change_index: crate::FastMap<InstanceAddr, usize>,
    configured: crate::FastSet<InstanceAddr>,
    planned_modules: HashSet<ModulePath>,
    expanded: crate::FastMap<ResourceAddr, Vec<InstanceKey>>,
    instance_refs: crate::FastMap<usize, InstanceRefs>,
    /// Instances inside each module call, by (calling module, call name).
    module_contents: HashMap<(ModulePath, String), Vec<String>>,
    /// Instances brought in by `import` blocks, with their ids.
    importing: HashMap<InstanceAddr, String>,
    /// Data sources read while planning.
    data: Vec<crate::plan::DataValue>,
    diagnostics: Diagnostics,
    /// What the conditions of checkable objects came to.
    checks: Vec<crate::plan::CheckResult>,
    /// The `before` of the last creation: the creations of a type share
    /// one null object instead of holding one each.
    null_before: Option<EncodedValue>,
}

impl<'a> Planner<'a> {
    /// A change's `before`, shared with the last one when both are the
    /// same null object.
    fn before(&mut self, prior_value: Value) -> EncodedValue {
        if !prior_value.is_null() {
            return EncodedValue::new(prior_value);
        }
        match &self.null_before {
            Some(b) if *b.value() == prior_value => b.clone(),
            _ => self
                .null_before
                .insert(EncodedValue::new(prior_value))
                .clone(),
        }
    }

    /// Reports a resource instance's failed conditions and records what
    /// they came to.
    fn record_conditions(&mut self, iaddr: &InstanceAddr, c: crate::eval_body::Conditions) {
        let Some(status) = c.status else { return };
        self.diagnostics.extend(Diagnostics(c.errors));
        crate::plan::record_check(
            &mut self.checks,
            crate::plan::CheckResult {
                kind: crate::plan::CheckKind::Resource,
                module: iaddr.resource.module.clone(),
                name: iaddr.resource.name.clone(),
                resource: Some(iaddr.clone()),
                status,
                problems: c.problems,
            },
        );
    }

    /// The values of a resource's instances as the prior state holds them.
    fn prior_instances(&self, addr: &ResourceAddr) -> BTreeMap<InstanceKey, Value> {
        instances_of(&self.prior, addr)
            .map(|(a, p)| (a.key.clone(), p.value.clone()))
            .collect()
    }

    /// Plans one module instance: its nodes in dependency order. Returns
    /// the names its expressions see at the end (for its outputs).
    fn plan_module<'s>(
        &'s mut self,
        path: ModulePath,
        module: ModuleRef<'a>,
        mut roots: HashMap<String, Value>,
        inherited: Vec<String>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = HashMap<String, Value>> + 's>> {
        Box::pin(async move {
            let env = self.ctx.env;
            let order = match evaluation_order(module) {
                Ok(o) => o,
                Err(d) => {
                    self.diagnostics.push(d);
                    return roots;
                }
            };
            // Resources and module calls not yet planned are unknown.
            for r in &module.config.resources {
                set_resource_root(&mut roots, &resource_addr(r), Value::unknown(Type::Dynamic));
            }
            roots.insert(
                "module".into(),
                Value::object(
                    module
                        .config
                        .modules
                        .iter()
                        .map(|m| (m.name.clone(), Value::unknown(Type::Dynamic)))
                        .collect::<strata_types::Fields>(),
                ),
            );
            roots.insert("local".into(), Value::object(BTreeMap::new()));
            for node in &order {
                match *node {
                    Node::Local(i) => {
                        let local = &module.config.locals[i];
                        let v = match evaluate(
                            &local.expr,
                            &EvalContext {
                                variables: &roots,
                                overlay: None,
                                env,
                            },
                        ) {
                            Ok(v) => v,
                            Err(d) => {
                                self.diagnostics.push(d);
                                Value::unknown(Type::Dynamic)
                            }
                        };
                        strata_lang::stack::set_local(&mut roots, &local.name, v);
                    }
                    Node::Output(_) => {}
                    Node::Module(i) => {
                        self.plan_module_call(&path, module, i, &mut roots, &inherited)
                            .await
                    }
                    Node::ModuleEarly(i) => self.early_outputs(module, i, &mut roots),
                    Node::Resource(i) => {
                        let r = &module.config.resources[i];
                        let addr = resource_addr(r).in_module(&path);
                        if !self.targets.includes_resource(&addr) {
                            // Untargeted: keep what the state says.
                            let instances = self.prior_instances(&addr);
                            for (a, _) in instances_of(&self.prior, &addr) {
                                self.configured.insert(a.clone());
                            }
                            set_resource_root(&mut roots, &addr, resource_value_of(r, instances));
                            continue;
                        }
                        if self.options.destroy && addr.mode == Mode::Managed {
                            // Everything goes (the orphan pass plans each
                            // delete); expressions still see the objects as
                            // the state has them, so what reads them (a
                            // module output indexed, a provider argument)
                            // evaluates as it did.
                            let instances = self.prior_instances(&addr);
                            self.expanded
                                .insert(addr.clone(), instances.keys().cloned().collect());
                            set_resource_root(&mut roots, &addr, resource_value_of(r, instances));
                            continue;
                        }
                        let (provider, schema) = match provider_for(
                            self.ctx.registry,
                            addr.mode,
                            &addr.type_name,
                            r.span,
                        ) {
                            Ok(p) => p,
                            Err(d) => {
                                self.diagnostics.push(d);
                                continue;
                            }
                        };
                        // An aliased configuration (`provider = aws.west`)
                        // has its own instance of the provider.
                        let provider_addr =
                            match resource_provider(r, provider.as_ref()).and_then(|a| {
                                provider_instance(self.ctx.registry, &a, r.span).map(|p| (a, p))
                            }) {
                                Ok(found) => found,
                                Err(d) => {
                                    self.diagnostics.push(d);
                                    continue;
                                }
                            };
                        let (provider_addr, provider) = provider_addr;
                        let provider = self
                            .ctx
                            .overrides
                            .and_then(|o| o.provider(&addr))
                            .unwrap_or(provider);
                        let keys = if self.options.destroy && addr.mode == Mode::Managed {
                            Some(Vec::new())
                        } else {
                            match expand(&r.body, &roots, env) {
                                Ok(k) => k,
                                Err(d) => {
                                    self.diagnostics.push(d);
                                    continue;
                                }
                            }
                        };
                        let Some(keys) = keys else {
                            self.diagnostics.push(Diagnostic::error(
                                strata_types::codes::INVALID_REPETITION_ARGUMENT,
                                "Invalid count or for_each argument",
                                format!("The number of instances of {addr} depends on values that cannot be determined until apply. Use --target to apply the resources it depends on first, or make the argument depend only on known values."),
                                r.span,
                            ));
                            continue;
                        };
                        let lc = lifecycle(r);
                        let mut values: BTreeMap<InstanceKey, Value> = BTreeMap::new();
                        self.expanded
                            .insert(addr.clone(), keys.iter().map(|(k, _)| k.clone()).collect());
                        let mut prepared = Vec::new();
                        for (key, each_value) in keys {
                            let iaddr = InstanceAddr {
                                resource: addr.clone(),
                                key: key.clone(),
                            };
                            self.configured.insert(iaddr.clone());
                            let scope = BodyScope::for_instance(&key, each_value.as_ref());
                            let preconditions = crate::eval_body::conditions_outcome(
                                &r.body,
                                "precondition",
                                &roots,
                                &scope,
                                None,
                                env,
                                &iaddr,
                            );
                            let failed = !preconditions.errors.is_empty();
                            self.record_conditions(&iaddr, preconditions);
                            if failed {
                                values.insert(key, Value::unknown(Type::Dynamic));
                                continue;
                            }
                            let config =
                                match body_to_config(&self.ctx, &r.body, &schema, &roots, &scope) {
                                    Ok(c) => c,
                                    Err(ds) => {
                                        self.diagnostics.extend(ds);
                                        values.insert(key, Value::unknown(Type::Dynamic));
                                        continue;
                                    }
                                };
                            for problem in provider.validate_resource(&addr.type_name, &config) {
                                self.diagnostics.push(provider_diagnostic(
                                    strata_types::codes::INVALID_RESOURCE_CONFIGURATION,
                                    "Invalid resource configuration",
                                    &iaddr.to_string(),
                                    &problem,
                                    &r.body,
                                    r.span,
                                ));
                            }
                            if addr.mode == Mode::Data {
                                let mut refs = Vec::new();
                                body_references(&r.body, &mut refs);
                                let value = plan_data_source(
                                    provider.as_ref(),
                                    self.ctx.on_wait,
                                    &schema,
                                    &addr.type_name,
                                    &config,
                                    &iaddr,
                                    &refs,
                                    &self.change_index,
                                    &self.changes,
                                    &mut self.diagnostics,
                                )
                                .await;
                                match value {
                                    DataResult::Read(v) => {
                                        self.data.push(crate::plan::DataValue {
                                            addr: iaddr.clone(),
                                            value: EncodedValue::encode(&v),
                                        });
                                        values.insert(key, v);
                                    }
                                    DataResult::Deferred(v) => {
                                        let index = self.changes.len();
                                        self.changes.push(ResourceChange {
                                            addr: iaddr.clone(),
                                            provider: provider_addr.clone(),
                                            action: Action::Read,
                                            reason: Some("read_because_dependency_pending".into()),
                                            before: EncodedValue::encode(&Value::null(
                                                schema.object_type(),
                                            )),
                                            after: EncodedValue::encode(&v),
                                            replace_paths: vec![],
                                            dependencies: std::sync::Arc::default(),
                                            create_before_destroy: false,
                                            drift: vec![],
                                            importing: None,
                                        });
                                        self.change_index.insert(iaddr.clone(), index);
                                        self.instance_refs.insert(
                                            index,
                                            InstanceRefs {
                                                module: path.clone(),
                                                inherited: inherited.clone(),
                                            },
                                        );
                                        values.insert(key, v);
                                    }
                                }
                                continue;
                            }
                            let prior_instance = self.prior.get(&iaddr);
                            let prior_value = prior_instance
                                .map(|p| p.value.clone())
                                .unwrap_or_else(|| Value::null(schema.object_type()));
                            let config = apply_ignore_changes(&config, &prior_value, &lc);
                            let proposed = if prior_value.is_null() {
                                config.clone()
                            } else {
                                proposed_new(&schema, &prior_value, &config)
                            };
                            prepared.push(Prepared {
                                key,
                                iaddr,
                                scope,
                                config,
                                prior_value,
                                proposed,
                            });
                        }
                        // Every instance's plan is asked of the provider at
                        // once (a plugin answers them in parallel); each is
                        // then decided in order.
                        let responses =
                            plan_all(provider.as_ref(), &addr.type_name, &prepared).await;
                        for (prepared, response) in prepared.into_iter().zip(responses) {
                            let Prepared {
                                key,
                                iaddr,
                                scope,
                                config,
                                prior_value,
                                proposed: _,
                            } = prepared;
                            let mut response = match response {
                                Ok(r) => r,
                                Err(e) => {
                                    self.diagnostics.push(provider_diagnostic(
                                        strata_types::codes::PROVIDER_PLAN_FAILED,
                                        "Provider failed to plan",
                                        &iaddr.to_string(),
                                        &e,
                                        &r.body,
                                        r.span,
                                    ));
                                    values.insert(key, Value::unknown(Type::Dynamic));
                                    continue;
                                }
                            };
                            for w in std::mem::take(&mut response.warnings) {
                                self.diagnostics.push(
                                    provider_diagnostic(
                                        strata_types::codes::PROVIDER_PLAN_WARNING,
                                        "Provider warning",
                                        &iaddr.to_string(),
                                        &w,
                                        &r.body,
                                        r.span,
                                    )
                                    .into_warning(),
                                );
                            }
                            let mut planned = mark_schema_sensitive(
                                &schema,
                                copy_config_marks(response.planned, &config),
                            );
                            // Postconditions that can be decided now fail the plan.
                            let postconditions = crate::eval_body::conditions_outcome(
                                &r.body,
                                "postcondition",
                                &roots,
                                &scope,
                                Some(&planned),
                                env,
                                &iaddr,
                            );
                            self.record_conditions(&iaddr, postconditions);
                            // As Terraform: a path forces replacement only
                            // where its value changes (or may).
                            response.requires_replace = decide::changed_paths(
                                &prior_value,
                                &planned,
                                std::mem::take(&mut response.requires_replace),
                            );
                            let mut action = decide(
                                &prior_value,
                                &planned,
                                &response.requires_replace,
                                lc.create_before_destroy,
                            );
                            let triggered = lc.replace_triggered_by.iter().any(|e| {
                                references(e).iter().any(|rf| match rf {
                                    // The referenced instances' changes, by
                                    // address (not a scan of every change).
                                    Reference::Resource(a, k) => {
                                        let resource = a.clone().in_module(&path);
                                        let keys = match k {
                                            Some(k) => std::slice::from_ref(k),
                                            None => self
                                                .expanded
                                                .get(&resource)
                                                .map_or(&[][..], Vec::as_slice),
                                        };
                                        keys.iter().any(|key| {
                                            let at = InstanceAddr {
                                                resource: resource.clone(),
                                                key: key.clone(),
                                            };
                                            self.change_index.get(&at).is_some_and(|&i| {
                                                matches!(
                                                    self.changes[i].action,
                                                    Action::Create
                                                        | Action::Update
                                                        | Action::DeleteThenCreate
                                                        | Action::CreateThenDelete
                                                )
                                            })
                                        })
                                    }
                                    Reference::Local(_) | Reference::Module(_) => false,
                                })
                            });
                            let forced = !prior_value.is_null()
                                && (triggered || self.options.replace.contains(&iaddr));
                            let mut reason = action
                                .is_replace()
                                .then(|| "replace_because_cannot_update".to_string());
                            if action.is_replace() || forced {
                                // The new object is planned as a create, as
                                // Terraform plans it (and as apply will).
                                let fresh = provider
                                    .plan(PlanRequest {
                                        type_name: &addr.type_name,
                                        prior: &Value::null(schema.object_type()),
                                        proposed: &config,
                                        config: &config,
                                    })
                                    .await;
                                if let Ok(f) = fresh {
                                    planned = mark_schema_sensitive(
                                        &schema,
                                        copy_config_marks(f.planned, &config),
                                    );
                                }
                            }
                            if forced {
                                action = replace_action(lc.create_before_destroy);
                                reason = Some(
                                    if self.options.replace.contains(&iaddr) {
                                        "replace_by_request"
                                    } else {
                                        "replace_by_triggers"
                                    }
                                    .to_string(),
                                );
                            }
                            if lc.prevent_destroy && action.deletes() {
                                self.diagnostics.push(Diagnostic::error(
                                    strata_types::codes::PREVENT_DESTROY,
                                    "Instance cannot be destroyed",
                                    format!("{iaddr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the --target flag."),
                                    r.span,
                                ));
                            }
                            tracing::debug!(address = %iaddr, ?action, "planned");
                            let index = self.changes.len();
                            // Unchanged, the object is held once.
                            let unchanged = action == Action::NoOp && planned == prior_value;
                            let before = self.before(prior_value);
                            let after = if unchanged {
                                before.clone()
                            } else {
                                EncodedValue::encode(&planned)
                            };
                            self.changes.push(ResourceChange {
                                addr: iaddr.clone(),
                                provider: provider_addr.clone(),
                                action,
                                reason,
                                before,
                                after,
                                replace_paths: response.requires_replace.clone(),
                                dependencies: std::sync::Arc::default(),
                                create_before_destroy: lc.create_before_destroy,
                                drift: self.drift.remove(&iaddr).unwrap_or_default(),
                                importing: self.importing.remove(&iaddr),
                            });
                            self.change_index.insert(iaddr.clone(), index);
                            self.instance_refs.insert(
                                index,
                                InstanceRefs {
                                    module: path.clone(),
                                    inherited: inherited.clone(),
                                },
                            );
                            values.insert(key, planned);
                        }
                        set_resource_root(&mut roots, &addr, resource_value_of(r, values));
                    }
                }
            }

            roots
        })
    }
}

/// A managed instance ready to be planned by its provider.
struct Prepared {
    key: InstanceKey,
    iaddr: InstanceAddr,
    scope: BodyScope,
    config: Value,
    prior_value: Value,
    proposed: Value,
}

/// How many of one resource's instances are planned at once.
const PLAN_CONCURRENCY: usize = 16;

/// The provider's plans of `prepared`, in order: asked concurrently of a
/// provider out of the process, one after another of one in it.
async fn plan_all(
    provider: &dyn Provider,
    type_name: &str,
    prepared: &[Prepared],
) -> Vec<strata_provider::ProviderResult<strata_provider::PlanResponse>> {
    use futures_util::stream::{self, StreamExt};
    fn request<'a>(type_name: &'a str, p: &'a Prepared) -> PlanRequest<'a> {
        PlanRequest {
            type_name,
            prior: &p.prior_value,
            proposed: &p.proposed,
            config: &p.config,
        }
    }
    if !provider.calls_out_of_process() {
        let mut out = Vec::with_capacity(prepared.len());
        for p in prepared {
            out.push(provider.plan(request(type_name, p)).await);
        }
        return out;
    }
    stream::iter(
        prepared
            .iter()
            .map(|p| provider.plan(request(type_name, p))),
    )
    .buffered(PLAN_CONCURRENCY)
    .collect()
    .await
}

impl Planner<'_> {
    /// Instance addresses that references made from module `path` name.
    fn resolve(&self, path: &ModulePath, refs: &[Reference]) -> Vec<String> {
        let mut out = BTreeSet::new();
        for r in refs {
            match r {
                Reference::Resource(a, key) => {
                    let a = a.clone().in_module(path);
                    for k in self.expanded.get(&a).cloned().unwrap_or_default() {
                        if key.as_ref().is_none_or(|want| *want == k) {
                            out.insert(
                                InstanceAddr {
                                    resource: a.clone(),
                                    key: k,
                                }
                                .to_string(),
                            );
                        }
                    }
                }
                Reference::Module(name) => {
                    if let Some(contents) = self.module_contents.get(&(path.clone(), name.clone()))
                    {
                        out.extend(contents.iter().cloned());
                    }
                }
                Reference::Local(_) => {}
            }
        }
        out.into_iter().collect()
    }
}

/// The nested blocks of each type the changes are of (types without
/// blocks are left out).
fn block_shapes(
    registry: &strata_provider::Registry,
    changes: &[ResourceChange],
) -> BTreeMap<String, crate::plan::BlockShape> {
    let mut seen: HashSet<(Mode, &str)> = HashSet::new();
    let mut out = BTreeMap::new();
    for c in changes {
        let (mode, ty) = (c.addr.resource.mode, c.addr.resource.type_name.as_str());
        if !seen.insert((mode, ty)) {
            continue;
        }
        let Ok((_, schema)) = provider_for(registry, mode, ty, Span::default()) else {
            continue;
        };
        let shape = crate::plan::BlockShape::of(&schema);
        if !shape.is_empty() {
            let key = match mode {
                Mode::Data => format!("data.{ty}"),
                Mode::Managed => ty.to_string(),
            };
            out.insert(key, shape);
        }
    }
    out
}
