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
    /// The outputs of module call `i` made from its arguments alone
    /// (`output "name" { value = var.name }`), known before the call is
    /// planned: calls that read each other's such outputs are no cycle,
    /// as in Terraform, whose graph is one of variables and outputs.
    ModuleEarly(usize),
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
/// order, or the diagnostic for a cycle. A cycle through module calls is
/// looked at again with the calls' early outputs (see
/// [`Node::ModuleEarly`]) as nodes of their own.
pub(super) fn evaluation_order(module: ModuleRef<'_>) -> Result<Vec<Node>, Diagnostic> {
    let config = module.config;
    match order_with(config, &BTreeMap::new()) {
        Ok(order) => Ok(order),
        Err(cycle) if !config.modules.is_empty() => {
            let early: BTreeMap<usize, BTreeMap<String, BTreeSet<String>>> = config
                .modules
                .iter()
                .enumerate()
                .filter(|(_, call)| {
                    call.body.attribute("count").is_none()
                        && call.body.attribute("for_each").is_none()
                })
                .filter_map(|(i, call)| {
                    let child = module.children.get(&call.name)?;
                    let outputs = early_outputs(&child.config);
                    (!outputs.is_empty()).then_some((i, outputs))
                })
                .collect();
            if early.is_empty() {
                return Err(cycle);
            }
            order_with(config, &early).map_err(|_| cycle)
        }
        Err(cycle) => Err(cycle),
    }
}

/// The outputs of a module made from its variables alone (through its
/// locals), with the variables each reads.
pub(super) fn early_outputs(config: &Config) -> BTreeMap<String, BTreeSet<String>> {
    fn local_vars(
        config: &Config,
        name: &str,
        visiting: &mut HashSet<String>,
    ) -> Option<BTreeSet<String>> {
        let local = config.locals.iter().find(|l| l.name == name)?;
        if !visiting.insert(name.to_string()) {
            return None;
        }
        let vars = expr_vars(config, &local.expr, visiting);
        visiting.remove(name);
        vars
    }
    fn expr_vars(
        config: &Config,
        expr: &Expr,
        visiting: &mut HashSet<String>,
    ) -> Option<BTreeSet<String>> {
        let mut vars = variables_read(expr);
        for r in references(expr) {
            match r {
                Reference::Local(n) => vars.extend(local_vars(config, &n, visiting)?),
                Reference::Resource(..) | Reference::Module(_) => return None,
            }
        }
        Some(vars)
    }
    let mut out = BTreeMap::new();
    for o in &config.outputs {
        let Some(expr) = &o.value else { continue };
        // `depends_on` or a precondition on anything else waits for it.
        let mut others = Vec::new();
        body_references(&o.body, &mut others);
        if others
            .iter()
            .any(|r| matches!(r, Reference::Resource(..) | Reference::Module(_)))
        {
            continue;
        }
        if let Some(vars) = expr_vars(config, expr, &mut HashSet::new()) {
            out.insert(o.name.clone(), vars);
        }
    }
    out
}

/// The input variables an expression reads (`var.NAME`).
fn variables_read(expr: &Expr) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    expr.walk(&mut |e| {
        if let ExprKind::GetAttr(inner, name) = &e.kind {
            if matches!(&inner.kind, ExprKind::Variable(v) if v == "var") {
                out.insert(name.clone());
            }
        }
    });
    out
}

/// How an expression reads each module call: `Some(outputs)` when only
/// through `module.NAME.OUTPUT`, `None` when it reads the call whole.
fn module_reads_expr(expr: &Expr) -> HashMap<String, Option<BTreeSet<String>>> {
    let mut out: HashMap<String, Option<BTreeSet<String>>> = HashMap::new();
    // A traversal is taken whole, not again from each of its prefixes.
    expr.walk_pruned(&mut |e| {
        let Some((root, steps)) = e.as_traversal() else {
            return true;
        };
        let (true, Some(TraversalStep::Attr(call, _))) = (root == "module", steps.first()) else {
            return false;
        };
        let entry = out
            .entry(call.to_string())
            .or_insert_with(|| Some(BTreeSet::new()));
        match (entry, steps.get(1)) {
            (Some(outputs), Some(TraversalStep::Attr(output, _))) => {
                outputs.insert(output.to_string());
            }
            (entry, _) => *entry = None,
        }
        false
    });
    out
}

/// [`module_reads_expr`] over every expression of a body.
fn module_reads(body: &strata_lang::ast::Body) -> HashMap<String, Option<BTreeSet<String>>> {
    let mut out: HashMap<String, Option<BTreeSet<String>>> = HashMap::new();
    let mut merge = |reads: HashMap<String, Option<BTreeSet<String>>>| {
        for (call, read) in reads {
            match (
                out.entry(call).or_insert_with(|| Some(BTreeSet::new())),
                read,
            ) {
                (Some(outputs), Some(more)) => outputs.extend(more),
                (entry, _) => *entry = None,
            }
        }
    };
    fn walk(body: &strata_lang::ast::Body, merge: &mut dyn FnMut(&Expr)) {
        for a in &body.attributes {
            merge(&a.expr);
        }
        for b in &body.blocks {
            walk(&b.body, merge);
        }
    }
    walk(body, &mut |e| merge(module_reads_expr(e)));
    out
}

