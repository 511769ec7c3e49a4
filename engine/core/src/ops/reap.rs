//! `reap`: which managed objects their providers call finished (a fleet
//! past its time to live, idle, or done), so that a destroy plan
//! targeted at exactly those can remove them. Only the types a provider
//! lists as reapable are asked about.

use super::Session;
use crate::addr::state_instance_address;
use crate::addr::{InstanceAddr, Mode};
use crate::schema_json::decode_attributes;
use strata_state::State;
use strata_types::{codes, Diagnostic, Span};

/// An object to reap, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reapable {
    pub addr: InstanceAddr,
    pub reason: String,
}

/// The managed objects in `state` whose provider says they are finished,
/// in state order. The session's providers must be configured (as
/// [`super::current_state`] leaves them).
pub async fn reapable(session: &Session, state: &State) -> Result<Vec<Reapable>, Diagnostic> {
    let registry = &session.registry;
    let mut out = Vec::new();
    for resource in &state.resources {
        if Mode::parse(&resource.mode) != Mode::Managed {
            continue;
        }
        let Some(provider) = registry.instance(&resource.provider) else {
            continue;
        };
        if !provider
            .reapable_types()
            .contains(&resource.type_name.as_str())
        {
            continue;
        }
        let (_, schema) = crate::context::provider_for(
            registry,
            Mode::Managed,
            &resource.type_name,
            Span::default(),
        )?;
        for instance in &resource.instances {
            let addr = state_instance_address(resource, instance);
            let value =
                decode_attributes(&schema, &instance.attributes.to_json()).map_err(|e| {
                    Diagnostic::global(
                        codes::REAP_FAILED,
                        "Cannot read the state",
                        format!("{addr}: {e}"),
                    )
                })?;
            let reason = provider
                .reap_reason(&resource.type_name, &value)
                .await
                .map_err(|e| {
                    Diagnostic::global(
                        codes::REAP_FAILED,
                        "Cannot tell whether to reap",
                        format!("{addr}: {e}"),
                    )
                })?;
            if let Some(reason) = reason {
                out.push(Reapable { addr, reason });
            }
        }
    }
    Ok(out)
}

/// Refuses a destroy plan for `reaped` that would touch anything else
/// (an object that depends on a fleet would be destroyed with it).
pub fn check_only_reaped(plan: &crate::plan::Plan, reaped: &[Reapable]) -> Result<(), Diagnostic> {
    let others: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action != crate::plan::Action::NoOp)
        .filter(|c| !reaped.iter().any(|r| r.addr == c.addr))
        .map(|c| c.addr.to_string())
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    Err(Diagnostic::global(
        codes::REAP_WOULD_DESTROY_OTHERS,
        "Reaping would destroy more",
        format!(
            "Destroying {} would also destroy {} (they depend on it). Nothing was destroyed: remove the dependency, or destroy them together with `strata destroy -target`.",
            reaped
                .iter()
                .map(|r| r.addr.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            others.join(", ")
        ),
    ))
}
