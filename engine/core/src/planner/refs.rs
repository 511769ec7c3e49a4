//! References in expressions, and the order the configuration is
//! evaluated in (named passes over them; a cycle reported whole).

use super::*;

/// A node of the configuration graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Node {
    Local(usize),
    Resource(usize),
    Output(usize),
    Module(usize),
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
pub(super) fn reference_of(root: &str, steps: &[TraversalStep<'_>]) -> Option<Reference> {
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

pub(super) fn body_references(body: &strata_lang::ast::Body, out: &mut Vec<Reference>) {
    for a in &body.attributes {
        out.extend(references(&a.expr));
    }
    for b in &body.blocks {
        body_references(&b.body, out);
    }
}

/// Builds the configuration graph and returns its nodes in evaluation
/// order, or the diagnostic for a cycle.
pub(super) fn evaluation_order(config: &Config) -> Result<Vec<Node>, Diagnostic> {
    let (locals_n, resources_n, outputs_n) = (
        config.locals.len(),
        config.resources.len(),
        config.outputs.len(),
    );
    let mut graph: DiGraph<Node, ()> = DiGraph::with_capacity(
        locals_n + resources_n + outputs_n + config.modules.len(),
        resources_n,
    );
    // Every node is added below, in this order: its index is its place.
    let index = |n: Node| {
        NodeIndex::new(match n {
            Node::Local(i) => i,
            Node::Resource(i) => locals_n + i,
            Node::Output(i) => locals_n + resources_n + i,
            Node::Module(i) => locals_n + resources_n + outputs_n + i,
        })
    };
    let locals: HashMap<&str, usize> = config
        .locals
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.as_str(), i))
        .collect();
    let resources: crate::FastMap<ResourceAddr, usize> = config
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
    let nodes = (0..locals_n)
        .map(Node::Local)
        .chain((0..resources_n).map(Node::Resource))
        .chain((0..outputs_n).map(Node::Output))
        .chain((0..config.modules.len()).map(Node::Module));
    for n in nodes {
        let added = graph.add_node(n);
        debug_assert_eq!(added, index(n));
    }
    for (from, to) in edges {
        graph.update_edge(index(from), index(to), ());
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
