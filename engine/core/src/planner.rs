//! Planning: refresh the prior state through the providers, evaluate the
//! configuration in dependency order (locals, resources expanded by
//! `count`/`for_each`, outputs), ask each provider to plan each instance,
//! decide the action and its reason, and build the execution graph that
//! apply will run.
//!
//! The configuration graph is built by named passes over the references
//! of every expression; a cycle is reported with the whole cycle.

use crate::addr::{InstanceAddr, InstanceKey, Mode, ModulePath, ModuleStep, ResourceAddr};
use crate::eval_body::{body_to_config, BodyScope};
use crate::plan::{Action, Edge, EncodedValue, OutputChange, Plan, ResourceChange};
use crate::schema_json::{apply_sensitive_paths, decode_attributes, mark_schema_sensitive};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use strata_lang::ast::{Expr, ExprKind, TraversalStep};
use strata_lang::config::{ChildModule, Config};
use strata_lang::config::{LoadedStack, Mode as ConfigMode};
use strata_lang::eval::{evaluate, EvalContext};
use strata_lang::functions::FunctionEnv;
use strata_lang::stack::EvaluatedStack;
use strata_provider::{conformance::proposed_new, PlanRequest, Provider, Registry, Schema};
use strata_state::State;
use strata_types::{Diagnostic, Diagnostics, Kind, Span, Type, Value};

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
}

/// A node of the configuration graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    Local(usize),
    Resource(usize),
    Output(usize),
    Module(usize),
}

/// A loaded stack with what evaluating it needs: its variables and
/// locals, the function environment, and the providers.
#[derive(Clone, Copy)]
pub struct Stack<'a> {
    pub loaded: &'a LoadedStack,
    pub evaluated: &'a EvaluatedStack,
    pub env: &'a FunctionEnv,
    pub registry: &'a Registry,
}

pub(crate) struct Context<'a> {
    pub stack: &'a LoadedStack,
    pub env: &'a FunctionEnv,
    pub registry: &'a Registry,
    /// Configuration resources by address.
    resources: HashMap<ResourceAddr, usize>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        stack: &'a LoadedStack,
        env: &'a FunctionEnv,
        registry: &'a Registry,
    ) -> Context<'a> {
        let resources = stack
            .config
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (resource_addr(r), i))
            .collect();
        Context {
            stack,
            env,
            registry,
            resources,
        }
    }

    /// The configuration of a resource, by address.
    pub(crate) fn resource(
        &self,
        addr: &ResourceAddr,
    ) -> Option<&'a strata_lang::config::Resource> {
        if addr.module.is_empty() {
            return self
                .resources
                .get(addr)
                .map(|&i| &self.stack.config.resources[i]);
        }
        let config = self.module_config(&addr.module)?.config;
        let local = ResourceAddr {
            module: Vec::new(),
            ..addr.clone()
        };
        config.resources.iter().find(|r| resource_addr(r) == local)
    }

    /// The configuration of the module at `path` (keys ignored).
    pub(crate) fn module_config(&self, path: &[ModuleStep]) -> Option<ModuleRef<'a>> {
        let mut current = ModuleRef {
            config: &self.stack.config,
            children: &self.stack.children,
        };
        for step in path {
            let child = current.children.get(&step.name)?;
            current = ModuleRef {
                config: &child.config,
                children: &child.children,
            };
        }
        Some(current)
    }
}

/// A reference found in an expression: a resource (with the static index
/// key, when there is one) or a local.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Reference {
    Resource(ResourceAddr, Option<InstanceKey>),
    Local(String),
    /// `module.NAME…`: everything inside that module call.
    Module(String),
}

/// The most instances one `count` may ask for.
pub const MAX_COUNT: i64 = 1_000_000;

pub(crate) fn references(expr: &Expr) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut pending = vec![expr];
    while let Some(expr) = pending.pop() {
        expr.walk_pruned(&mut |e| {
            if !matches!(e.kind, ExprKind::GetAttr(..) | ExprKind::Index(..)) {
                return true;
            }
            let Some((root, steps)) = e.as_traversal() else {
                // A chain from something other than a name: its keys and
                // its start are walked once, not from every link.
                let mut current = e;
                loop {
                    match &current.kind {
                        ExprKind::GetAttr(inner, _) => current = inner,
                        ExprKind::Index(inner, key) => {
                            pending.push(key);
                            current = inner;
                        }
                        _ => break,
                    }
                }
                pending.push(current);
                return false;
            };
            // A reference is decided by its first three steps: the
            // traversal's shorter prefixes are taken here, not by walking
            // down the chain (which costs its length squared).
            let prefixes = (1..steps.len().min(3)).rev();
            for n in std::iter::once(steps.len()).chain(prefixes) {
                out.extend(reference_of(root, &steps[..n]));
            }
            for step in &steps {
                if let TraversalStep::Index(key) = step {
                    pending.push(key);
                }
            }
            false
        });
    }
    out
}

