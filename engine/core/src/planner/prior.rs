//! The prior state as the planner sees it: decoded with each provider's
//! schema, with `moved` blocks, Terraform's implied count moves, `import`
//! blocks and `removed` blocks applied.

use super::*;

/// A `moved` block's instance whose resource type changes: the target
/// type's provider must take the object ([`move_across_types`]).
pub(super) struct CrossMove {
    from: InstanceAddr,
    to: InstanceAddr,
    span: Span,
}

/// What `moved` blocks did to the prior state: each instance moved, by
/// its new address, with its previous one; and the moves across types
/// still to make.
pub(super) struct Moves {
    pub moved: BTreeMap<String, String>,
    pub across: Vec<CrossMove>,
}

/// Applies `moved` blocks to the prior state's addresses.
pub(super) fn apply_moves(
    stack: &LoadedStack,
    prior: &mut BTreeMap<InstanceAddr, PriorInstance>,
    diagnostics: &mut Diagnostics,
) -> Moves {
    let mut moved = BTreeMap::new();
    let mut across = Vec::new();
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
                moved.insert(to.to_string(), from.to_string());
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
            if old.resource.type_name != new.resource.type_name {
                across.push(CrossMove {
                    from: old,
                    to: new,
                    span: block.type_span,
                });
                continue;
            }
            if let Some(mut p) = prior.remove(&old) {
                p.changed = true;
                // A chain of moves (a to b, b to c) names where it began.
                let first = moved.remove(&old.to_string()).unwrap_or(old.to_string());
                moved.insert(new.to_string(), first);
                prior.insert(new, p);
            }
        }
    }
    Moves { moved, across }
}

