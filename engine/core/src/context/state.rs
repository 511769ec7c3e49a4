//! The state as instances: decoded with each provider's schema
//! ([`decode_state`]), and indexed while it changes ([`WorkingState`]).

use super::provider_for;
use crate::addr::{InstanceAddr, InstanceKey, Mode, ResourceAddr};
use crate::schema_json::{
    apply_sensitive_paths, decode_attributes, encode_attributes, mark_schema_sensitive,
    sensitive_paths,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use strata_provider::Registry;
use strata_state::{InstanceState, State};
use strata_types::{Diagnostic, Diagnostics, Span, Value};

/// One instance of the prior state, decoded.
#[derive(Clone, Debug)]
pub(crate) struct PriorInstance {
    pub value: Value,
    pub dependencies: Arc<[String]>,
    pub provider: String,
    pub create_before_destroy: bool,
    /// The state file no longer holds this value at this address (it was
    /// upgraded, refreshed with changes, moved or imported), so writing the
    /// state back must encode it again; otherwise the stored form is kept.
    pub changed: bool,
    /// The provider's private data for the object (base64), as the state,
    /// an import or a refresh gave it.
    pub private: Option<String>,
}

/// Decodes every instance of the prior state with its provider's schema;
/// a large state is decoded in parallel, a share of its resources per
/// core, with the diagnostics in the state's order.
pub(crate) fn decode_state(
    state: &State,
    registry: &Registry,
    diagnostics: &mut Diagnostics,
) -> BTreeMap<InstanceAddr, PriorInstance> {
    let _span = tracing::info_span!("decode_state").entered();
    let parts = strata_types::parallel::map_parts(&state.resources, 2_000, |resources, _| {
        let mut found = Diagnostics::default();
        let decoded = decode_resources(resources, registry, &mut found);
        (decoded, found)
    });
    let mut out = BTreeMap::new();
    for (mut decoded, found) in parts {
        out.append(&mut decoded);
        diagnostics.extend(found);
    }
    out
}

fn decode_resources(
    resources: &[strata_state::ResourceState],
    registry: &Registry,
    diagnostics: &mut Diagnostics,
) -> BTreeMap<InstanceAddr, PriorInstance> {
    // Collected, not inserted: a B-tree built from its entries has full
    // nodes.
    let mut out = Vec::new();
    for r in resources {
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
            let decoded = decode_attributes(&schema, &i.attributes.to_json())
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
                    out.push((
                        addr,
                        PriorInstance {
                            value: v,
                            dependencies: i.dependencies.as_slice().into(),
                            provider: r.provider.clone(),
                            create_before_destroy: i.create_before_destroy,
                            changed: i.schema_version != schema.version,
                            private: i.private.clone(),
                        },
                    ));
                }
                Err(e) => diagnostics.push(Diagnostic::global(
                    strata_types::codes::INVALID_INSTANCE_IN_STATE,
                    "Invalid instance in state",
                    format!("{addr}: {e}"),
                )),
            }
        }
    }
    out.into_iter().collect()
}

/// Rewrites the state's resources from decoded instances: an instance the
/// state already holds as it is keeps its stored form, so only what
/// refresh, moves, upgrades or imports changed is encoded again.
pub(crate) fn write_prior_into_state(
    state: &mut State,
    instances: &BTreeMap<InstanceAddr, PriorInstance>,
    registry: &Registry,
) {
    let _span = tracing::info_span!("prior_state").entered();
    // Every stored instance decoded, still at its address and unchanged
    // (a move, import, upgrade or refresh that changed one marks it): the
    // state already is what it would be rewritten to.
    if instances.len() == state.instance_count()
        && instances.values().all(|p| !p.changed)
        && state.is_normalized()
    {
        return;
    }
    let mut working = WorkingState::new(std::mem::replace(state, State::new(String::new())));
    let mut stored = std::mem::take(&mut working.instances);
    for (addr, p) in instances {
        match stored.remove(addr) {
            Some((provider, Stored::Encoded(instance)))
                if !p.changed
                    && *provider == *p.provider
                    && *instance.dependencies == *p.dependencies
                    && instance.create_before_destroy == p.create_before_destroy
                    && instance.private == p.private =>
            {
                working.put(addr.clone(), &provider, *instance);
            }
            _ => {
                let _ = working.record(
                    addr,
                    p.value.clone(),
                    Recording {
                        dependencies: &p.dependencies,
                        create_before_destroy: p.create_before_destroy,
                        provider: &p.provider,
                        private: p.private.clone(),
                    },
                    registry,
                );
            }
        }
    }
    *state = working.into_state();
}

