//! `terraform_data`, with Terraform's exact planning rules: `output`
//! mirrors `input` and is unknown whenever `input` changes; a change of
//! `triggers_replace` replaces the instance; `id` is a fresh UUID.

use crate::simple::{fill_unknowns, new_id, values_equal};
use async_trait::async_trait;
use std::collections::BTreeMap;
use strata_provider::{
    attr, with_attr, ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider, ProviderResult,
    ProviderSchema, Schema,
};
use strata_types::{Type, Value};

pub struct TerraformProvider;

fn schema() -> Schema {
    Schema::new([
        ("id", Attribute::computed(Type::String)),
        ("input", Attribute::optional(Type::Dynamic)),
        ("output", Attribute::computed(Type::Dynamic)),
        ("triggers_replace", Attribute::optional(Type::Dynamic)),
    ])
}

/// Terraform's raw equality: equal values, or both null whatever their type.
fn same(a: &Value, b: &Value) -> bool {
    values_equal(a, b) || (a.is_null() && b.is_null())
}

/// The output a new input will give: unknown until apply, sensitive when
/// the input is sensitive as a whole (a part that is, such as one
/// attribute of an object, is marked on the applied output, path by path).
fn unknown_like(input: &Value) -> Value {
    if input.is_null() {
        input.clone()
    } else {
        Value::unknown(input.ty()).mark_sensitive(input.sensitive)
    }
}

#[async_trait]
impl Provider for TerraformProvider {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn functions(&self) -> std::collections::BTreeMap<String, strata_provider::Function> {
        crate::terraform_functions::functions()
    }

    fn call_function(
        &self,
        name: &str,
        args: Vec<Value>,
    ) -> Result<Value, (String, Option<usize>)> {
        crate::terraform_functions::call(name, args)
    }

    fn changes_world(&self) -> bool {
        false
    }

    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            resources: BTreeMap::from([("terraform_data".to_string(), schema())]),
            ..Default::default()
        }
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        let proposed = request.proposed;
        if proposed.is_null() {
            return Ok(PlanResponse {
                warnings: Vec::new(),
                planned: proposed.clone(),
                requires_replace: vec![],
            });
        }
        let null = Value::dynamic_null();
        let input = attr(proposed, "input").unwrap_or(&null).clone();
        let trigger = attr(proposed, "triggers_replace").unwrap_or(&null);
        let prior = request.prior;
        if prior.is_null() {
            let planned = with_attr(
                &with_attr(proposed, "id", Value::unknown(Type::String)),
                "output",
                unknown_like(&input),
            );
            return Ok(PlanResponse {
                warnings: Vec::new(),
                planned,
                requires_replace: vec![],
            });
        }
        let prior_trigger = attr(prior, "triggers_replace").unwrap_or(&null);
        if !same(prior_trigger, trigger) {
            let planned = with_attr(
                &with_attr(proposed, "id", Value::unknown(Type::String)),
                "output",
                unknown_like(&input),
            );
            return Ok(PlanResponse {
                warnings: Vec::new(),
                planned,
                requires_replace: vec![vec!["triggers_replace".into()]],
            });
        }
        let prior_input = attr(prior, "input").unwrap_or(&null);
        if !same(prior_input, &input) {
            return Ok(PlanResponse {
                warnings: Vec::new(),
                planned: with_attr(proposed, "output", unknown_like(&input)),
                requires_replace: vec![],
            });
        }
        Ok(PlanResponse {
            warnings: Vec::new(),
            planned: proposed.clone(),
            requires_replace: vec![],
        })
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value> {
        let planned = request.planned;
        if planned.is_null() {
            return Ok(planned.clone());
        }
        let input = attr(planned, "input")
            .cloned()
            .unwrap_or_else(Value::dynamic_null);
        let with_output = with_attr(planned, "output", input);
        Ok(fill_unknowns(&with_output, |_| Value::string(new_id())))
    }

    async fn read(&self, _type_name: &str, state: &Value) -> ProviderResult<Option<Value>> {
        Ok(Some(state.clone()))
    }

    async fn import(&self, type_name: &str, id: &str) -> ProviderResult<Value> {
        let _ = type_name;
        Ok(Value::object(BTreeMap::from([
            ("id".to_string(), Value::string(id)),
            ("input".to_string(), Value::dynamic_null()),
            ("output".to_string(), Value::dynamic_null()),
            ("triggers_replace".to_string(), Value::dynamic_null()),
        ])))
    }
}