/// The object a traversal from `root` through `steps` refers to.
fn reference_of(root: &str, steps: &[TraversalStep<'_>]) -> Option<Reference> {
    let attr = |i: usize| match steps.get(i) {
        Some(TraversalStep::Attr(n, _)) => Some(*n),
        _ => None,
    };
    let key_at = |i: usize| match steps.get(i) {
        Some(TraversalStep::Index(k)) => match &k.kind {
            ExprKind::Literal(v) => match (&v.kind, v.as_number().and_then(|n| n.to_i64())) {
                (_, Some(i)) => Some(InstanceKey::Int(i)),
                (Kind::String(s), _) => Some(InstanceKey::Str(s.clone())),
                _ => None,
            },
            ExprKind::Template(parts) if parts.len() == 1 => match &parts[0] {
                strata_lang::ast::TemplatePart::Literal(s) => Some(InstanceKey::Str(s.clone())),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    match root {
        "local" => {
            if let Some(n) = attr(0) {
                return Some(Reference::Local(n.to_string()));
            }
        }
        "data" => {
            if let (Some(t), Some(n)) = (attr(0), attr(1)) {
                return Some(Reference::Resource(
                    ResourceAddr {
                        module: Vec::new(),
                        mode: Mode::Data,
                        type_name: t.into(),
                        name: n.into(),
                    },
                    key_at(2),
                ));
            }
        }
        "module" => {
            if let Some(n) = attr(0) {
                return Some(Reference::Module(n.to_string()));
            }
        }
        "var" | "path" | "terraform" | "count" | "each" | "self" => {}
        t => {
            if let Some(n) = attr(0) {
                return Some(Reference::Resource(
                    ResourceAddr {
                        module: Vec::new(),
                        mode: Mode::Managed,
                        type_name: t.into(),
                        name: n.into(),
                    },
                    key_at(1),
                ));
            }
        }
    }
    None
}

fn body_references(body: &strata_lang::ast::Body, out: &mut Vec<Reference>) {
    for a in &body.attributes {
        out.extend(references(&a.expr));
    }
    for b in &body.blocks {
        body_references(&b.body, out);
    }
}

pub(crate) fn resource_addr(r: &strata_lang::config::Resource) -> ResourceAddr {
    ResourceAddr {
        module: Vec::new(),
        mode: if r.mode == ConfigMode::Data {
            Mode::Data
        } else {
            Mode::Managed
        },
        type_name: r.type_name.clone(),
        name: r.name.clone(),
    }
}

/// The provider and schema of a resource type, or a diagnostic.
pub(crate) fn provider_for(
    registry: &Registry,
    mode: Mode,
    type_name: &str,
    span: Span,
) -> Result<(Arc<dyn Provider>, Schema), Diagnostic> {
    let provider = registry.for_resource_type(type_name).ok_or_else(|| {
        let prefix = type_name.split('_').next().unwrap_or(type_name);
        let detail = match registry.schema(prefix) {
            Some(schema) => {
                let types = match mode {
                    Mode::Managed => &schema.resources,
                    Mode::Data => &schema.data_sources,
                };
                format!(
                    "The provider \"{prefix}\" has no {} type \"{type_name}\".{}",
                    if mode == Mode::Data { "data source" } else { "resource" },
                    strata_lang::suggest::did_you_mean(type_name, types.keys().map(String::as_str))
                )
            }
            None => format!(
                "No provider offers the resource type \"{type_name}\". Strata has these providers built in: {}; a provider named \"{prefix}\" is not available.",
                registry.names().collect::<Vec<_>>().join(", ")
            ),
        };
        Diagnostic::error(strata_types::codes::UNKNOWN_RESOURCE_TYPE, "Unknown resource type", detail, span)
    })?;
    let schema = registry
        .schema(provider.name())
        .cloned()
        .unwrap_or_default();
    let found = match mode {
        Mode::Managed => schema.resources.get(type_name),
        Mode::Data => schema.data_sources.get(type_name),
    };
    match found {
        Some(s) => Ok((provider.clone(), s.clone())),
        None => Err(Diagnostic::error(
            strata_types::codes::UNKNOWN_RESOURCE_TYPE,
            "Unknown resource type",
            format!(
                "The provider \"{}\" has no {} type \"{type_name}\".",
                provider.name(),
                if mode == Mode::Data {
                    "data source"
                } else {
                    "resource"
                }
            ),
            span,
        )),
    }
}

pub(crate) fn provider_address(provider: &str) -> String {
    strata_provider::provider_address(provider, None)
}

/// The provider configuration a resource block uses: its `provider`
/// meta-argument (`aws.west`), else the default configuration of the
/// provider that offers its type.
pub(crate) fn resource_provider(
    r: &strata_lang::config::Resource,
    default_name: &str,
) -> Result<String, Diagnostic> {
    let Some(attr) = r.body.attribute("provider") else {
        return Ok(provider_address(default_name));
    };
    let invalid = || {
        Diagnostic::error(
            strata_types::codes::INVALID_PROVIDER_REFERENCE,
            "Invalid provider reference",
            "The provider argument names a provider configuration, such as aws or aws.west (no quotes).",
            attr.expr.span,
        )
    };
    let (root, steps) = attr.expr.as_traversal().ok_or_else(invalid)?;
    match steps.as_slice() {
        [] => Ok(provider_address(root)),
        [strata_lang::ast::TraversalStep::Attr(alias, _)] => {
            Ok(strata_provider::provider_address(root, Some(alias)))
        }
        _ => Err(invalid()),
    }
}

/// The provider instance of a provider address, or a diagnostic saying
/// the configuration is missing.
pub(crate) fn provider_instance(
    registry: &Registry,
    address: &str,
    span: Span,
) -> Result<Arc<dyn Provider>, Diagnostic> {
    registry.instance(address).ok_or_else(|| {
        let shown = strata_provider::parse_provider_address(address)
            .map(|(n, a)| match a {
                Some(a) => format!("{n}.{a}"),
                None => n,
            })
            .unwrap_or_else(|| address.to_string());
        Diagnostic::error(
            strata_types::codes::PROVIDER_CONFIGURATION_NOT_PRESENT,
            "Provider configuration not present",
            format!("No provider block configures {shown}: add provider \"{}\" {{ alias = \"…\" … }} to the root module, or remove the reference.", shown.split('.').next().unwrap_or(&shown)),
            span,
        )
    })
}

/// One instance of the prior state, decoded.
#[derive(Clone, Debug)]
pub(crate) struct PriorInstance {
    pub value: Value,
    pub dependencies: Vec<String>,
    pub provider: String,
    pub create_before_destroy: bool,
    /// The state file no longer holds this value at this address (it was
    /// upgraded, refreshed with changes, moved or imported), so writing the
    /// state back must encode it again; otherwise the stored form is kept.
    pub changed: bool,
}

/// Decodes every instance of the prior state with its provider's schema.
pub(crate) fn decode_state(
    state: &State,
    registry: &Registry,
    diagnostics: &mut Diagnostics,
) -> BTreeMap<InstanceAddr, PriorInstance> {
    let mut out = BTreeMap::new();
    for r in &state.resources {
        let mode = Mode::parse(&r.mode);
        let Ok((provider, schema)) = provider_for(registry, mode, &r.type_name, Span::default())
        else {
            diagnostics.push(Diagnostic::global(
                strata_types::codes::STATE_REFERS_TO_AN_UNKNOWN_RESOURCE_TYPE,
                "State refers to an unknown resource type",
                format!(
                    "The state holds {}.{} of type \"{}\", which no available provider offers.",
                    r.type_name, r.name, r.type_name
                ),
            ));
            continue;
        };
        for i in &r.instances {
            let addr = InstanceAddr {
                resource: ResourceAddr {
                    module: crate::addr::parse_module_path(&r.module).unwrap_or_default(),
                    mode,
                    type_name: r.type_name.clone(),
                    name: r.name.clone(),
                },
                key: InstanceKey::from_json(i.index_key.as_ref()),
            };
            let decoded = decode_attributes(&schema, &i.attributes)
                .map_err(|e| e.to_string())
                .and_then(|v| {
                    if i.schema_version == schema.version {
                        Ok(v)
                    } else {
                        provider
                            .upgrade_state(&r.type_name, i.schema_version, v)
                            .map_err(|e| e.to_string())
                    }
                });
            match decoded {
                Ok(v) => {
                    let v = apply_sensitive_paths(
                        mark_schema_sensitive(&schema, v),
                        &i.sensitive_attributes,
                    );
                    out.insert(
                        addr,
                        PriorInstance {
                            value: v,
                            dependencies: i.dependencies.clone(),
                            provider: r.provider.clone(),
                            create_before_destroy: i.create_before_destroy,
                            changed: i.schema_version != schema.version,
                        },
                    );
                }
                Err(e) => diagnostics.push(Diagnostic::global(
                    strata_types::codes::INVALID_INSTANCE_IN_STATE,
                    "Invalid instance in state",
                    format!("{addr}: {e}"),
                )),
            }
        }
    }
    out
}

/// Applies `moved` blocks to the prior state's addresses.
fn apply_moves(
    stack: &LoadedStack,
    prior: &mut BTreeMap<InstanceAddr, PriorInstance>,
    diagnostics: &mut Diagnostics,
) {
    // Implied moves, as Terraform makes them: adding `count` moves the
    // unkeyed instance to [0]; removing it moves [0] to the unkeyed one.
    for r in &stack.config.resources {
        let addr = resource_addr(r);
        let unkeyed = InstanceAddr {
            resource: addr.clone(),
            key: InstanceKey::None,
        };
        let zero = InstanceAddr {
            resource: addr.clone(),
            key: InstanceKey::Int(0),
        };
        let counted = r.body.attribute("count").is_some();
        let repeated = counted || r.body.attribute("for_each").is_some();
        let (from, to) = if counted {
            (unkeyed, zero)
        } else if !repeated {
            (zero, unkeyed)
        } else {
            continue;
        };
        if prior.contains_key(&from) && !prior.contains_key(&to) {
            if let Some(mut p) = prior.remove(&from) {
                p.changed = true;
                prior.insert(to, p);
            }
        }
    }
    for block in stack.config.other.iter().filter(|b| b.type_name == "moved") {
        let parse = |name: &str| {
            block.body.attribute(name).and_then(|a| {
                let text = stack.sources.text(a.expr.span);
                InstanceAddr::parse(text.trim()).map(|addr| (addr, text.contains('[')))
            })
        };
        let (Some((from, from_instance)), Some((to, to_instance))) = (parse("from"), parse("to"))
        else {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::INVALID_MOVED_BLOCK,
                "Invalid moved block",
                "A moved block needs \"from\" and \"to\" addresses of resources or instances.",
                block.type_span,
            ));
            continue;
        };
        let moves: Vec<(InstanceAddr, InstanceAddr)> = if from_instance || to_instance {
            prior
                .keys()
                .filter(|a| **a == from)
                .map(|a| (a.clone(), to.clone()))
                .collect()
        } else {
            prior
                .keys()
                .filter(|a| a.resource == from.resource)
                .map(|a| {
                    (
                        a.clone(),
                        InstanceAddr {
                            resource: to.resource.clone(),
                            key: a.key.clone(),
                        },
                    )
                })
                .collect()
        };
        for (old, new) in moves {
            if prior.contains_key(&new) {
                continue;
            }
            if let Some(mut p) = prior.remove(&old) {
                p.changed = true;
                prior.insert(new, p);
            }
        }
    }
}

/// `import` blocks: each target not yet in state is read by its id through
/// its provider and joins the prior state, so the plan compares it with
/// the configuration like any other object.
async fn import_blocks(
    stack: &LoadedStack,
    evaluated: &EvaluatedStack,
    env: &FunctionEnv,
    registry: &Registry,
    prior: &mut BTreeMap<InstanceAddr, PriorInstance>,
    diagnostics: &mut Diagnostics,
) -> HashMap<InstanceAddr, String> {
    let mut importing = HashMap::new();
    for block in stack
        .config
        .other
        .iter()
        .filter(|b| b.type_name == "import")
    {
        let Some(to) = address_attribute(stack, &block.body, "to") else {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::INVALID_IMPORT,
                "Invalid import block",
                "An import block needs \"to\", the address of a resource in the configuration.",
                block.type_span,
            ));
            continue;
        };
        if prior.contains_key(&to) {
            continue;
        }
        let Some(id_attr) = block.body.attribute("id") else {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::INVALID_IMPORT,
                "Invalid import block",
                "An import block needs \"id\", the object's id in its provider.",
                block.type_span,
            ));
            continue;
        };
        let id = match evaluate(
            &id_attr.expr,
            &EvalContext {
                variables: &evaluated.variables,
                overlay: None,
                env,
            },
        ) {
            Ok(v) => match v.as_str() {
                Some(s) => s.to_string(),
                None => {
                    diagnostics.push(Diagnostic::error(
                        strata_types::codes::INVALID_IMPORT,
                        "Invalid import id",
                        "The import id must be a known string.",
                        id_attr.expr.span,
                    ));
                    continue;
                }
            },
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let (provider, schema) = match provider_for(
            registry,
            to.resource.mode,
            &to.resource.type_name,
            block.span,
        ) {
            Ok(p) => p,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        // The target resource's provider configuration.
        let address = match stack
            .config
            .resources
            .iter()
            .find(|r| resource_addr(r) == to.resource)
            .map(|r| resource_provider(r, provider.name()))
            .unwrap_or_else(|| Ok(provider_address(provider.name())))
            .and_then(|a| provider_instance(registry, &a, block.span).map(|p| (a, p)))
        {
            Ok(found) => found,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let (address, provider) = address;
        match provider.import(&to.resource.type_name, &id).await {
            Ok(value) => {
                prior.insert(
                    to.clone(),
                    PriorInstance {
                        value: mark_schema_sensitive(&schema, value),
                        dependencies: vec![],
                        provider: address,
                        create_before_destroy: false,
                        changed: true,
                    },
                );
                importing.insert(to, id);
            }
            Err(e) => diagnostics.push(Diagnostic::error(
                strata_types::codes::IMPORT_FAILED,
                "Import failed",
                format!("{to} (id {id:?}): {e}"),
                block.span,
            )),
        }
    }
    importing
}

/// The resource address written as attribute `name` (`to = aws_s3_bucket.a`).
fn address_attribute(
    stack: &LoadedStack,
    body: &strata_lang::ast::Body,
    name: &str,
) -> Option<InstanceAddr> {
    let a = body.attribute(name)?;
    InstanceAddr::parse(stack.sources.text(a.expr.span).trim())
}

/// Instances to forget (`removed` with `destroy = false`) and to destroy
/// (`removed` with destroy).
fn removed_blocks(stack: &LoadedStack) -> Vec<(ResourceAddr, bool)> {
    let mut out = Vec::new();
    for block in stack
        .config
        .other
        .iter()
        .filter(|b| b.type_name == "removed")
    {
        let Some(from) = address_attribute(stack, &block.body, "from") else {
            continue;
        };
        let destroy = block
            .body
            .blocks_of("lifecycle")
            .filter_map(|l| l.body.attribute("destroy"))
            .find_map(|a| match &a.expr.kind {
                ExprKind::Literal(v) => v.as_bool(),
                _ => None,
            })
            .unwrap_or(true);
        out.push((from.resource, destroy));
    }
    out
}

/// Builds the configuration graph and returns its nodes in evaluation
/// order, or the diagnostic for a cycle.
fn evaluation_order(config: &Config) -> Result<Vec<Node>, Diagnostic> {
    let mut graph: DiGraph<Node, ()> = DiGraph::new();
    let mut index: HashMap<Node, NodeIndex> = HashMap::new();
    let mut add = |n: Node, graph: &mut DiGraph<Node, ()>| {
        *index.entry(n).or_insert_with(|| graph.add_node(n))
    };
    let locals: HashMap<&str, usize> = config
        .locals
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.as_str(), i))
        .collect();
    let resources: HashMap<ResourceAddr, usize> = config
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (resource_addr(r), i))
        .collect();
    let modules: HashMap<&str, usize> = config
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    let mut edges = Vec::new();
    let link = |to: Node, refs: Vec<Reference>, edges: &mut Vec<(Node, Node)>| {
        for r in refs {
            let from = match r {
                Reference::Local(n) => locals.get(n.as_str()).map(|&i| Node::Local(i)),
                Reference::Resource(a, _) => resources.get(&a).map(|&i| Node::Resource(i)),
                Reference::Module(n) => modules.get(n.as_str()).map(|&i| Node::Module(i)),
            };
            if let Some(from) = from {
                edges.push((from, to));
            }
        }
    };
    // Pass 1: locals. Pass 2: resources (references, depends_on). Pass 3: outputs.
    for (i, l) in config.locals.iter().enumerate() {
        link(Node::Local(i), references(&l.expr), &mut edges);
    }
    for (i, r) in config.resources.iter().enumerate() {
        let mut refs = Vec::new();
        body_references(&r.body, &mut refs);
        link(Node::Resource(i), refs, &mut edges);
    }
    for (i, o) in config.outputs.iter().enumerate() {
        let mut refs = Vec::new();
        body_references(&o.body, &mut refs);
        link(Node::Output(i), refs, &mut edges);
    }
    // Pass 4: module calls (their arguments, count/for_each, depends_on).
    for (i, m) in config.modules.iter().enumerate() {
        let mut refs = Vec::new();
        body_references(&m.body, &mut refs);
        link(Node::Module(i), refs, &mut edges);
    }
    for i in 0..config.locals.len() {
        add(Node::Local(i), &mut graph);
    }
    for i in 0..config.resources.len() {
        add(Node::Resource(i), &mut graph);
    }
    for i in 0..config.outputs.len() {
        add(Node::Output(i), &mut graph);
    }
    for i in 0..config.modules.len() {
        add(Node::Module(i), &mut graph);
    }
    for (from, to) in edges {
        let (a, b) = (add(from, &mut graph), add(to, &mut graph));
        graph.update_edge(a, b, ());
    }
    match petgraph::algo::toposort(&graph, None) {
        Ok(order) => Ok(order.into_iter().map(|n| graph[n]).collect()),
        Err(cycle) => {
            let start = graph[cycle.node_id()];
            let sccs = petgraph::algo::tarjan_scc(&graph);
            let members = sccs
                .into_iter()
                .find(|c| c.contains(&cycle.node_id()))
                .unwrap_or_default();
            let describe = |n: Node| match n {
                Node::Local(i) => format!("local.{}", config.locals[i].name),
                Node::Resource(i) => resource_addr(&config.resources[i]).to_string(),
                Node::Output(i) => format!("output.{}", config.outputs[i].name),
                Node::Module(i) => format!("module.{}", config.modules[i].name),
            };
            let mut names: Vec<String> = members.iter().map(|&n| describe(graph[n])).collect();
            names.sort();
            let span = match start {
                Node::Local(i) => config.locals[i].name_span,
                Node::Resource(i) => config.resources[i].span,
                Node::Output(i) => config.outputs[i].span,
                Node::Module(i) => config.modules[i].span,
            };
            Err(Diagnostic::error(
                strata_types::codes::CYCLE_IN_THE_CONFIGURATION,
                "Cycle in the configuration",
                format!("These objects refer to each other in a cycle: {}. Break the cycle by removing one of the references.", names.join(", ")),
                span,
            ))
        }
    }
}

