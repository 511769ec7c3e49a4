//! A provider that answers without calling anything, for tests
//! (`mock_provider`, `override_resource`, `override_data`): it has the
//! real provider's name and schemas; computed attributes the
//! configuration leaves unset take the values given for the type, or
//! generated ones as Terraform generates them (strings of 8 random
//! letters and digits, zero, false, empty collections).

use crate::{
    ApplyRequest, PlanRequest, PlanResponse, Provider, ProviderResult, ProviderSchema, Schema,
};
use std::collections::BTreeMap;
use strata_types::{Kind, Type, Value};

pub struct MockProvider {
    name: String,
    schema: ProviderSchema,
    /// Values for computed attributes, by resource type.
    values: BTreeMap<String, Value>,
    /// The same for data sources.
    data: BTreeMap<String, Value>,
    /// Computed values are known when planning (Terraform's
    /// `override_during = plan`), not only after apply.
    during_plan: bool,
}

impl MockProvider {
    /// A stand-in for `real`; `values` (for resources) and `data` (for
    /// data sources) by type name: objects of attribute values, already
    /// of the attributes' types.
    pub fn new(
        real: &dyn Provider,
        values: BTreeMap<String, Value>,
        data: BTreeMap<String, Value>,
        during_plan: bool,
    ) -> MockProvider {
        MockProvider {
            name: real.name().to_string(),
            schema: real.schema(),
            values,
            data,
            during_plan,
        }
    }

    fn resource_schema(&self, type_name: &str) -> Schema {
        self.schema
            .resources
            .get(type_name)
            .cloned()
            .unwrap_or_default()
    }
}

fn random_string() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..8)
        .map(|_| {
            let n = rng.random_range(0..36u8);
            if n < 10 {
                (b'0' + n) as char
            } else {
                (b'a' + n - 10) as char
            }
        })
        .collect()
}

/// A generated value of type `ty`.
pub fn generated(ty: &Type) -> Value {
    match ty {
        Type::String => Value::string(random_string()),
        Type::Number => Value::number(strata_types::Number::from_i64(0)),
        Type::Bool => Value::bool(false),
        Type::List(e) => Value::list(e.as_ref().clone(), Vec::new()),
        Type::Set(e) => Value::set(e.as_ref().clone(), Vec::new()),
        Type::Map(e) => Value::map(e.as_ref().clone(), BTreeMap::new()),
        Type::Tuple(items) => Value::tuple(items.iter().map(generated).collect()),
        Type::Object(o) => Value::object(
            o.attributes
                .iter()
                .map(|(k, t)| (k.clone(), generated(t)))
                .collect::<strata_types::Fields>(),
        ),
        Type::Dynamic => Value::null(Type::Dynamic),
    }
}

/// `value` with each computed attribute that is unknown (or null and not
/// set) replaced: by `given`'s value for it, else a generated one.
fn fill(schema: &Schema, value: &Value, given: Option<&Value>, fill_null: bool) -> Value {
    let Kind::Object(attrs) = &value.kind else {
        return value.clone();
    };
    let given_attr = |name: &str| match given.map(|g| &g.kind) {
        Some(Kind::Object(m)) => m.get(name).cloned(),
        _ => None,
    };
    let mut out = attrs.clone();
    for (name, attribute) in &schema.attributes {
        if !attribute.computed {
            continue;
        }
        let current = out.get(name);
        let open = current.is_none_or(|v| v.is_unknown() || (fill_null && v.is_null()));
        if open {
            let v = given_attr(name).unwrap_or_else(|| generated(&attribute.ty));
            out.insert(name.clone(), v);
        }
    }
    Value::object(out)
}

#[async_trait::async_trait]
impl Provider for MockProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> ProviderSchema {
        self.schema.clone()
    }

    async fn configure(&self, _config: &Value) -> ProviderResult<()> {
        Ok(())
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        let schema = self.resource_schema(request.type_name);
        if request.proposed.is_null() {
            return Ok(PlanResponse {
                warnings: Vec::new(),
                planned: request.proposed.clone(),
                requires_replace: Vec::new(),
            });
        }
        let given = self.values.get(request.type_name);
        let planned = if self.during_plan {
            fill(&schema, request.proposed, given, request.prior.is_null())
        } else {
            let Kind::Object(attrs) = &request.proposed.kind else {
                return Ok(PlanResponse {
                    warnings: Vec::new(),
                    planned: request.proposed.clone(),
                    requires_replace: Vec::new(),
                });
            };
            let mut out = attrs.clone();
            for (name, attribute) in &schema.attributes {
                if attribute.computed
                    && out.get(name).is_none_or(Value::is_null)
                    && request.prior.is_null()
                {
                    out.insert(name.clone(), Value::unknown(attribute.ty.clone()));
                }
            }
            Value::object(out)
        };
        Ok(PlanResponse {
            warnings: Vec::new(),
            planned,
            requires_replace: Vec::new(),
        })
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value> {
        if request.planned.is_null() {
            return Ok(request.planned.clone());
        }
        let schema = self.resource_schema(request.type_name);
        Ok(fill(
            &schema,
            request.planned,
            self.values.get(request.type_name),
            false,
        ))
    }

    async fn read(&self, _type_name: &str, state: &Value) -> ProviderResult<Option<Value>> {
        Ok(Some(state.clone()))
    }

    async fn read_data_source(&self, type_name: &str, config: &Value) -> ProviderResult<Value> {
        let schema = self
            .schema
            .data_sources
            .get(type_name)
            .cloned()
            .unwrap_or_default();
        Ok(fill(&schema, config, self.data.get(type_name), true))
    }

    fn changes_world(&self) -> bool {
        false
    }
}
