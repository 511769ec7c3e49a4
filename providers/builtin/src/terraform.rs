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

    /// `null_resource` (of `hashicorp/null`, from any host) becomes
    /// `terraform_data` as in Terraform: the same `id`, its `triggers` as
    /// `triggers_replace` (an object, as configuration writes it), no
    /// input or output.
    async fn move_resource_state(
        &self,
        request: strata_provider::MoveRequest<'_>,
    ) -> ProviderResult<(Value, Vec<u8>)> {
        use strata_provider::ProviderError;
        if !request.source_provider.ends_with("hashicorp/null") {
            return Err(ProviderError::failed(
                "Unsupported source provider for move operation",
                "Only moving from the official hashicorp/null provider to terraform_data is supported.",
            ));
        }
        if request.source_type != "null_resource" {
            return Err(ProviderError::failed(
                "Unsupported source resource type for move operation",
                "Only moving from the null_resource managed resource to terraform_data is supported.",
            ));
        }
        let source: serde_json::Value = serde_json::from_slice(request.source_state)
            .map_err(|e| ProviderError::failed("Invalid null_resource state", e.to_string()))?;
        let id = match source.get("id").and_then(|v| v.as_str()) {
            Some(id) => Value::string(id),
            None => Value::null(Type::String),
        };
        let triggers = match source.get("triggers").and_then(|v| v.as_object()) {
            Some(map) => {
                let mut fields = BTreeMap::new();
                for (k, v) in map {
                    let text = v.as_str().ok_or_else(|| {
                        ProviderError::failed(
                            "Invalid null_resource state",
                            format!("triggers[{k:?}] is not a string"),
                        )
                    })?;
                    fields.insert(k.clone(), Value::string(text));
                }
                Value::object(fields)
            }
            None => Value::dynamic_null(),
        };
        let moved = Value::object(BTreeMap::from([
            ("id".to_string(), id),
            ("input".to_string(), Value::dynamic_null()),
            ("output".to_string(), Value::dynamic_null()),
            ("triggers_replace".to_string(), triggers),
        ]));
        Ok((moved, Vec::new()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use strata_provider::MoveRequest;

    fn request<'a>(
        source_provider: &'a str,
        source_type: &'a str,
        state: &'a [u8],
    ) -> MoveRequest<'a> {
        MoveRequest {
            source_provider,
            source_type,
            source_schema_version: 0,
            source_state: state,
            source_private: &[],
            target_type: "terraform_data",
        }
    }

    #[tokio::test]
    async fn a_null_resource_becomes_terraform_data() {
        let state = br#"{"id":"5577006791947779410","triggers":{"model":"llama","epochs":"10"}}"#;
        let (moved, private) = TerraformProvider
            .move_resource_state(request(
                "registry.terraform.io/hashicorp/null",
                "null_resource",
                state,
            ))
            .await
            .expect("moved");
        assert!(private.is_empty());
        assert_eq!(
            attr(&moved, "id"),
            Some(&Value::string("5577006791947779410"))
        );
        let triggers = attr(&moved, "triggers_replace").expect("triggers_replace");
        assert_eq!(
            triggers,
            &Value::object(BTreeMap::from([
                ("epochs".to_string(), Value::string("10")),
                ("model".to_string(), Value::string("llama")),
            ]))
        );
        assert!(attr(&moved, "input").is_some_and(Value::is_null));
        // No triggers: null, whatever its type.
        let (moved, _) = TerraformProvider
            .move_resource_state(request(
                "mirror.example.com/hashicorp/null",
                "null_resource",
                br#"{"id":"1","triggers":null}"#,
            ))
            .await
            .expect("moved from a mirror's null provider");
        assert!(attr(&moved, "triggers_replace").is_some_and(Value::is_null));
    }

    #[tokio::test]
    async fn only_null_resources_move() {
        let state = br#"{"id":"1"}"#;
        let other_provider = TerraformProvider
            .move_resource_state(request(
                "registry.terraform.io/acme/null",
                "null_resource",
                state,
            ))
            .await
            .expect_err("another provider's type");
        assert!(
            other_provider.to_string().contains("hashicorp/null"),
            "{other_provider}"
        );
        let other_type = TerraformProvider
            .move_resource_state(request(
                "registry.terraform.io/hashicorp/null",
                "null_data",
                state,
            ))
            .await
            .expect_err("another type");
        assert!(
            other_type.to_string().contains("null_resource"),
            "{other_type}"
        );
    }
}