/// A relative directory as `path.module` shows it (`modules/app`).
pub(crate) fn clean_relative(p: &std::path::Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Instance keys with their `each.value`.
type Expansion = Vec<(InstanceKey, Option<Value>)>;

/// The instance keys of a resource: from `count`, `for_each`, or one
/// unkeyed instance. `None` when the expansion is unknown.
///
/// `count` is bounded by [`MAX_COUNT`]: a typo such as `1e9` is an error
/// rather than an attempt to plan a billion instances.
fn expand(
    body: &strata_lang::ast::Body,
    roots: &HashMap<String, Value>,
    env: &FunctionEnv,
) -> Result<Option<Expansion>, Diagnostic> {
    let ctx = EvalContext {
        variables: roots,
        overlay: None,
        env,
    };
    if let Some(count) = body.attribute("count") {
        let v = evaluate(&count.expr, &ctx)?;
        if v.is_unknown() {
            return Ok(None);
        }
        let v = strata_lang::convert::convert(&v, &Type::Number).unwrap_or(v);
        let n = v
            .as_number()
            .and_then(|n| n.to_i64())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                Diagnostic::error(
                    strata_types::codes::INVALID_COUNT_ARGUMENT,
                    "Invalid count argument",
                    "The \"count\" argument must be a whole number, zero or more.",
                    count.expr.span,
                )
            })?;
        if n > MAX_COUNT {
            return Err(Diagnostic::error(
                strata_types::codes::INVALID_COUNT_ARGUMENT,
                "Invalid count argument",
                format!("The \"count\" argument is {n}; one resource or module call can have at most {MAX_COUNT} instances. Split it, or check the expression."),
                count.expr.span,
            ));
        }
        return Ok(Some((0..n).map(|i| (InstanceKey::Int(i), None)).collect()));
    }
    if let Some(for_each) = body.attribute("for_each") {
        let v = evaluate(&for_each.expr, &ctx)?;
        // The keys must be known; a map's values may still be unknown.
        let keys_known = match &v.kind {
            Kind::Unknown(_) => false,
            Kind::Set(_, items) => items.iter().all(Value::is_wholly_known),
            _ => true,
        };
        if !keys_known {
            return Ok(None);
        }
        if v.sensitive {
            return Err(Diagnostic::error(
                strata_types::codes::INVALID_FOR_EACH,
                "Invalid for_each argument",
                "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments: the keys would appear in addresses.",
                for_each.expr.span,
            ));
        }
        return match &v.kind {
            Kind::Map(_, m) | Kind::Object(m) => Ok(Some(m.iter().map(|(k, x)| (InstanceKey::Str(k.clone()), Some(x.clone()))).collect())),
            Kind::Set(_, items) => {
                let mut out = Vec::new();
                for item in items {
                    match item.as_str() {
                        Some(s) => out.push((InstanceKey::Str(s.to_string()), Some(item.clone()))),
                        None => {
                            return Err(Diagnostic::error(
                                strata_types::codes::INVALID_FOR_EACH,
                                "Invalid for_each set argument",
                                "The given \"for_each\" argument value is unsuitable: \"for_each\" supports sets of strings, but you have provided a set containing other types.",
                                for_each.expr.span,
                            ))
                        }
                    }
                }
                Ok(Some(out))
            }
            _ => Err(Diagnostic::error(
                strata_types::codes::INVALID_FOR_EACH,
                "Invalid for_each argument",
                format!(
                    "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.",
                    v.ty().friendly_name()
                ),
                for_each.expr.span,
            )),
        };
    }
    Ok(Some(vec![(InstanceKey::None, None)]))
}

