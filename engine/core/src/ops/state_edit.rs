//! State surgery (`state list/show/rm/mv/history/rollback/push`) as
//! functions on a store: the ones that change the state take the
//! [`StateLock`] as proof it is held, return what they did, and never
//! print.

use super::{OpError, StateLock};
use crate::addr::{module_path_text, state_instance_address, InstanceAddr, InstanceKey};
use strata_state::{InstanceState, ResourceState, State, StateError, Store};
use strata_types::Diagnostic;

fn refused(summary: &str, detail: String) -> OpError {
    OpError::Failed(vec![Diagnostic::global(
        strata_types::codes::STATE_EDIT_FAILED,
        summary,
        detail,
    )])
}

/// An instance's attributes decoded with its provider's schema (sensitive
/// ones marked), for showing as Terraform shows state; `None` when no
/// provider at hand has the type, or the object is stored under another
/// version of its schema.
pub fn decoded(
    registry: &strata_provider::Registry,
    resource: &ResourceState,
    instance: &InstanceState,
) -> Option<(strata_types::Value, std::sync::Arc<strata_provider::Schema>)> {
    let mode = if resource.mode == "data" {
        crate::addr::Mode::Data
    } else {
        crate::addr::Mode::Managed
    };
    let (_, schema) = crate::context::provider_for(
        registry,
        mode,
        &resource.type_name,
        strata_types::Span::default(),
    )
    .ok()?;
    if instance.schema_version != schema.version {
        return None;
    }
    let json = serde_json::to_value(&instance.attributes).ok()?;
    let value = crate::schema_json::decode_attributes(&schema, &json).ok()?;
    let value = crate::schema_json::apply_sensitive_paths(
        crate::schema_json::mark_schema_sensitive(&schema, value),
        &instance.sensitive_attributes,
    );
    Some((value, schema))
}

/// Every instance's address with its (resource, instance) position, in
/// address order.
pub fn instance_addresses(state: &State) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for (ri, r) in state.resources.iter().enumerate() {
        for (ii, i) in r.instances.iter().enumerate() {
            out.push((state_instance_address(r, i).to_string(), ri, ii));
        }
    }
    out.sort();
    out
}

/// Whether `address` names the instance `instance` (an instance address,
/// or a resource address covering all its instances).
pub fn address_matches(address: &str, instance: &str) -> bool {
    instance == address
        || (instance.starts_with(address) && instance[address.len()..].starts_with('['))
}

/// The addresses `state list FILTERS` prints.
pub fn list(state: &State, filters: &[String]) -> Vec<String> {
    instance_addresses(state)
        .into_iter()
        .map(|(a, _, _)| a)
        .filter(|a| filters.is_empty() || filters.iter().any(|f| address_matches(f, a)))
        .collect()
}

/// The instance at `address`, for `state show`.
pub fn find<'s>(
    state: &'s State,
    address: &str,
) -> Result<(&'s ResourceState, &'s InstanceState), OpError> {
    let (_, ri, ii) = instance_addresses(state)
        .into_iter()
        .find(|(a, _, _)| a == address)
        .ok_or_else(|| {
            refused(
                "No instance found for the given address",
                format!("{address} is not in the state; `strata state list` shows what is."),
            )
        })?;
    let r = &state.resources[ri];
    Ok((r, &r.instances[ii]))
}

fn read_existing(store: &dyn Store, what: &str) -> Result<State, OpError> {
    store
        .read()?
        .ok_or_else(|| refused("No state", format!("There is no state to {what}.")))
}

/// Removes the instances `addresses` name (whole resources or single
/// instances) from the state without touching the objects; returns the
/// addresses removed.
pub fn remove(lock: &StateLock<'_>, addresses: &[String]) -> Result<Vec<String>, OpError> {
    let store = lock.store();
    let mut state = read_existing(store, "remove instances from")?;
    let mut removed = Vec::new();
    for r in &mut state.resources {
        let snapshot = r.clone();
        r.instances.retain(|i| {
            let addr = state_instance_address(&snapshot, i).to_string();
            let hit = addresses.iter().any(|a| address_matches(a, &addr));
            if hit {
                removed.push(addr);
            }
            !hit
        });
    }
    state.resources.retain(|r| !r.instances.is_empty());
    if removed.is_empty() {
        return Err(refused(
            "No matching instances",
            format!("None of {} is in the state.", addresses.join(", ")),
        ));
    }
    state.serial += 1;
    store.write(&state)?;
    Ok(removed)
}

