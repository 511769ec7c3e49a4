//! Reconciling the intent journal after an interrupted apply.
//!
//! Every provider call that changes the world was journaled before it was
//! made (an intent) and after (its result). A command that finds a journal
//! replays the results into the state, then settles each intent that has
//! no result: a create or update is looked up by its recovery token and
//! adopted when the object exists; a delete is checked with a read. The
//! state is then written and the journal cleared, so nothing the
//! interrupted run created is lost track of.

use crate::addr::{parse_module_path, InstanceAddr, InstanceKey, Mode, ResourceAddr};
use crate::context::provider_for;
use crate::context::WorkingState;
use crate::schema_json::{decode_attributes, encode_attributes, sensitive_paths};
use std::collections::BTreeMap;
use strata_provider::Registry;
use strata_state::{InstanceState, JournalRecord, State, StateError};
use strata_types::{Diagnostic, Span};

/// What reconciling did, in sentences for the user.
pub type Recovered = Vec<String>;

fn address_of(
    module: &str,
    mode: &str,
    type_name: &str,
    name: &str,
    index_key: Option<&serde_json::Value>,
) -> InstanceAddr {
    InstanceAddr {
        resource: ResourceAddr {
            module: parse_module_path(module).unwrap_or_default(),
            mode: Mode::parse(mode),
            type_name: type_name.to_string(),
            name: name.to_string(),
        },
        key: InstanceKey::from_json(index_key),
    }
}

fn state_error(e: StateError) -> Diagnostic {
    Diagnostic::global(
        strata_types::codes::JOURNAL_UNREADABLE,
        "Cannot reconcile the journal",
        e.to_string(),
    )
}

/// Replays and settles the journal of the locked store, if it has one.
/// Only a holder of the state lock may: see the `ops` module.
pub(crate) async fn reconcile(
    lock: &super::StateLock<'_>,
    registry: &Registry,
) -> Result<Recovered, Diagnostic> {
    let store = lock.store();
    let records = store
        .read_journal()
        .map_err(|e| super::journal_error(store, e))?;
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let state = store
        .read()
        .map_err(state_error)?
        .unwrap_or_else(State::fresh);
    let mut working = WorkingState::new(state);
    let mut pending: BTreeMap<u64, JournalRecord> = BTreeMap::new();
    let mut replayed = 0;
    for record in records {
        match record {
            JournalRecord::Intent { seq, .. } => {
                pending.insert(seq, record);
            }
            JournalRecord::Done { seq, instance } => {
                let Some(JournalRecord::Intent {
                    module,
                    mode,
                    type_name,
                    name,
                    index_key,
                    provider,
                    ..
                }) = pending.remove(&seq)
                else {
                    continue;
                };
                let addr = address_of(&module, &mode, &type_name, &name, index_key.as_ref());
                match instance {
                    Some(i) => working.put(addr, &provider, i),
                    None => working.forget(&addr),
                }
                replayed += 1;
            }
        }
    }
    let mut messages = Vec::new();
    if replayed > 0 {
        messages.push(format!(
            "{replayed} finished operation(s) of the interrupted run were recorded into the state."
        ));
    }
    for (_, intent) in pending {
        let JournalRecord::Intent {
            module,
            mode,
            type_name,
            name,
            index_key,
            provider: provider_name,
            action,
            token,
            planned,
            schema_version,
            ..
        } = intent
        else {
            continue;
        };
        let addr = address_of(&module, &mode, &type_name, &name, index_key.as_ref());
        let (_, schema) = provider_for(registry, addr.resource.mode, &type_name, Span::default())?;
        let provider =
            crate::context::provider_instance(registry, &provider_name, Span::default())?;
        let planned_value = decode_attributes(&schema, &planned).map_err(|e| {
            Diagnostic::global(
                strata_types::codes::INVALID_JOURNAL_RECORD,
                "Invalid journal record",
                format!("{addr}: {e}"),
            )
        })?;
        match action.as_str() {
            // The object a create_before_destroy replaced: its replacement
            // holds the address, so the old one is finished off, never
            // put back.
            "delete_deposed" => match provider.read(&type_name, &planned_value).await {
                Ok(None) => messages.push(format!("{addr}: the replaced object had been deleted.")),
                Ok(Some(object)) => {
                    let null = strata_types::Value::null(schema.object_type());
                    provider
                        .apply(strata_provider::ApplyRequest {
                            type_name: &type_name,
                            prior: &object,
                            planned: &null,
                            config: &null,
                        })
                        .await
                        .map_err(|e| Diagnostic::global(strata_types::codes::CANNOT_SETTLE_INTERRUPTED_CALL, "Cannot settle an interrupted delete", format!("{addr} (the object it replaced): {e}")))?;
                    messages.push(format!("{addr}: the object it replaced was still there; it is deleted now."));
                }
                Err(e) => return Err(Diagnostic::global(strata_types::codes::CANNOT_SETTLE_INTERRUPTED_CALL, "Cannot settle an interrupted delete", format!("{addr}: {e}"))),
            },
            "delete" => match provider.read(&type_name, &planned_value).await {
                Ok(None) => {
                    working.forget(&addr);
                    messages.push(format!("{addr}: the interrupted delete had completed; it is removed from the state."));
                }
                Ok(Some(_)) => messages.push(format!("{addr}: the interrupted delete had not happened; the object stays in the state.")),
                Err(e) => return Err(Diagnostic::global(strata_types::codes::CANNOT_SETTLE_INTERRUPTED_CALL, "Cannot settle an interrupted delete", format!("{addr}: {e}"))),
            },
            _ => {
                let found = match &token {
                    Some(t) => provider
                        .recover(&type_name, t, &planned_value)
                        .await
                        .map_err(|e| Diagnostic::global(strata_types::codes::CANNOT_SETTLE_INTERRUPTED_CALL, "Cannot settle an interrupted create", format!("{addr}: {e}")))?,
                    None => None,
                };
                match found {
                    Some(object) => {
                        let instance = InstanceState {
                            index_key: addr.key.to_json(),
                            schema_version,
                            attributes: encode_attributes(&schema, &object).into(),
                            sensitive_attributes: sensitive_paths(&object),
                            dependencies: Vec::new(),
                            create_before_destroy: false,
                            private: None,
                        };
                        working.put(addr.clone(), &provider_name, instance);
                        messages.push(format!(
                            "{addr}: recovered the object the interrupted {action} made (found by {:?}); it is now in the state.",
                            token.unwrap_or_default()
                        ));
                    }
                    None if token.is_some() => messages.push(format!("{addr}: the interrupted {action} had made nothing; the next apply makes it.")),
                    None if action == "update" => messages.push(format!(
                        "{addr}: the interrupted update is settled by the next refresh, which reads the object as it now is."
                    )),
                    None if provider.changes_world() => messages.push(format!(
                        "{addr}: the interrupted {action} may have made an object its provider cannot find without an id; if it did, bring it under management with `strata import {addr} ID` before applying again."
                    )),
                    None => messages.push(format!(
                        "{addr}: the interrupted {action} leaves nothing to find (its provider keeps no outside object); the next apply makes it again."
                    )),
                }
            }
        }
    }
    working.base.serial += 1;
    store.write(&working.snapshot()).map_err(state_error)?;
    store.reset_journal(&[]).map_err(state_error)?;
    Ok(messages)
}