/// The value other expressions see for a resource: one instance's object,
/// a tuple for `count`, an object by key for `for_each`.
pub(crate) fn resource_value(
    r: &strata_lang::config::Resource,
    instances: &BTreeMap<InstanceKey, Value>,
) -> Value {
    expansion_value(
        &r.body,
        instances.iter().map(|(k, v)| (k.clone(), v.clone())),
        || Value::unknown(Type::Dynamic),
    )
}

/// The value of a block expanded by `count` or `for_each` (a resource or
/// a module call), from its instances in key order: a tuple for `count`,
/// an object by key for `for_each`, else the one instance (`missing()`
/// when there is none).
pub(crate) fn expansion_value(
    body: &strata_lang::ast::Body,
    instances: impl IntoIterator<Item = (InstanceKey, Value)>,
    missing: impl FnOnce() -> Value,
) -> Value {
    if body.attribute("count").is_some() {
        Value::tuple(instances.into_iter().map(|(_, v)| v).collect())
    } else if body.attribute("for_each").is_some() {
        Value::object(
            instances
                .into_iter()
                .map(|(k, v)| match k {
                    InstanceKey::Str(s) => (s, v),
                    k => (k.to_string(), v),
                })
                .collect(),
        )
    } else {
        instances
            .into_iter()
            .next()
            .map(|(_, v)| v)
            .unwrap_or_else(missing)
    }
}

pub(crate) fn set_resource_root(
    roots: &mut HashMap<String, Value>,
    addr: &ResourceAddr,
    value: Value,
) {
    let (root, key) = match addr.mode {
        Mode::Data => (
            "data".to_string(),
            vec![addr.type_name.clone(), addr.name.clone()],
        ),
        Mode::Managed => (addr.type_name.clone(), vec![addr.name.clone()]),
    };
    let entry = roots.entry(root).or_insert_with(Value::empty_object);
    insert_path(entry, &key, value);
}

/// The value of a resource in `roots`, if it is there.
pub(crate) fn resource_root_mut<'a>(
    roots: &'a mut HashMap<String, Value>,
    addr: &ResourceAddr,
) -> Option<&'a mut Value> {
    let object = |v: &'a mut Value, key: &str| match &mut v.kind {
        Kind::Object(m) => m.get_mut(key),
        _ => None,
    };
    match addr.mode {
        Mode::Data => {
            object(roots.get_mut("data")?, &addr.type_name).and_then(|v| object(v, &addr.name))
        }
        Mode::Managed => object(roots.get_mut(&addr.type_name)?, &addr.name),
    }
}

fn insert_path(target: &mut Value, path: &[String], value: Value) {
    if !matches!(target.kind, Kind::Object(_)) {
        *target = Value::empty_object();
    }
    let Kind::Object(m) = &mut target.kind else {
        return;
    };
    if path.len() == 1 {
        m.insert(path[0].clone(), value);
    } else {
        let child = m.entry(path[0].clone()).or_insert_with(Value::empty_object);
        insert_path(child, &path[1..], value);
    }
}