/// Moves the instances at `from` to `to`, in the same state or into the
/// state `out` locks (`--state-out`); returns how many moved. The
/// destination is written first: a crash between the two writes leaves
/// the objects in both states, never in neither.
pub fn move_instances(
    lock: &StateLock<'_>,
    out: Option<&StateLock<'_>>,
    from: &str,
    to: &str,
) -> Result<usize, OpError> {
    let store = lock.store();
    let mut state = read_existing(store, "move instances in")?;
    let (Some(src), Some(dst)) = (InstanceAddr::parse(from), InstanceAddr::parse(to)) else {
        return Err(refused(
            "Invalid address",
            format!("{from:?} and {to:?} must be resource or instance addresses."),
        ));
    };
    let mut out_state = match out {
        Some(o) => Some(o.store().read()?.unwrap_or_else(State::fresh)),
        None => None,
    };
    if instance_addresses(out_state.as_ref().unwrap_or(&state))
        .iter()
        .any(|(a, _, _)| address_matches(to, a))
    {
        return Err(refused(
            "Destination exists",
            format!("{to} is already in the state; remove it first or choose another address."),
        ));
    }
    let taken = take_instances(&mut state, &src);
    if taken.is_empty() {
        return Err(refused(
            "No matching instances",
            format!("{from} is not in the state."),
        ));
    }
    let moved = taken.len();
    let target = out_state.as_mut().unwrap_or(&mut state);
    for (provider, mut instance) in taken {
        if dst.key != InstanceKey::None || src.key != InstanceKey::None {
            instance.index_key = dst.key.to_json();
        }
        target
            .resource_mut(
                &module_path_text(&dst.resource.module),
                dst.resource.mode.as_str(),
                &dst.resource.type_name,
                &dst.resource.name,
                &provider,
            )
            .instances
            .push(instance);
    }
    if let (Some(o), Some(mut written)) = (out, out_state) {
        written.serial += 1;
        o.store().write(&written)?;
    }
    state.serial += 1;
    store.write(&state)?;
    Ok(moved)
}

/// Takes the instances `src` names out of `state`, with their providers.
fn take_instances(state: &mut State, src: &InstanceAddr) -> Vec<(String, InstanceState)> {
    let mut taken = Vec::new();
    for r in &mut state.resources {
        if r.module != module_path_text(&src.resource.module)
            || r.mode != src.resource.mode.as_str()
            || r.type_name != src.resource.type_name
            || r.name != src.resource.name
        {
            continue;
        }
        r.instances.retain(|i| {
            let key = InstanceKey::from_json(i.index_key.as_ref());
            let matches = src.key == InstanceKey::None || key == src.key;
            if matches {
                taken.push((r.provider.clone(), i.clone()));
            }
            !matches
        });
    }
    state.resources.retain(|r| !r.instances.is_empty());
    taken
}

/// One version of the state, as `state history` lists it.
pub struct Version {
    pub serial: u64,
    pub current: bool,
    pub instances: usize,
    pub outputs: usize,
}

/// The current state and the earlier versions the store keeps.
pub fn history(store: &dyn Store) -> Result<Vec<Version>, StateError> {
    let mut out = Vec::new();
    if let Some(c) = store.read()? {
        out.push(Version {
            serial: c.serial,
            current: true,
            instances: c.instance_count(),
            outputs: c.outputs.len(),
        });
    }
    for serial in store.history()? {
        if let Ok(Some(v)) = store.read_version(serial) {
            out.push(Version {
                serial,
                current: false,
                instances: v.instance_count(),
                outputs: v.outputs.len(),
            });
        }
    }
    Ok(out)
}

/// Makes the content of version `serial` current again, as a new
/// version (so the rollback itself can be undone); returns the new
/// serial.
pub fn rollback(lock: &StateLock<'_>, serial: u64) -> Result<u64, OpError> {
    let store = lock.store();
    let current = read_existing(store, "roll back")?;
    let mut earlier = store.read_version(serial)?.ok_or_else(|| {
        refused(
            "No such version",
            format!(
                "Serial {serial} is not in the history; `strata state history` lists what is kept."
            ),
        )
    })?;
    if earlier.lineage != current.lineage {
        return Err(refused(
            "Different lineage",
            format!(
                "Version {serial} belongs to another state (lineage {}).",
                earlier.lineage
            ),
        ));
    }
    earlier.serial = current.serial + 1;
    store.write(&earlier)?;
    Ok(earlier.serial)
}

/// Replaces the state with `bytes` (a state file); without `force`, only
/// a later version of the same lineage is accepted.
pub fn push(lock: &StateLock<'_>, bytes: &[u8], force: bool) -> Result<(), OpError> {
    let store = lock.store();
    let incoming = State::from_bytes(bytes)?;
    if let (Some(c), false) = (store.read()?, force) {
        if c.lineage != incoming.lineage {
            return Err(refused("Different lineage", format!("The pushed state has lineage {} but the current state has {}: they are not versions of the same state. Use --force to replace it anyway.", incoming.lineage, c.lineage)));
        }
        if incoming.serial < c.serial {
            return Err(refused("Older serial", format!("The pushed state has serial {} but the current state is at {}: it would roll back newer changes. Use --force to push anyway.", incoming.serial, c.serial)));
        }
    }
    store.write(&incoming)?;
    Ok(())
}