/// State while it is being changed: instances indexed by address, so
/// recording or forgetting one costs a map operation whatever the size of
/// the state; turned into the canonical [`State`] when persisted.
pub(crate) struct WorkingState {
    /// Lineage, serial and outputs; its resources are not used.
    pub(crate) base: State,
    /// Each instance with its provider configuration's address.
    instances: BTreeMap<InstanceAddr, (Arc<str>, Stored)>,
    /// Addresses recorded since [`WorkingState::take_recorded`] last ran.
    recorded: Vec<InstanceAddr>,
    /// The provider addresses the instances name, each held once.
    providers: Vec<Arc<str>>,
}

/// Recorded instances taken to be encoded away from the state's lock;
/// [`WorkingState::put_encoded`] puts back those still current.
pub(crate) struct RecordedBatch(Vec<(InstanceAddr, Arc<Recorded>)>);

/// A [`RecordedBatch`] encoded.
pub(crate) struct EncodedBatch(Vec<(InstanceAddr, Arc<Recorded>, InstanceState)>);

impl RecordedBatch {
    pub(crate) fn encode(self) -> EncodedBatch {
        EncodedBatch(
            self.0
                .into_iter()
                .map(|(addr, r)| {
                    let encoded = r.encode(&addr.key);
                    (addr, r, encoded)
                })
                .collect(),
        )
    }
}

/// An instance as the working state holds it: in its stored form, or as
/// apply recorded it, encoded when the state is next written (all at once,
/// on every core, instead of one at a time on the path of the changes).
enum Stored {
    /// Boxed: the working state's map holds a pointer per instance, not
    /// the instance (a B-tree node has eleven slots).
    Encoded(Box<InstanceState>),
    Recorded(Arc<Recorded>),
}

pub(crate) struct Recorded {
    value: Value,
    schema: Arc<strata_provider::Schema>,
    /// The plan's list, shared.
    dependencies: Arc<[String]>,
    create_before_destroy: bool,
    private: Option<String>,
}

/// What is recorded with an instance's value.
pub(crate) struct Recording<'a> {
    pub(crate) dependencies: &'a Arc<[String]>,
    pub(crate) create_before_destroy: bool,
    /// The provider configuration's address.
    pub(crate) provider: &'a str,
    /// The provider's private data for the object (base64).
    pub(crate) private: Option<String>,
}

impl Recorded {
    fn encode(&self, key: &InstanceKey) -> InstanceState {
        InstanceState {
            index_key: key.to_json(),
            schema_version: self.schema.version,
            attributes: encode_attributes(&self.schema, &self.value).into(),
            sensitive_attributes: sensitive_paths(&self.value),
            dependencies: self.dependencies.to_vec(),
            create_before_destroy: self.create_before_destroy,
            private: self.private.clone(),
        }
    }
}

impl Stored {
    fn encode(&mut self, key: &InstanceKey) -> &InstanceState {
        if let Stored::Recorded(r) = self {
            *self = Stored::Encoded(Box::new(r.encode(key)));
        }
        match self {
            Stored::Encoded(i) => i,
            Stored::Recorded(_) => unreachable!("encoded just above"),
        }
    }

    fn into_instance(self, key: &InstanceKey) -> InstanceState {
        match self {
            Stored::Encoded(i) => *i,
            Stored::Recorded(r) => r.encode(key),
        }
    }
}

