//! The conformance suite every provider runs against itself.
//!
//! For each case (a resource type with a configuration to create and one to
//! update to) it drives the provider through the life cycle the engine
//! drives it through, and checks the protocol's promises: planned values
//! are only unknown where the schema says computed; applied state is fully
//! known and of the schema's type; planning the applied configuration
//! again changes nothing; an update plans what it applies; a read returns
//! the object until it is deleted; delete returns null.

use crate::{ApplyRequest, PlanRequest, Provider, Schema};
use strata_types::{Kind, Type, Value};

pub struct Case {
    pub type_name: &'static str,
    pub create: Value,
    /// A configuration to update to (in place or by replacement).
    pub update: Option<Value>,
    /// Whether `read` can tell that a deleted object is gone.
    pub read_detects_delete: bool,
}

/// How the engine proposes a new object from prior state and
/// configuration (`strata_core::proposed_new`): the suite plans with the
/// engine's own rule, passed in, since this crate sits below the engine.
pub type Propose = fn(&Schema, &Value, &Value) -> Value;

fn check_conforms(value: &Value, ty: &Type, what: &str) -> Result<(), String> {
    let actual = value.ty();
    let Type::Object(expected) = ty else {
        return Ok(());
    };
    let Type::Object(actual) = actual else {
        return Err(format!("{what}: not an object: {value:?}"));
    };
    for name in expected.attributes.keys() {
        if !actual.attributes.contains_key(name) {
            return Err(format!("{what}: attribute \"{name}\" missing"));
        }
    }
    for name in actual.attributes.keys() {
        if !expected.attributes.contains_key(name) {
            return Err(format!("{what}: attribute \"{name}\" is not in the schema"));
        }
    }
    Ok(())
}

fn unknown_paths(v: &Value, path: &str, out: &mut Vec<String>) {
    match &v.kind {
        Kind::Unknown(_) => out.push(path.to_string()),
        Kind::Object(m) => {
            for (k, x) in m {
                unknown_paths(
                    x,
                    &if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    },
                    out,
                )
            }
        }
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            for (i, x) in items.iter().enumerate() {
                unknown_paths(x, &format!("{path}[{i}]"), out)
            }
        }
        Kind::Map(_, m) => {
            for (k, x) in m {
                unknown_paths(x, &format!("{path}[{k:?}]"), out)
            }
        }
        _ => {}
    }
}

async fn plan_and_apply(
    provider: &dyn Provider,
    schema: &Schema,
    type_name: &str,
    (prior, config): (&Value, &Value),
    propose: Propose,
) -> Result<Value, String> {
    let proposed = if prior.is_null() {
        config.clone()
    } else {
        propose(schema, prior, config)
    };
    let plan = provider
        .plan(PlanRequest {
            type_name,
            prior,
            proposed: &proposed,
            config,
        })
        .await
        .map_err(|e| format!("{type_name}: plan failed: {e}"))?;
    check_conforms(
        &plan.planned,
        &schema.object_type(),
        &format!("{type_name}: planned state"),
    )?;
    let mut unknown = Vec::new();
    unknown_paths(&plan.planned, "", &mut unknown);
    for path in &unknown {
        let top = path.split(['.', '[']).next().unwrap_or(path);
        let computed = schema.attributes.get(top).is_some_and(|a| a.computed);
        let configured_unknown = crate::attr(config, top).is_some_and(|v| !v.is_wholly_known());
        if !computed && !configured_unknown {
            return Err(format!(
                "{type_name}: planned value of non-computed attribute \"{path}\" is unknown"
            ));
        }
    }
    let replace = !plan.requires_replace.is_empty();
    let (prior_for_apply, planned) = if replace && !prior.is_null() {
        provider
            .apply(ApplyRequest {
                type_name,
                prior,
                planned: &Value::null(schema.object_type()),
                config,
            })
            .await
            .map_err(|e| format!("{type_name}: delete for replacement failed: {e}"))?;
        let fresh = provider
            .plan(PlanRequest {
                type_name,
                prior: &Value::null(schema.object_type()),
                proposed: config,
                config,
            })
            .await
            .map_err(|e| format!("{type_name}: plan of replacement failed: {e}"))?;
        (Value::null(schema.object_type()), fresh.planned)
    } else {
        (prior.clone(), plan.planned)
    };
    let state = provider
        .apply(ApplyRequest {
            type_name,
            prior: &prior_for_apply,
            planned: &planned,
            config,
        })
        .await
        .map_err(|e| format!("{type_name}: apply failed: {e}"))?;
    if !state.is_wholly_known() {
        return Err(format!(
            "{type_name}: applied state still has unknown values: {state:?}"
        ));
    }
    check_conforms(
        &state,
        &schema.object_type(),
        &format!("{type_name}: applied state"),
    )?;
    if let (Kind::Object(p), Kind::Object(s)) = (&planned.kind, &state.kind) {
        for (k, pv) in p {
            if pv.is_wholly_known() && s.get(k) != Some(pv) {
                return Err(format!(
                    "{type_name}: apply changed \"{k}\" from its planned value {pv:?} to {:?}",
                    s.get(k)
                ));
            }
        }
    }
    Ok(state)
}