/// `strata import ADDR ID`: reads an existing object through its provider
/// and records it at `addr`, which the configuration must declare.
pub async fn import_instance(
    stack: &crate::context::Stack<'_>,
    state: Option<State>,
    addr: &InstanceAddr,
    id: &str,
) -> Result<State, Diagnostic> {
    let ctx = crate::context::Context::new(stack.loaded, stack.env, stack.registry);
    if ctx.resource(&addr.resource).is_none() {
        return Err(Diagnostic::global(
            strata_types::codes::IMPORT_TARGET_NOT_CONFIGURED,
            "Import target is not in the configuration",
            format!("Before importing to {addr}, add a resource block for it to the configuration (Strata needs its configuration to manage it)."),
        ));
    }
    let state = state.unwrap_or_else(State::fresh);
    let mut working = WorkingState::new(state);
    if working.contains(addr) {
        return Err(Diagnostic::global(strata_types::codes::ALREADY_MANAGED, "Resource already managed", format!("{addr} is already in the state; remove it with `strata state rm` first to import another object there.")));
    }
    let (provider, schema) = provider_for(
        stack.registry,
        addr.resource.mode,
        &addr.resource.type_name,
        Span::default(),
    )?;
    let address = match ctx.resource(&addr.resource) {
        Some(r) => crate::context::resource_provider(r, provider.as_ref())?,
        None => crate::context::provider_address(provider.as_ref()),
    };
    let provider = crate::context::provider_instance(stack.registry, &address, Span::default())?;
    let (object, private) = provider
        .import_private(&addr.resource.type_name, id)
        .await
        .map_err(|e| {
            Diagnostic::global(
                strata_types::codes::IMPORT_FAILED,
                "Import failed",
                format!("{addr} (id {id:?}): {e}"),
            )
        })?;
    let instance = InstanceState {
        index_key: addr.key.to_json(),
        schema_version: schema.version,
        attributes: encode_attributes(&schema, &object).into(),
        sensitive_attributes: sensitive_paths(&object),
        dependencies: Vec::new(),
        create_before_destroy: false,
        private: strata_state::encode_private(&private),
    };
    working.put(addr.clone(), &address, instance);
    working.base.serial += 1;
    Ok(working.snapshot())
}