/// Encodes every recorded instance in place; a large number in parallel,
/// a share per core.
fn encode_recorded(instances: &mut BTreeMap<InstanceAddr, (Arc<str>, Stored)>) {
    let mut recorded: Vec<(&InstanceAddr, &mut Stored)> = instances
        .iter_mut()
        .filter(|(_, (_, s))| matches!(s, Stored::Recorded(_)))
        .map(|(a, (_, s))| (a, s))
        .collect();
    strata_types::parallel::for_each_part_mut(&mut recorded, 2_000, |part| {
        for (addr, stored) in part {
            stored.encode(&addr.key);
        }
    });
}

impl WorkingState {
    pub(crate) fn new(mut state: State) -> WorkingState {
        // Collected, not inserted one at a time: a B-tree built from its
        // entries in order has full nodes (insertions in order leave them
        // half empty).
        let mut instances = Vec::with_capacity(state.instance_count());
        let mut providers = Vec::new();
        for r in std::mem::take(&mut state.resources) {
            let provider = shared_name(&mut providers, &r.provider);
            let module = crate::addr::parse_module_path(&r.module).unwrap_or_default();
            let mode = Mode::parse(&r.mode);
            for i in r.instances {
                let addr = InstanceAddr {
                    resource: crate::addr::ResourceAddr {
                        module: module.clone(),
                        mode,
                        type_name: r.type_name.clone(),
                        name: r.name.clone(),
                    },
                    key: InstanceKey::from_json(i.index_key.as_ref()),
                };
                instances.push((addr, (provider.clone(), Stored::Encoded(Box::new(i)))));
            }
        }
        WorkingState {
            base: state,
            instances: instances.into_iter().collect(),
            recorded: Vec::new(),
            providers,
        }
    }

    /// Records `value` at `addr`, to be encoded by its type's schema when
    /// the state is written; false when no provider knows the type.
    pub(crate) fn record(
        &mut self,
        addr: &InstanceAddr,
        value: Value,
        recording: Recording<'_>,
        registry: &Registry,
    ) -> bool {
        let Ok((_, schema)) = provider_for(
            registry,
            addr.resource.mode,
            &addr.resource.type_name,
            Span::default(),
        ) else {
            return false;
        };
        let recorded = Recorded {
            value,
            schema,
            dependencies: recording.dependencies.clone(),
            create_before_destroy: recording.create_before_destroy,
            private: recording.private,
        };
        let provider = shared_name(&mut self.providers, recording.provider);
        self.instances.insert(
            addr.clone(),
            (provider, Stored::Recorded(Arc::new(recorded))),
        );
        self.recorded.push(addr.clone());
        true
    }

    /// How many instances were recorded since the last
    /// [`WorkingState::take_recorded`].
    pub(crate) fn recorded_since(&self) -> usize {
        self.recorded.len()
    }

    /// The instances recorded since the last call and not encoded yet
    /// (shared, not copied).
    pub(crate) fn take_recorded(&mut self) -> RecordedBatch {
        let addrs = std::mem::take(&mut self.recorded);
        RecordedBatch(
            addrs
                .into_iter()
                .filter_map(|addr| match self.instances.get(&addr) {
                    Some((_, Stored::Recorded(r))) => {
                        let r = r.clone();
                        Some((addr, r))
                    }
                    _ => None,
                })
                .collect(),
        )
    }

    /// Puts encoded instances in place of those they were encoded from,
    /// where those are still what the state holds (an instance recorded
    /// again or forgotten since keeps what came later).
    pub(crate) fn put_encoded(&mut self, batch: EncodedBatch) {
        for (addr, from, encoded) in batch.0 {
            if let Some((_, stored)) = self.instances.get_mut(&addr) {
                if matches!(stored, Stored::Recorded(now) if Arc::ptr_eq(now, &from)) {
                    *stored = Stored::Encoded(Box::new(encoded));
                }
            }
        }
    }

    /// The instance at `addr` in its stored form.
    pub(crate) fn instance(&mut self, addr: &InstanceAddr) -> Option<&InstanceState> {
        let (_, stored) = self.instances.get_mut(addr)?;
        Some(stored.encode(&addr.key))
    }