/// Runs every case; returns the failures (empty when the provider
/// conforms).
pub async fn run(provider: &dyn Provider, cases: &[Case], propose: Propose) -> Vec<String> {
    let schema = provider.schema();
    let mut failures = Vec::new();
    for (type_name, resource) in &schema.resources {
        for (name, a) in &resource.attributes {
            if !(a.required || a.optional || a.computed) {
                failures.push(format!(
                    "{type_name}.{name}: an attribute must be required, optional or computed"
                ));
            }
            if a.required && a.computed {
                failures.push(format!(
                    "{type_name}.{name}: an attribute cannot be both required and computed"
                ));
            }
        }
    }
    for case in cases {
        if let Err(e) = run_case(provider, &schema, case, propose).await {
            failures.push(e);
        }
    }
    failures
}

async fn run_case(
    provider: &dyn Provider,
    provider_schema: &crate::ProviderSchema,
    case: &Case,
    propose: Propose,
) -> Result<(), String> {
    let type_name = case.type_name;
    let schema = provider_schema
        .resources
        .get(type_name)
        .ok_or_else(|| format!("{type_name}: not in the schema"))?;
    let null = Value::null(schema.object_type());
    let state = plan_and_apply(provider, schema, type_name, (&null, &case.create), propose).await?;
    // An object made with a recovery token can be found by it.
    if let crate::RecoveryKey::Token(token) = provider.recovery_key(type_name, &state) {
        let found = provider
            .recover(type_name, &token, &state)
            .await
            .map_err(|e| format!("{type_name}: recover failed: {e}"))?;
        if found.is_none() {
            return Err(format!(
                "{type_name}: recover({token:?}) does not find the object just created"
            ));
        }
    }
    let read = provider
        .read(type_name, &state)
        .await
        .map_err(|e| format!("{type_name}: read failed: {e}"))?;
    let read =
        read.ok_or_else(|| format!("{type_name}: read says a just-created object is gone"))?;
    // An importable object imports by its id as the same object.
    if let Some(import_id) = provider.import_id(type_name, &read) {
        let imported = provider
            .import(type_name, &import_id)
            .await
            .map_err(|e| format!("{type_name}: import of {import_id:?} failed: {e}"))?;
        check_conforms(
            &imported,
            &schema.object_type(),
            &format!("{type_name}: imported state"),
        )?;
        if crate::attr(&imported, "id") != crate::attr(&read, "id") {
            return Err(format!(
                "{type_name}: import of {import_id:?} found another object: {imported:?}"
            ));
        }
    }
    let proposed = propose(schema, &read, &case.create);
    let again = provider
        .plan(PlanRequest {
            type_name,
            prior: &read,
            proposed: &proposed,
            config: &case.create,
        })
        .await
        .map_err(|e| format!("{type_name}: second plan failed: {e}"))?;
    if again.planned != read || !again.requires_replace.is_empty() {
        return Err(format!("{type_name}: planning the applied configuration again is not a no-op:\n  state   {read:?}\n  planned {:?}", again.planned));
    }
    let state = match &case.update {
        Some(update) => {
            plan_and_apply(provider, schema, type_name, (&read, update), propose).await?
        }
        None => read,
    };
    let deleted = provider
        .apply(ApplyRequest {
            type_name,
            prior: &state,
            planned: &null,
            config: &null,
        })
        .await
        .map_err(|e| format!("{type_name}: delete failed: {e}"))?;
    if !deleted.is_null() {
        return Err(format!("{type_name}: delete returned a state: {deleted:?}"));
    }
    if let crate::RecoveryKey::Token(token) = provider.recovery_key(type_name, &state) {
        if provider
            .recover(type_name, &token, &state)
            .await
            .map_err(|e| format!("{type_name}: recover failed: {e}"))?
            .is_some()
        {
            return Err(format!(
                "{type_name}: recover({token:?}) still finds the object after delete"
            ));
        }
    }
    if case.read_detects_delete {
        let after = provider
            .read(type_name, &state)
            .await
            .map_err(|e| format!("{type_name}: read after delete failed: {e}"))?;
        if after.is_some() {
            return Err(format!(
                "{type_name}: read still finds the object after delete"
            ));
        }
    }
    Ok(())
}