/// Moves across resource types, as Terraform makes them: the target type's
/// provider is given the object as the state stores it (with its source
/// provider, type, schema version and private data) and returns it as an
/// object of the target type, or refuses.
pub(super) async fn move_across_types(
    stack: &LoadedStack,
    registry: &Registry,
    prior: &mut BTreeMap<InstanceAddr, PriorInstance>,
    moves: &mut Moves,
    diagnostics: &mut Diagnostics,
) {
    for m in std::mem::take(&mut moves.across) {
        let Some(source) = prior.get(&m.from) else {
            continue;
        };
        let refused = |detail: String| {
            Diagnostic::error(
                strata_types::codes::MOVE_ACROSS_TYPES_REFUSED,
                "Unsupported move across resource types",
                format!("Moving {} to {}: {detail}", m.from, m.to),
                m.span,
            )
        };
        let found = provider_for(
            registry,
            m.from.resource.mode,
            &m.from.resource.type_name,
            m.span,
        )
        .and_then(|(_, source_schema)| {
            let (target, target_schema) = provider_for(
                registry,
                m.to.resource.mode,
                &m.to.resource.type_name,
                m.span,
            )?;
            let address = match stack
                .config
                .resources
                .iter()
                .find(|r| resource_addr(r) == m.to.resource)
            {
                Some(r) => resource_provider(r, target.as_ref())?,
                None => provider_address(target.as_ref()),
            };
            let instance = provider_instance(registry, &address, m.span)?;
            Ok((source_schema, target_schema, address, instance))
        });
        let (source_schema, target_schema, address, target) = match found {
            Ok(f) => f,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let state = crate::schema_json::encode_attributes(&source_schema, &source.value);
        let source_provider =
            strata_provider::provider_address_source(&source.provider).unwrap_or(&source.provider);
        let private = strata_state::decode_private(source.private.as_deref());
        let request = strata_provider::MoveRequest {
            source_provider,
            source_type: &m.from.resource.type_name,
            source_schema_version: source_schema.version,
            source_state: &serde_json::to_vec(&state).unwrap_or_default(),
            source_private: &private,
            target_type: &m.to.resource.type_name,
        };
        match target.move_resource_state(request).await {
            Ok((value, private)) => {
                let Some(source) = prior.remove(&m.from) else {
                    continue;
                };
                let first = moves
                    .moved
                    .remove(&m.from.to_string())
                    .unwrap_or(m.from.to_string());
                moves.moved.insert(m.to.to_string(), first);
                prior.insert(
                    m.to,
                    PriorInstance {
                        value: mark_schema_sensitive(&target_schema, value),
                        dependencies: source.dependencies,
                        provider: address,
                        create_before_destroy: source.create_before_destroy,
                        changed: true,
                        private: strata_state::encode_private(&private),
                    },
                );
            }
            Err(e) => diagnostics.push(refused(e.to_string())),
        }
    }
}

/// `import` blocks: each target not yet in state is read by its id through
/// its provider and joins the prior state, so the plan compares it with
/// the configuration like any other object.
pub(super) async fn import_blocks(
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
            .map(|r| resource_provider(r, provider.as_ref()))
            .unwrap_or_else(|| Ok(provider_address(provider.as_ref())))
            .and_then(|a| provider_instance(registry, &a, block.span).map(|p| (a, p)))
        {
            Ok(found) => found,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let (address, provider) = address;
        match provider.import_private(&to.resource.type_name, &id).await {
            Ok((value, private)) => {
                prior.insert(
                    to.clone(),
                    PriorInstance {
                        value: mark_schema_sensitive(&schema, value),
                        dependencies: std::sync::Arc::default(),
                        provider: address,
                        create_before_destroy: false,
                        changed: true,
                        private: strata_state::encode_private(&private),
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
pub(super) fn address_attribute(
    stack: &LoadedStack,
    body: &strata_lang::ast::Body,
    name: &str,
) -> Option<InstanceAddr> {
    let a = body.attribute(name)?;
    InstanceAddr::parse(stack.sources.text(a.expr.span).trim())
}

/// Instances to forget (`removed` with `destroy = false`) and to destroy
/// (`removed` with destroy).
pub(super) fn removed_blocks(stack: &LoadedStack) -> Vec<(ResourceAddr, bool)> {
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

/// Reads every managed instance of the prior state through its provider,
/// a type at a time (`read_many`): instances gone are removed, changed ones
/// replaced (keeping their sensitive marks). Returns what changed outside
/// Strata, by instance.
pub(super) async fn refresh(
    prior: &mut BTreeMap<InstanceAddr, PriorInstance>,
    registry: &Registry,
    overrides: Option<&crate::context::Overrides>,
    on_wait: crate::context::waits::OnWait<'_>,
    diagnostics: &mut Diagnostics,
) -> Refreshed {
    let mut drift: HashMap<InstanceAddr, Vec<String>> = HashMap::new();
    let mut drifted = Vec::new();
    let mut by_type: BTreeMap<(Mode, String, String), Vec<InstanceAddr>> = BTreeMap::new();
    for (addr, p) in prior
        .iter()
        .filter(|(a, _)| a.resource.mode == Mode::Managed)
        // A stand-in's objects live only in the state.
        .filter(|(a, _)| overrides.is_none_or(|o| o.provider(&a.resource).is_none()))
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
        if !provider.changes_world() {
            // Its objects live only in the state: reading them returns the
            // state as it is (see `Provider::changes_world`).
            continue;
        }
        let states: Vec<Value> = addrs
            .iter()
            .map(|a| prior[a].value.unmark_deep().0)
            .collect();
        let privates: Vec<Vec<u8>> = addrs
            .iter()
            .map(|a| strata_state::decode_private(prior[a].private.as_deref()))
            .collect();
        let read = provider.read_many_private(&type_name, &states, &privates);
        let what = || {
            format!(
                "Still refreshing {} {type_name} instance(s)...",
                states.len()
            )
        };
        match crate::context::waits::reporting(read, what, on_wait).await {
            Ok(results) => {
                for (addr, result) in addrs.into_iter().zip(results) {
                    match result {
                        None => {
                            drift.insert(addr.clone(), vec!["(deleted)".into()]);
                            if let Some(gone) = prior.remove(&addr) {
                                drifted.push(crate::plan::ResourceDrift {
                                    addr,
                                    provider: gone.provider,
                                    before: crate::plan::EncodedValue::new(gone.value),
                                    after: None,
                                });
                            }
                        }
                        Some((fresh, private)) => {
                            let private = strata_state::encode_private(&private);
                            // A refreshed object keeps the sensitive marks it had.
                            let marks = crate::schema_json::sensitive_paths(&prior[&addr].value);
                            let fresh = apply_sensitive_paths(
                                mark_schema_sensitive(&schema, fresh),
                                &marks,
                            );
                            let changed = changed_attributes(&prior[&addr].value, &fresh);
                            if !changed.is_empty() {
                                drift.insert(addr.clone(), changed);
                                drifted.push(crate::plan::ResourceDrift {
                                    addr: addr.clone(),
                                    provider: prior[&addr].provider.clone(),
                                    before: crate::plan::EncodedValue::new(
                                        prior[&addr].value.clone(),
                                    ),
                                    after: Some(crate::plan::EncodedValue::new(fresh.clone())),
                                });
                            }
                            if let Some(p) = prior.get_mut(&addr) {
                                p.changed |= p.value != fresh || p.private != private;
                                p.value = fresh;
                                p.private = private;
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
    drifted.sort_by(|a, b| a.addr.cmp(&b.addr));
    Refreshed {
        attributes: drift,
        drift: drifted,
    }
}

/// What refresh found changed outside Strata: the attributes by instance,
/// and each object's value before and after.
pub(super) struct Refreshed {
    pub attributes: HashMap<InstanceAddr, Vec<String>>,
    pub drift: Vec<crate::plan::ResourceDrift>,
}