struct Lifecycle {
    create_before_destroy: bool,
    prevent_destroy: bool,
    ignore_changes: Vec<String>,
    ignore_all: bool,
    replace_triggered_by: Vec<Expr>,
}

fn lifecycle(r: &strata_lang::config::Resource) -> Lifecycle {
    let mut l = Lifecycle {
        create_before_destroy: false,
        prevent_destroy: false,
        ignore_changes: vec![],
        ignore_all: false,
        replace_triggered_by: vec![],
    };
    for block in r.body.blocks_of("lifecycle") {
        let flag = |name: &str| {
            block.body.attribute(name).and_then(|a| match &a.expr.kind {
                ExprKind::Literal(v) => v.as_bool(),
                _ => None,
            })
        };
        l.create_before_destroy |= flag("create_before_destroy").unwrap_or(false);
        l.prevent_destroy |= flag("prevent_destroy").unwrap_or(false);
        if let Some(a) = block.body.attribute("ignore_changes") {
            match &a.expr.kind {
                ExprKind::Tuple(items) => {
                    for item in items {
                        if let Some((root, _)) = item.as_traversal() {
                            l.ignore_changes.push(root.to_string());
                        }
                    }
                }
                ExprKind::Variable(v) if v == "all" => l.ignore_all = true,
                _ => {}
            }
        }
        if let Some(a) = block.body.attribute("replace_triggered_by") {
            if let ExprKind::Tuple(items) = &a.expr.kind {
                l.replace_triggered_by.extend(items.iter().cloned());
            }
        }
    }
    l
}

/// Decides the action from the prior and planned values.
fn decide(prior: &Value, planned: &Value, requires_replace: &[Vec<String>], cbd: bool) -> Action {
    if prior.is_null() {
        return Action::Create;
    }
    if planned.is_null() {
        return Action::Delete;
    }
    if !requires_replace.is_empty() {
        return if cbd {
            Action::CreateThenDelete
        } else {
            Action::DeleteThenCreate
        };
    }
    if strata_lang::eval::equals(&prior.unmark_deep().0, &planned.unmark_deep().0) == Some(true) {
        Action::NoOp
    } else {
        Action::Update
    }
}

fn replace_action(cbd: bool) -> Action {
    if cbd {
        Action::CreateThenDelete
    } else {
        Action::DeleteThenCreate
    }
}