    /// The provider's private data for the object at `addr` (base64).
    pub(crate) fn private(&self, addr: &InstanceAddr) -> Option<String> {
        match self.instances.get(addr)? {
            (_, Stored::Encoded(i)) => i.private.clone(),
            (_, Stored::Recorded(r)) => r.private.clone(),
        }
    }

    /// Puts an already encoded instance in place (journal replay).
    pub(crate) fn put(&mut self, addr: InstanceAddr, provider: &str, instance: InstanceState) {
        let provider = shared_name(&mut self.providers, provider);
        self.instances
            .insert(addr, (provider, Stored::Encoded(Box::new(instance))));
    }

    pub(crate) fn contains(&self, addr: &InstanceAddr) -> bool {
        self.instances.contains_key(addr)
    }

    pub(crate) fn forget(&mut self, addr: &InstanceAddr) {
        self.instances.remove(addr);
    }

    /// How many resources the instances are of.
    fn resource_count(&self) -> usize {
        let mut last = None;
        self.instances
            .keys()
            .filter(|a| {
                let new = last != Some(&a.resource);
                last = Some(&a.resource);
                new
            })
            .count()
    }

    /// The canonical state, copying every instance (a snapshot taken
    /// while changes go on).
    pub(crate) fn snapshot(&mut self) -> State {
        encode_recorded(&mut self.instances);
        self.recorded.clear();
        let mut state = assemble(
            self.base.clone(),
            self.resource_count(),
            self.instances.iter_mut().map(|(addr, (provider, stored))| {
                let instance = stored.encode(&addr.key).clone();
                (addr, provider, instance)
            }),
        );
        state.normalize();
        state
    }

    /// The canonical state, moving every instance.
    pub(crate) fn into_state(mut self) -> State {
        encode_recorded(&mut self.instances);
        let resources = self.resource_count();
        let mut state = assemble(
            self.base,
            resources,
            self.instances
                .into_iter()
                .map(|(addr, (provider, stored))| {
                    let instance = stored.into_instance(&addr.key);
                    (addr, provider, instance)
                }),
        );
        state.normalize();
        state
    }
}

/// `name`, held once among `names`: a state names a provider address per
/// instance, mostly the same few.
fn shared_name(names: &mut Vec<Arc<str>>, name: &str) -> Arc<str> {
    if let Some(n) = names.iter().find(|n| ***n == *name) {
        return n.clone();
    }
    let n: Arc<str> = name.into();
    names.push(n.clone());
    n
}

/// Groups instances given in address order into resources.
fn assemble<A, P>(
    mut state: State,
    resources: usize,
    instances: impl Iterator<Item = (A, P, InstanceState)>,
) -> State
where
    A: std::borrow::Borrow<InstanceAddr>,
    P: AsRef<str>,
{
    /// A resource's instances, holding what they hold (a vector grown by
    /// one push has room for four).
    fn finished(mut r: strata_state::ResourceState) -> strata_state::ResourceState {
        r.instances.shrink_to_fit();
        r
    }
    state.resources.reserve_exact(resources);
    let mut current: Option<strata_state::ResourceState> = None;
    for (addr, provider, instance) in instances {
        let (addr, provider) = (addr.borrow(), provider.as_ref());
        let same = current.as_ref().is_some_and(|r| {
            r.mode == addr.resource.mode.as_str()
                && r.type_name == addr.resource.type_name
                && r.name == addr.resource.name
                && r.module == crate::addr::module_path_text(&addr.resource.module)
        });
        if !same {
            state.resources.extend(current.take().map(finished));
            current = Some(strata_state::ResourceState {
                module: crate::addr::module_path_text(&addr.resource.module),
                mode: addr.resource.mode.as_str().to_string(),
                type_name: addr.resource.type_name.clone(),
                name: addr.resource.name.clone(),
                provider: provider.to_string(),
                instances: Vec::new(),
            });
        }
        if let Some(r) = current.as_mut() {
            r.instances.push(instance);
        }
    }
    state.resources.extend(current.map(finished));
    state
}
