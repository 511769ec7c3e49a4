//! The execution graph over a plan's changes, and `--target`/`--exclude`.

use super::*;

/// The execution graph over changes: a change waits for the changes of
/// what it depends on; a delete waits for the deletes of what depends on
/// it; create_before_destroy replacements create first.
pub(crate) fn execution_graph(changes: &[ResourceChange]) -> Vec<Edge> {
    let index: crate::FastMap<String, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.addr.to_string(), i))
        .collect();
    // Built only when some dependency is not an instance address: most
    // plans never need it.
    let mut by_resource: Option<HashMap<String, Vec<usize>>> = None;
    let mut edges = Vec::new();
    for (to, c) in changes.iter().enumerate() {
        if matches!(c.action, Action::NoOp | Action::Forget) {
            continue;
        }
        // A dependency recorded as a resource address (as Terraform's state
        // lists them) stands for every instance of the resource.
        let mut froms = Vec::with_capacity(c.dependencies.len());
        for dep in c.dependencies.iter() {
            match index.get(dep) {
                Some(&from) => froms.push(from),
                None => {
                    let by_resource = by_resource.get_or_insert_with(|| {
                        let mut m: HashMap<String, Vec<usize>> = HashMap::new();
                        for (i, c) in changes.iter().enumerate() {
                            m.entry(strata_state::resource_address(&c.addr.to_string()))
                                .or_default()
                                .push(i);
                        }
                        m
                    });
                    froms.extend(by_resource.get(dep.as_str()).into_iter().flatten());
                }
            }
        }
        for from in froms {
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
    edges.shrink_to_fit();
    edges
}

/// `--target` and `--exclude`.
pub(super) struct TargetFilter {
    include: Option<HashSet<ResourceAddr>>,
    include_instances: Vec<InstanceAddr>,
    exclude: Vec<InstanceAddr>,
}

impl TargetFilter {
    pub(super) fn new(stack: &LoadedStack, options: &PlanOptions) -> TargetFilter {
        let include = if options.targets.is_empty() {
            None
        } else {
            // As Terraform: a plan takes the targets and everything they
            // depend on; a destroy, the targets and everything that
            // depends on them (what they need stays).
            let mut set: HashSet<ResourceAddr> =
                options.targets.iter().map(|t| t.resource.clone()).collect();
            let mut changed = true;
            while changed {
                changed = false;
                for r in &stack.config.resources {
                    let addr = resource_addr(r);
                    let mut refs = Vec::new();
                    body_references(&r.body, &mut refs);
                    let referenced = refs.into_iter().filter_map(|rf| match rf {
                        Reference::Resource(a, _) => Some(a),
                        _ => None,
                    });
                    if options.destroy {
                        if !set.contains(&addr) && referenced.into_iter().any(|a| set.contains(&a))
                        {
                            changed |= set.insert(addr);
                        }
                    } else if set.contains(&addr) {
                        for a in referenced {
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

    pub(super) fn includes_resource(&self, addr: &ResourceAddr) -> bool {
        if self
            .exclude
            .iter()
            .any(|e| e.resource == *addr && e.key == InstanceKey::None)
        {
            return false;
        }
        self.include.as_ref().is_none_or(|s| s.contains(addr))
    }

    pub(super) fn includes_instance(&self, addr: &InstanceAddr) -> bool {
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