pub struct PlanResult {
    pub plan: Option<Plan>,
    pub diagnostics: Diagnostics,
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
    } = *stack;
    let mut diagnostics = Diagnostics::default();
    let ctx = Context::new(stack, env, registry);
    let lineage = prior_state.as_ref().map(|s| s.lineage.clone());
    let serial = prior_state.as_ref().map(|s| s.serial);
    let mut state = prior_state.unwrap_or_else(State::fresh);
    let mut prior = decode_state(&state, registry, &mut diagnostics);
    apply_moves(stack, &mut prior, &mut diagnostics);
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
        };
    }
    // Refresh: read every instance through its provider, a type at a time.
    let mut drift: HashMap<InstanceAddr, Vec<String>> = HashMap::new();
    if options.refresh {
        let mut by_type: BTreeMap<(Mode, String, String), Vec<InstanceAddr>> = BTreeMap::new();
        for (addr, p) in prior
            .iter()
            .filter(|(a, _)| a.resource.mode == Mode::Managed)
        {
            by_type
                .entry((
                    addr.resource.mode,
                    addr.resource.type_name.clone(),
                    p.provider.clone(),
                ))
                .or_default()
                .push(addr.clone());
        }
        for ((mode, type_name, address), addrs) in by_type {
            let Ok((_, schema)) = provider_for(registry, mode, &type_name, Span::default()) else {
                continue;
            };
            let provider = match provider_instance(registry, &address, Span::default()) {
                Ok(p) => p,
                Err(d) => {
                    diagnostics.push(d);
                    continue;
                }
            };
            let states: Vec<Value> = addrs
                .iter()
                .map(|a| prior[a].value.unmark_deep().0)
                .collect();
            match provider.read_many(&type_name, &states).await {
                Ok(results) => {
                    for (addr, result) in addrs.into_iter().zip(results) {
                        match result {
                            None => {
                                drift.insert(addr.clone(), vec!["(deleted)".into()]);
                                prior.remove(&addr);
                            }
                            Some(fresh) => {
                                // A refreshed object keeps the sensitive marks it had.
                                let marks =
                                    crate::schema_json::sensitive_paths(&prior[&addr].value);
                                let fresh = apply_sensitive_paths(
                                    mark_schema_sensitive(&schema, fresh),
                                    &marks,
                                );
                                let changed = changed_attributes(&prior[&addr].value, &fresh);
                                if !changed.is_empty() {
                                    drift.insert(addr.clone(), changed);
                                }
                                if let Some(p) = prior.get_mut(&addr) {
                                    p.changed |= p.value != fresh;
                                    p.value = fresh;
                                }
                            }
                        }
                    }
                }
                Err(e) => diagnostics.push(Diagnostic::global(
                    strata_types::codes::REFRESH_FAILED,
                    "Refresh failed",
                    format!("Reading {type_name} instances: {e}"),
                )),
            }
        }
    }
    if diagnostics.has_errors() {
        return PlanResult {
            plan: None,
            diagnostics,
        };
    }
    let targets = TargetFilter::new(stack, options);
    let mut planner = Planner {
        ctx,
        options,
        targets,
        prior,
        drift,
        changes: Vec::new(),
        change_index: HashMap::new(),
        configured: HashSet::new(),
        planned_modules: HashSet::new(),
        expanded: HashMap::new(),
        instance_refs: HashMap::new(),
        module_contents: HashMap::new(),
        importing,
        data: Vec::new(),
        diagnostics,
    };
    let root = ModuleRef {
        config: &stack.config,
        children: &stack.children,
    };
    let mut roots = planner
        .plan_module(Vec::new(), root, evaluated.variables.clone(), Vec::new())
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
        ..
    } = planner;
    let locals = match roots.remove("local") {
        Some(Value {
            kind: Kind::Object(m),
            ..
        }) => m,
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
        for reference in &r.refs {
            match reference {
                Reference::Resource(a, key) => {
                    let a = a.clone().in_module(&r.module);
                    for k in expanded.get(&a).cloned().unwrap_or_default() {
                        if key.as_ref().is_none_or(|want| *want == k) {
                            deps.insert(
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
                    if let Some(contents) = module_contents.get(&(r.module.clone(), name.clone())) {
                        deps.extend(contents.iter().cloned());
                    }
                }
                Reference::Local(_) => {}
            }
        }
        // depends_on
        let c = &changes[*index];
        if let Some(res) = ctx.resource(&c.addr.resource) {
            if let Some(a) = res.body.attribute("depends_on") {
                for dep in references(&a.expr) {
                    match dep {
                        Reference::Resource(ra, _) => {
                            let ra = ra.in_module(&r.module);
                            for k in expanded.get(&ra).cloned().unwrap_or_default() {
                                deps.insert(
                                    InstanceAddr {
                                        resource: ra.clone(),
                                        key: k,
                                    }
                                    .to_string(),
                                );
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
    // Outputs.
    roots.insert("local".into(), Value::object(locals));
    let mut outputs = Vec::new();
    for o in &stack.config.outputs {
        let Some(expr) = &o.value else { continue };
        let after = if options.destroy {
            None
        } else {
            match evaluate(
                expr,
                &EvalContext {
                    variables: &roots,
                    overlay: None,
                    env,
                },
            ) {
                Ok(v) => {
                    if v.contains_sensitive() && !o.sensitive {
                        diagnostics.push(Diagnostic::error(
                            strata_types::codes::OUTPUT_REFERS_TO_SENSITIVE_VALUES,
                            "Output refers to sensitive values",
                            "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Strata requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent. Add sensitive = true to the output block.",
                            expr.span,
                        ));
                    }
                    Some(v)
                }
                Err(d) => {
                    diagnostics.push(d);
                    None
                }
            }
        };
        let before = state.outputs.get(&o.name).and_then(|s| {
            let ty = strata_types::json::type_from_json(&s.ty).ok()?;
            strata_types::json::value_from_json(&s.value, &ty).ok()
        });
        let action = match (&before, &after) {
            (None, None) => Action::NoOp,
            (None, Some(_)) => Action::Create,
            (Some(_), None) => Action::Delete,
            (Some(b), Some(a)) => {
                if a.is_wholly_known()
                    && strata_lang::eval::equals(&b.unmark_deep().0, &a.unmark_deep().0)
                        == Some(true)
                {
                    Action::NoOp
                } else {
                    Action::Update
                }
            }
        };
        outputs.push(OutputChange {
            name: o.name.clone(),
            action,
            before: before.as_ref().map(EncodedValue::encode),
            after: after
                .as_ref()
                .map(|v| EncodedValue::encode(&v.clone().mark_sensitive(o.sensitive))),
            sensitive: o.sensitive,
        });
    }
    for (name, _) in state
        .outputs
        .iter()
        .filter(|(n, _)| !stack.config.outputs.iter().any(|o| &o.name == *n))
    {
        outputs.push(OutputChange {
            name: name.clone(),
            action: Action::Delete,
            before: None,
            after: None,
            sensitive: false,
        });
    }
    // check blocks: failed assertions are warnings, as in Terraform.
    for block in stack.config.other.iter().filter(|b| b.type_name == "check") {
        let name = block
            .labels
            .first()
            .map(|l| l.value.clone())
            .unwrap_or_default();
        for assert in block.body.blocks_of("assert") {
            let Some(condition) = assert.body.attribute("condition") else {
                continue;
            };
            let ctx = EvalContext {
                variables: &roots,
                overlay: None,
                env,
            };
            let failed = match evaluate(&condition.expr, &ctx) {
                Ok(v) => v.as_bool() == Some(false),
                Err(_) => true,
            };
            if failed {
                let message = assert
                    .body
                    .attribute("error_message")
                    .and_then(|m| evaluate(&m.expr, &ctx).ok())
                    .and_then(|m| {
                        if m.sensitive {
                            None
                        } else {
                            m.as_str().map(str::to_string)
                        }
                    })
                    .unwrap_or_else(|| "The assertion is false.".into());
                diagnostics.push(Diagnostic::warning(
                    "W401",
                    "Check block assertion failed",
                    format!("check.{name}: {message}"),
                    condition.expr.span,
                ));
            }
        }
    }
    if options.refresh_only {
        for c in &mut changes {
            c.action = Action::NoOp;
        }
    }
    let graph = execution_graph(&changes);
    crate::apply::write_prior_into_state(&mut state, &prior, registry);
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
    let plan = Plan {
        format_version: "1".into(),
        strata_version: env!("CARGO_PKG_VERSION").into(),
        lineage,
        serial,
        destroy: options.destroy,
        variables,
        changes,
        outputs,
        prior_state: state,
        graph,
        errored,
        data,
        cost: None,
        policy: Vec::new(),
    };
    PlanResult {
        plan: if errored { None } else { Some(plan) },
        diagnostics,
    }
}

/// Attributes whose values differ between two versions of an object.
fn changed_attributes(before: &Value, after: &Value) -> Vec<String> {
    match (&before.kind, &after.kind) {
        (Kind::Object(a), Kind::Object(b)) => a
            .iter()
            .filter(|(k, v)| {
                b.get(*k).is_none_or(|w| {
                    strata_lang::eval::equals(&v.unmark_deep().0, &w.unmark_deep().0) != Some(true)
                })
            })
            .map(|(k, _)| k.clone())
            .collect(),
        _ => vec![],
    }
}

/// Carries sensitive marks from configuration onto the planned value.
fn copy_marks(planned: Value, config: &Value) -> Value {
    match (&config.kind, planned.kind) {
        (Kind::Object(c), Kind::Object(p)) => Value::object(
            p.into_iter()
                .map(|(k, v)| {
                    let s = c.get(&k).is_some_and(|x| x.contains_sensitive());
                    (k, v.mark_sensitive(s))
                })
                .collect(),
        ),
        (_, kind) => Value {
            kind,
            sensitive: planned.sensitive,
        },
    }
}

fn apply_ignore_changes(config: &Value, prior: &Value, lc: &Lifecycle) -> Value {
    if prior.is_null() || (lc.ignore_changes.is_empty() && !lc.ignore_all) {
        return config.clone();
    }
    match (&config.kind, &prior.kind) {
        (Kind::Object(c), Kind::Object(p)) => Value::object(
            c.iter()
                .map(|(k, v)| {
                    let ignored = lc.ignore_all || lc.ignore_changes.iter().any(|i| i == k);
                    (
                        k.clone(),
                        if ignored {
                            p.get(k).cloned().unwrap_or_else(|| v.clone())
                        } else {
                            v.clone()
                        },
                    )
                })
                .collect(),
        ),
        _ => config.clone(),
    }
}

enum DataResult {
    Read(Value),
    Deferred(Value),
}

#[allow(clippy::too_many_arguments)]
async fn plan_data_source(
    provider: &dyn Provider,
    schema: &Schema,
    type_name: &str,
    config: &Value,
    addr: &InstanceAddr,
    refs: &[Reference],
    change_index: &HashMap<InstanceAddr, usize>,
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
        return DataResult::Deferred(Value::unknown(schema.object_type()));
    }
    match provider
        .read_data_source(type_name, &config.unmark_deep().0)
        .await
    {
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

/// The execution graph over changes: a change waits for the changes of
/// what it depends on; a delete waits for the deletes of what depends on
/// it; create_before_destroy replacements create first.
pub(crate) fn execution_graph(changes: &[ResourceChange]) -> Vec<Edge> {
    let index: HashMap<String, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.addr.to_string(), i))
        .collect();
    let mut edges = Vec::new();
    for (to, c) in changes.iter().enumerate() {
        if matches!(c.action, Action::NoOp | Action::Forget) {
            continue;
        }
        for dep in &c.dependencies {
            let Some(&from) = index.get(dep) else {
                continue;
            };
            let d = &changes[from];
            if matches!(d.action, Action::NoOp | Action::Forget) {
                continue;
            }
            match (c.action, d.action) {
                // Deleting a dependent must come before deleting what it
                // depends on.
                (Action::Delete, Action::Delete) => edges.push(Edge { from: to, to: from }),
                (Action::Delete, _) => {}
                (_, Action::Delete) => edges.push(Edge { from: to, to: from }),
                _ => edges.push(Edge { from, to }),
            }
        }
    }
    edges.sort_by_key(|e| (e.from, e.to));
    edges.dedup();
    edges
}

/// `--target` and `--exclude`.
struct TargetFilter {
    include: Option<HashSet<ResourceAddr>>,
    include_instances: Vec<InstanceAddr>,
    exclude: Vec<InstanceAddr>,
}

impl TargetFilter {
    fn new(stack: &LoadedStack, options: &PlanOptions) -> TargetFilter {
        let include = if options.targets.is_empty() {
            None
        } else {
            // Targets and everything they depend on.
            let mut set: HashSet<ResourceAddr> =
                options.targets.iter().map(|t| t.resource.clone()).collect();
            let mut changed = true;
            while changed {
                changed = false;
                for r in &stack.config.resources {
                    if !set.contains(&resource_addr(r)) {
                        continue;
                    }
                    let mut refs = Vec::new();
                    body_references(&r.body, &mut refs);
                    for rf in refs {
                        if let Reference::Resource(a, _) = rf {
                            changed |= set.insert(a);
                        }
                    }
                }
            }
            Some(set)
        };
        TargetFilter {
            include,
            include_instances: options.targets.clone(),
            exclude: options.excludes.clone(),
        }
    }

    fn includes_resource(&self, addr: &ResourceAddr) -> bool {
        if self
            .exclude
            .iter()
            .any(|e| e.resource == *addr && e.key == InstanceKey::None)
        {
            return false;
        }
        self.include.as_ref().is_none_or(|s| s.contains(addr))
    }

    fn includes_instance(&self, addr: &InstanceAddr) -> bool {
        if self
            .exclude
            .iter()
            .any(|e| e == addr || (e.resource == addr.resource && e.key == InstanceKey::None))
        {
            return false;
        }
        match &self.include {
            None => true,
            Some(set) => set.contains(&addr.resource) || self.include_instances.contains(addr),
        }
    }
}

/// The references of one planned instance, resolved into dependencies
/// once every resource is expanded.
struct InstanceRefs {
    module: ModulePath,
    refs: Vec<Reference>,
    /// Dependencies every instance of the module has (what its call's
    /// arguments refer to).
    inherited: Vec<String>,
}

/// A module's configuration with its child modules and directory.
#[derive(Clone, Copy)]
pub(crate) struct ModuleRef<'a> {
    pub config: &'a Config,
    pub children: &'a BTreeMap<String, ChildModule>,
}

struct Planner<'a> {
    ctx: Context<'a>,
    options: &'a PlanOptions,
    targets: TargetFilter,
    prior: BTreeMap<InstanceAddr, PriorInstance>,
    drift: HashMap<InstanceAddr, Vec<String>>,
    changes: Vec<ResourceChange>,
    change_index: HashMap<InstanceAddr, usize>,
    configured: HashSet<InstanceAddr>,
    planned_modules: HashSet<ModulePath>,
    expanded: HashMap<ResourceAddr, Vec<InstanceKey>>,
    instance_refs: HashMap<usize, InstanceRefs>,
    /// Instances inside each module call, by (calling module, call name).
    module_contents: HashMap<(ModulePath, String), Vec<String>>,
    /// Instances brought in by `import` blocks, with their ids.
    importing: HashMap<InstanceAddr, String>,
    /// Data sources read while planning.
    data: Vec<crate::plan::DataValue>,
    diagnostics: Diagnostics,
}

impl<'a> Planner<'a> {
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
            let order = match evaluation_order(module.config) {
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
                        .collect(),
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
                    Node::Resource(i) => {
                        let r = &module.config.resources[i];
                        let addr = resource_addr(r).in_module(&path);
                        if !self.targets.includes_resource(&addr) {
                            // Untargeted: keep what the state says.
                            let instances: BTreeMap<InstanceKey, Value> = self
                                .prior
                                .iter()
                                .filter(|(a, _)| a.resource == addr)
                                .map(|(a, p)| (a.key.clone(), p.value.clone()))
                                .collect();
                            for a in self.prior.keys().filter(|a| a.resource == addr) {
                                self.configured.insert(a.clone());
                            }
                            set_resource_root(&mut roots, &addr, resource_value(r, &instances));
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
                            match resource_provider(r, provider.name()).and_then(|a| {
                                provider_instance(self.ctx.registry, &a, r.span).map(|p| (a, p))
                            }) {
                                Ok(found) => found,
                                Err(d) => {
                                    self.diagnostics.push(d);
                                    continue;
                                }
                            };
                        let (provider_addr, provider) = provider_addr;
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
                        for (key, each_value) in keys {
                            let iaddr = InstanceAddr {
                                resource: addr.clone(),
                                key: key.clone(),
                            };
                            self.configured.insert(iaddr.clone());
                            let scope = BodyScope::for_instance(&key, each_value.as_ref());
                            let failed_preconditions = crate::eval_body::check_conditions(
                                &r.body,
                                "precondition",
                                &roots,
                                &scope,
                                None,
                                env,
                                &iaddr.to_string(),
                            );
                            if !failed_preconditions.is_empty() {
                                self.diagnostics.extend(Diagnostics(failed_preconditions));
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
                                self.diagnostics.push(Diagnostic::error(
                                    strata_types::codes::INVALID_RESOURCE_CONFIGURATION,
                                    "Invalid resource configuration",
                                    format!("{iaddr}: {problem}"),
                                    r.span,
                                ));
                            }
                            let mut refs = Vec::new();
                            body_references(&r.body, &mut refs);
                            if addr.mode == Mode::Data {
                                let value = plan_data_source(
                                    provider.as_ref(),
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
                                            dependencies: vec![],
                                            create_before_destroy: false,
                                            drift: vec![],
                                            importing: None,
                                        });
                                        self.change_index.insert(iaddr.clone(), index);
                                        self.instance_refs.insert(
                                            index,
                                            InstanceRefs {
                                                module: path.clone(),
                                                refs,
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
                            let response = provider
                                .plan(PlanRequest {
                                    type_name: &addr.type_name,
                                    prior: &prior_value,
                                    proposed: &proposed,
                                    config: &config,
                                })
                                .await;
                            let response = match response {
                                Ok(r) => r,
                                Err(e) => {
                                    self.diagnostics.push(Diagnostic::error(
                                        strata_types::codes::PROVIDER_PLAN_FAILED,
                                        "Provider failed to plan",
                                        format!("{iaddr}: {e}"),
                                        r.span,
                                    ));
                                    values.insert(key, Value::unknown(Type::Dynamic));
                                    continue;
                                }
                            };
                            let mut planned = mark_schema_sensitive(
                                &schema,
                                copy_marks(response.planned, &config),
                            );
                            // Postconditions that can be decided now fail the plan.
                            let failed = crate::eval_body::check_conditions(
                                &r.body,
                                "postcondition",
                                &roots,
                                &scope,
                                Some(&planned),
                                env,
                                &iaddr.to_string(),
                            );
                            self.diagnostics.extend(Diagnostics(failed));
                            let mut action = decide(
                                &prior_value,
                                &planned,
                                &response.requires_replace,
                                lc.create_before_destroy,
                            );
                            let mut reason = if action.is_replace() {
                                Some("replace_because_cannot_update".to_string())
                            } else {
                                None
                            };
                            let triggered = lc.replace_triggered_by.iter().any(|e| {
                                references(e).iter().any(|rf| match rf {
                                    Reference::Resource(a, k) => self.changes.iter().any(|c| {
                                        c.addr.resource == a.clone().in_module(&path)
                                            && k.as_ref().is_none_or(|k| c.addr.key == *k)
                                            && matches!(
                                                c.action,
                                                Action::Create
                                                    | Action::Update
                                                    | Action::DeleteThenCreate
                                                    | Action::CreateThenDelete
                                            )
                                    }),
                                    Reference::Local(_) | Reference::Module(_) => false,
                                })
                            });
                            if !prior_value.is_null()
                                && (triggered || self.options.replace.contains(&iaddr))
                            {
                                if !action.is_replace() {
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
                                            copy_marks(f.planned, &config),
                                        );
                                    }
                                }
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
                            self.changes.push(ResourceChange {
                                addr: iaddr.clone(),
                                provider: provider_addr.clone(),
                                action,
                                reason,
                                before: EncodedValue::encode(&prior_value),
                                after: EncodedValue::encode(&planned),
                                replace_paths: response.requires_replace.clone(),
                                dependencies: vec![],
                                create_before_destroy: lc.create_before_destroy,
                                drift: self.drift.remove(&iaddr).unwrap_or_default(),
                                importing: self.importing.remove(&iaddr),
                            });
                            self.change_index.insert(iaddr.clone(), index);
                            self.instance_refs.insert(
                                index,
                                InstanceRefs {
                                    module: path.clone(),
                                    refs,
                                    inherited: inherited.clone(),
                                },
                            );
                            values.insert(key, planned);
                        }
                        set_resource_root(&mut roots, &addr, resource_value(r, &values));
                    }
                }
            }

            roots
        })
    }

    /// Plans every instance of a module call and exposes its outputs to
    /// the calling module as `module.NAME`.
    async fn plan_module_call(
        &mut self,
        path: &ModulePath,
        module: ModuleRef<'a>,
        i: usize,
        roots: &mut HashMap<String, Value>,
        inherited: &[String],
    ) {
        let env = self.ctx.env;
        let call = &module.config.modules[i];
        // A call whose source failed to load was reported while loading.
        let Some(child) = module.children.get(&call.name) else {
            return;
        };
        let child_ref = ModuleRef {
            config: &child.config,
            children: &child.children,
        };
        let keys = match expand(&call.body, roots, env) {
            Ok(Some(k)) => k,
            Ok(None) => {
                self.diagnostics.push(Diagnostic::error(
                    strata_types::codes::INVALID_REPETITION_ARGUMENT,
                    "Invalid count or for_each argument",
                    format!("The number of instances of module \"{}\" depends on values that cannot be determined until apply.", call.name),
                    call.span,
                ));
                return;
            }
            Err(d) => {
                self.diagnostics.push(d);
                return;
            }
        };
        let mut refs = Vec::new();
        body_references(&call.body, &mut refs);
        let mut call_deps: Vec<String> = inherited.to_vec();
        call_deps.extend(self.resolve(path, &refs));
        let mut outputs_by_key: BTreeMap<InstanceKey, Value> = BTreeMap::new();
        for (key, each_value) in keys {
            let mut child_path = path.clone();
            child_path.push(ModuleStep {
                name: call.name.clone(),
                key: key.clone(),
            });
            let scope = BodyScope::for_instance(&key, each_value.as_ref());
            let Some(vars) = self.module_variables(call, child_ref, roots, &scope) else {
                continue;
            };
            let mut child_roots = HashMap::new();
            child_roots.insert("var".to_string(), Value::object(vars));
            let relative = child
                .dir
                .strip_prefix(self.ctx.stack.dir.as_path())
                .unwrap_or(&child.dir);
            let relative = crate::planner::clean_relative(relative);
            let mut path_obj = match roots.get("path") {
                Some(Value {
                    kind: Kind::Object(m),
                    ..
                }) => m.clone(),
                _ => BTreeMap::new(),
            };
            path_obj.insert("module".into(), Value::string(relative));
            child_roots.insert("path".to_string(), Value::object(path_obj));
            if let Some(t) = roots.get("terraform") {
                child_roots.insert("terraform".to_string(), t.clone());
            }
            child_roots.insert("data".to_string(), Value::empty_object());
            self.planned_modules.insert(child_path.clone());
            let before = self.changes.len();
            let final_roots = self
                .plan_module(
                    child_path.clone(),
                    child_ref,
                    child_roots,
                    call_deps.clone(),
                )
                .await;
            let contents: Vec<String> = self.changes[before..]
                .iter()
                .map(|c| c.addr.to_string())
                .collect();
            self.module_contents
                .entry((path.clone(), call.name.clone()))
                .or_default()
                .extend(contents);
            let mut outputs = BTreeMap::new();
            for o in &child.config.outputs {
                let Some(expr) = &o.value else { continue };
                match evaluate(
                    expr,
                    &EvalContext {
                        variables: &final_roots,
                        overlay: None,
                        env,
                    },
                ) {
                    Ok(v) => {
                        outputs.insert(o.name.clone(), v.mark_sensitive(o.sensitive));
                    }
                    Err(d) => self.diagnostics.push(d),
                }
            }
            outputs_by_key.insert(key, Value::object(outputs));
        }
        let value = expansion_value(&call.body, outputs_by_key, Value::empty_object);
        let entry = roots
            .entry("module".into())
            .or_insert_with(Value::empty_object);
        if let Kind::Object(m) = &mut entry.kind {
            m.insert(call.name.clone(), value);
        }
    }

    /// The input variable values of one module instance, from the call's
    /// arguments and the variables' defaults.
    fn module_variables(
        &mut self,
        call: &strata_lang::config::ModuleCall,
        child: ModuleRef<'_>,
        roots: &HashMap<String, Value>,
        scope: &BodyScope,
    ) -> Option<BTreeMap<String, Value>> {
        module_variables(
            call,
            child,
            roots,
            scope,
            self.ctx.env,
            &mut self.diagnostics,
        )
    }
}

/// The input variable values of one module instance, from the call's
/// arguments and the variables' defaults; `None` after reporting errors.
pub(crate) fn module_variables(
    call: &strata_lang::config::ModuleCall,
    child: ModuleRef<'_>,
    roots: &HashMap<String, Value>,
    scope: &BodyScope,
    env: &FunctionEnv,
    diagnostics: &mut Diagnostics,
) -> Option<BTreeMap<String, Value>> {
    {
        const META: &[&str] = &[
            "source",
            "version",
            "providers",
            "count",
            "for_each",
            "depends_on",
        ];
        let ctx = EvalContext {
            variables: roots,
            overlay: Some(&scope.names),
            env,
        };
        let mut ok = true;
        for a in &call.body.attributes {
            if !META.contains(&a.name.as_str())
                && !child.config.variables.iter().any(|v| v.name == a.name)
            {
                let suggestion = strata_lang::suggest::did_you_mean(
                    &a.name,
                    child.config.variables.iter().map(|v| v.name.as_str()),
                );
                diagnostics.push(Diagnostic::error(
                    strata_types::codes::UNSUPPORTED_ARGUMENT,
                    "Unsupported argument",
                    format!("An argument named \"{}\" is not expected here: module \"{}\" declares no such variable.{suggestion}", a.name, call.name),
                    a.name_span,
                ));
                ok = false;
            }
        }
        let empty = HashMap::new();
        let default_ctx = EvalContext {
            variables: &empty,
            overlay: None,
            env,
        };
        let mut vars = BTreeMap::new();
        for v in &child.config.variables {
            let (raw, span) = match call.body.attribute(&v.name) {
                Some(a) => match evaluate(&a.expr, &ctx) {
                    Ok(x) => (x, a.expr.span),
                    Err(d) => {
                        diagnostics.push(d);
                        ok = false;
                        continue;
                    }
                },
                None => match &v.default {
                    Some(d) => match evaluate(d, &default_ctx) {
                        Ok(x) => (x, d.span),
                        Err(d) => {
                            diagnostics.push(d);
                            ok = false;
                            continue;
                        }
                    },
                    None => {
                        diagnostics.push(Diagnostic::error(
                            strata_types::codes::MISSING_REQUIRED_ARGUMENT,
                            "Missing required argument",
                            format!("The argument \"{}\" is required by module \"{}\", but no definition was found.", v.name, call.name),
                            call.span,
                        ));
                        ok = false;
                        continue;
                    }
                },
            };
            let value = match &v.constraint {
                Some(c) => match strata_lang::types::convert_to_constraint(&raw, c) {
                    Ok(x) => x,
                    Err(e) => {
                        diagnostics.push(Diagnostic::error(
                            strata_types::codes::INVALID_INPUT_VALUE,
                            "Invalid value for module argument",
                            format!("The given value is not suitable for variable \"{}\" of module \"{}\": {}.", v.name, call.name, e.describe()),
                            span,
                        ));
                        ok = false;
                        continue;
                    }
                },
                None => raw,
            };
            vars.insert(v.name.clone(), value.mark_sensitive(v.sensitive));
        }
        ok.then_some(vars)
    }
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
