//! Shared planning for resources whose every configurable attribute forces
//! replacement and whose computed attributes are generated once at create
//! (random values, null_resource, time_static); and `null_resource`.

use async_trait::async_trait;
use std::collections::BTreeMap;
use strata_provider::{
    attr, ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider, ProviderResult,
    ProviderSchema, Schema,
};
use strata_types::{Kind, Type, Value};

/// Plans a resource whose configured attributes all force replacement:
/// a create marks computed attributes unknown (defaults filled in); a
/// change of any configured attribute replaces; otherwise nothing changes.
pub fn plan_replace_on_change(
    schema: &Schema,
    request: &PlanRequest<'_>,
    defaults: &[(&str, Value)],
) -> PlanResponse {
    if request.proposed.is_null() {
        return PlanResponse {
            warnings: Vec::new(),
            planned: request.proposed.clone(),
            requires_replace: vec![],
        };
    }
    let Kind::Object(config) = &request.config.kind else {
        return PlanResponse {
            warnings: Vec::new(),
            planned: request.proposed.clone(),
            requires_replace: vec![],
        };
    };
    let fresh = |config: &strata_types::FieldMap<Value>| {
        let mut planned = BTreeMap::new();
        for (name, a) in &schema.attributes {
            let configured = config
                .get(name)
                .cloned()
                .unwrap_or_else(|| Value::null(a.ty.clone()));
            let value = if !configured.is_null() {
                configured
            } else if let Some((_, d)) = defaults.iter().find(|(n, _)| n == name) {
                d.clone()
            } else if a.computed {
                Value::unknown(a.ty.clone())
            } else {
                configured
            };
            planned.insert(name.clone(), value.mark_sensitive(a.sensitive));
        }
        Value::object(planned)
    };
    if request.prior.is_null() {
        return PlanResponse {
            warnings: Vec::new(),
            planned: fresh(config),
            requires_replace: vec![],
        };
    }
    let mut requires_replace = Vec::new();
    for (name, a) in &schema.attributes {
        if !(a.required || a.optional) {
            continue;
        }
        let configured = config.get(name).filter(|v| !v.is_null());
        let prior = attr(request.prior, name);
        let changed = match (configured, prior) {
            (Some(c), Some(p)) => !values_equal(c, p),
            (Some(c), None) => !c.is_null(),
            // Unset optional+computed attributes keep their prior value.
            (None, _) if a.computed => false,
            (None, Some(p)) => {
                !p.is_null()
                    && defaults
                        .iter()
                        .all(|(n, d)| n != name || !values_equal(d, p))
            }
            (None, None) => false,
        };
        if changed {
            requires_replace.push(vec![name.clone()]);
        }
    }
    if requires_replace.is_empty() {
        PlanResponse {
            warnings: Vec::new(),
            planned: request.prior.clone(),
            requires_replace,
        }
    } else {
        PlanResponse {
            warnings: Vec::new(),
            planned: fresh(config),
            requires_replace,
        }
    }
}

/// Equality that ignores the sensitive mark and unknowns compare unequal.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    if !a.is_wholly_known() || !b.is_wholly_known() {
        return false;
    }
    a.unmark_deep().0 == b.unmark_deep().0
}

/// Fills every unknown attribute of `planned` with `generate(name)`.
pub fn fill_unknowns(planned: &Value, mut generate: impl FnMut(&str) -> Value) -> Value {
    let Kind::Object(m) = &planned.kind else {
        return planned.clone();
    };
    Value::object(
        m.iter()
            .map(|(k, v)| {
                let v = if v.is_unknown() {
                    generate(k).mark_sensitive(v.sensitive)
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect::<strata_types::Fields>(),
    )
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub struct NullProvider;

fn null_resource_schema() -> Schema {
    Schema::new([
        ("id", Attribute::computed(Type::String)),
        (
            "triggers",
            Attribute::optional(Type::map(Type::String)).force_new(),
        ),
    ])
}

#[async_trait]
impl Provider for NullProvider {
    fn name(&self) -> &'static str {
        "null"
    }

    fn changes_world(&self) -> bool {
        false
    }

    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            resources: BTreeMap::from([("null_resource".to_string(), null_resource_schema())]),
            ..Default::default()
        }
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        Ok(plan_replace_on_change(
            &null_resource_schema(),
            &request,
            &[],
        ))
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value> {
        if request.planned.is_null() {
            return Ok(request.planned.clone());
        }
        Ok(fill_unknowns(request.planned, |_| Value::string(new_id())))
    }

    async fn read(&self, _type_name: &str, state: &Value) -> ProviderResult<Option<Value>> {
        Ok(Some(state.clone()))
    }
}