/// The evaluation order over the graph in which the module calls in
/// `early` have their early outputs as nodes of their own.
fn order_with(
    config: &Config,
    early: &BTreeMap<usize, BTreeMap<String, BTreeSet<String>>>,
) -> Result<Vec<Node>, Diagnostic> {
    let (locals_n, resources_n, outputs_n) = (
        config.locals.len(),
        config.resources.len(),
        config.outputs.len(),
    );
    let mut graph: DiGraph<Node, ()> = DiGraph::with_capacity(
        locals_n + resources_n + outputs_n + config.modules.len(),
        resources_n,
    );
    let modules_n = config.modules.len();
    let early_place: HashMap<usize, usize> =
        early.keys().enumerate().map(|(n, &i)| (i, n)).collect();
    // Every node is added below, in this order: its index is its place.
    let index = |n: Node| {
        NodeIndex::new(match n {
            Node::Local(i) => i,
            Node::Resource(i) => locals_n + i,
            Node::Output(i) => locals_n + resources_n + i,
            Node::Module(i) => locals_n + resources_n + outputs_n + i,
            Node::ModuleEarly(i) => {
                locals_n + resources_n + outputs_n + modules_n + early_place[&i]
            }
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
    // A reference to a module call depends on its early outputs alone
    // when it reads only those (`reads`: what the referring body reads of
    // each call; only looked at when there are early outputs).
    let link = |to: Node,
                refs: Vec<Reference>,
                reads: Option<&HashMap<String, Option<BTreeSet<String>>>>,
                edges: &mut Vec<(Node, Node)>| {
        for r in refs {
            let from = match r {
                Reference::Local(n) => locals.get(n.as_str()).map(|&i| Node::Local(i)),
                Reference::Resource(a, _) => resources.get(&a).map(|&i| Node::Resource(i)),
                Reference::Module(n) => modules.get(n.as_str()).map(|&i| {
                    let read = reads.and_then(|r| r.get(&n)).and_then(|o| o.as_ref());
                    match (early.get(&i), read) {
                        (Some(outputs), Some(read))
                            if read.iter().all(|o| outputs.contains_key(o)) =>
                        {
                            Node::ModuleEarly(i)
                        }
                        _ => Node::Module(i),
                    }
                }),
            };
            if let Some(from) = from {
                edges.push((from, to));
            }
        }
    };
    let reads_of = |body: &strata_lang::ast::Body| (!early.is_empty()).then(|| module_reads(body));
    // Pass 1: locals. Pass 2: resources (references, depends_on). Pass 3: outputs.
    for (i, l) in config.locals.iter().enumerate() {
        let reads = (!early.is_empty()).then(|| module_reads_expr(&l.expr));
        link(
            Node::Local(i),
            references(&l.expr),
            reads.as_ref(),
            &mut edges,
        );
    }
    for (i, r) in config.resources.iter().enumerate() {
        let mut refs = Vec::new();
        body_references(&r.body, &mut refs);
        link(
            Node::Resource(i),
            refs,
            reads_of(&r.body).as_ref(),
            &mut edges,
        );
    }
    for (i, o) in config.outputs.iter().enumerate() {
        let mut refs = Vec::new();
        body_references(&o.body, &mut refs);
        link(
            Node::Output(i),
            refs,
            reads_of(&o.body).as_ref(),
            &mut edges,
        );
    }
    // Pass 4: module calls (their arguments, count/for_each, depends_on).
    for (i, m) in config.modules.iter().enumerate() {
        let mut refs = Vec::new();
        body_references(&m.body, &mut refs);
        link(
            Node::Module(i),
            refs,
            reads_of(&m.body).as_ref(),
            &mut edges,
        );
    }
    // Pass 5: early outputs, from the arguments of the variables they read.
    for (&i, outputs) in early {
        let call = &config.modules[i];
        let needed: BTreeSet<&String> = outputs.values().flatten().collect();
        for a in call
            .body
            .attributes
            .iter()
            .filter(|a| needed.contains(&a.name))
        {
            let reads = module_reads_expr(&a.expr);
            link(
                Node::ModuleEarly(i),
                references(&a.expr),
                Some(&reads),
                &mut edges,
            );
        }
        edges.push((Node::ModuleEarly(i), Node::Module(i)));
    }
    let nodes = (0..locals_n)
        .map(Node::Local)
        .chain((0..resources_n).map(Node::Resource))
        .chain((0..outputs_n).map(Node::Output))
        .chain((0..modules_n).map(Node::Module))
        .chain(early.keys().map(|&i| Node::ModuleEarly(i)));
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
                Node::Module(i) | Node::ModuleEarly(i) => {
                    format!("module.{}", config.modules[i].name)
                }
            };
            let mut names: Vec<String> = members.iter().map(|&n| describe(graph[n])).collect();
            names.sort();
            names.dedup();
            let span = match start {
                Node::Local(i) => config.locals[i].name_span,
                Node::Resource(i) => config.resources[i].span,
                Node::Output(i) => config.outputs[i].span,
                Node::Module(i) | Node::ModuleEarly(i) => config.modules[i].span,
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
