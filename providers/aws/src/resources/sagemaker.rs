//! SageMaker: models, endpoint configurations and endpoints.

use super::{block, computed, defaulted, optional, required, string_map, tagged, wait_status};
use crate::api::{self, blocks, s, tags, Api, Obj};
use crate::tags::{json_tags, key_values, retag, tag_list};
use crate::Resource;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::sync::Arc;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(SageMakerModel),
        Arc::new(SageMakerEndpointConfig),
        Arc::new(SageMakerEndpoint),
    ]
}

// ---- SageMaker ---------------------------------------------------------------------

fn sagemaker(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json11("sagemaker", &format!("SageMaker.{op}"), body)
}

/// SageMaker says "not found" with a ValidationException.
fn sagemaker_maybe(api: &Api, op: &str, body: J) -> ProviderResult<Option<J>> {
    match sagemaker(api, op, body) {
        Ok(j) => Ok(Some(j)),
        Err(e) if e.has_code(&["ResourceNotFound"]) => Ok(None),
        Err(e) if e.has_code(&["ValidationException"]) => {
            let detail = match &e {
                ProviderError::Failed { detail, .. } => detail.to_ascii_lowercase(),
                ProviderError::UnsupportedType(_) => String::new(),
            };
            if detail.contains("could not find") || detail.contains("does not exist") {
                Ok(None)
            } else {
                Err(e)
            }
        }
        Err(e) => Err(e),
    }
}

fn sagemaker_tags(api: &Api, arn: &str) -> ProviderResult<BTreeMap<String, String>> {
    Ok(tag_list(
        &sagemaker(api, "ListTags", json!({"ResourceArn": arn}))?["Tags"],
    ))
}

fn sagemaker_retag(
    api: &Api,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> ProviderResult<()> {
    retag(
        old,
        new,
        |gone| {
            sagemaker(
                api,
                "DeleteTags",
                json!({"ResourceArn": arn, "TagKeys": gone}),
            )
            .map(drop)
        },
        |set| {
            sagemaker(
                api,
                "AddTags",
                json!({"ResourceArn": arn, "Tags": key_values(set)}),
            )
            .map(drop)
        },
    )
}

struct SageMakerModel;

impl Resource for SageMakerModel {
    fn type_name(&self) -> &'static str {
        "aws_sagemaker_model"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", required(Type::String).force_new()),
            ("execution_role_arn", required(Type::String).force_new()),
            ("arn", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "primary_container",
            Nesting::List,
            Schema::new([
                ("image", required(Type::String)),
                ("model_data_url", optional(Type::String)),
                ("environment", optional(string_map())),
            ]),
            Some(1),
        );
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["primary_container"]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let c = blocks(p, "primary_container")
            .first()
            .cloned()
            .cloned()
            .unwrap_or_default();
        let mut container = json!({"Image": s(&c, "image")});
        if let Some(url) = s(&c, "model_data_url") {
            container["ModelDataUrl"] = json!(url);
        }
        let env = tags(&c, "environment");
        if !env.is_empty() {
            container["Environment"] = json!(env);
        }
        let mut body = json!({"ModelName": name, "ExecutionRoleArn": api::req(p, "execution_role_arn")?, "PrimaryContainer": container});
        let all = api.tags_all(&tags(p, "tags"));
        if !all.is_empty() {
            body["Tags"] = key_values(&all);
        }
        sagemaker(api, "CreateModel", body)?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(m) = sagemaker_maybe(api, "DescribeModel", json!({"ModelName": id}))? else {
            return Ok(None);
        };
        let c = &m["PrimaryContainer"];
        let env = json_tags(&c["Environment"]);
        let found = json!([{
            "image": c["Image"],
            "model_data_url": c["ModelDataUrl"],
            "environment": if env.is_empty() { J::Null } else { api::map_json(&env) },
        }]);
        let arn = m["ModelArn"].as_str().unwrap_or_default().to_string();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("execution_role_arn".into(), m["ExecutionRoleArn"].clone());
        o.insert("arn".into(), json!(arn));
        o.insert(
            "primary_container".into(),
            api::prefer_prior(prior.get("primary_container"), found),
        );
        api.read_tags(&mut o, sagemaker_tags(api, &arn)?, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        sagemaker_retag(
            api,
            api::req(prior, "arn")?,
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        sagemaker_maybe(api, "DeleteModel", json!({"ModelName": id})).map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

struct SageMakerEndpointConfig;

impl Resource for SageMakerEndpointConfig {
    fn type_name(&self) -> &'static str {
        "aws_sagemaker_endpoint_configuration"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", required(Type::String).force_new()),
            ("arn", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "production_variants",
            Nesting::List,
            Schema::new([
                ("variant_name", required(Type::String)),
                ("model_name", required(Type::String)),
                ("initial_instance_count", required(Type::Number)),
                ("instance_type", required(Type::String)),
                ("initial_variant_weight", defaulted(Type::Number)),
            ]),
            None,
        );
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["production_variants"]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let variants: Vec<J> = blocks(p, "production_variants")
            .iter()
            .map(|v| {
                json!({
                    "VariantName": s(v, "variant_name"),
                    "ModelName": s(v, "model_name"),
                    "InitialInstanceCount": api::n(v, "initial_instance_count"),
                    "InstanceType": s(v, "instance_type"),
                    "InitialVariantWeight": v.get("initial_variant_weight").filter(|w| !w.is_null()).cloned().unwrap_or(json!(1.0)),
                })
            })
            .collect();
        let mut body = json!({"EndpointConfigName": name, "ProductionVariants": variants});
        let all = api.tags_all(&tags(p, "tags"));
        if !all.is_empty() {
            body["Tags"] = key_values(&all);
        }
        sagemaker(api, "CreateEndpointConfig", body)?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(c) = sagemaker_maybe(
            api,
            "DescribeEndpointConfig",
            json!({"EndpointConfigName": id}),
        )?
        else {
            return Ok(None);
        };
        let variants: Vec<J> = c["ProductionVariants"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| {
                        json!({
                            "variant_name": v["VariantName"],
                            "model_name": v["ModelName"],
                            "initial_instance_count": v["InitialInstanceCount"],
                            "instance_type": v["InstanceType"],
                            "initial_variant_weight": v["InitialVariantWeight"],
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let arn = c["EndpointConfigArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("arn".into(), json!(arn));
        o.insert(
            "production_variants".into(),
            api::prefer_prior(prior.get("production_variants"), J::Array(variants)),
        );
        api.read_tags(&mut o, sagemaker_tags(api, &arn)?, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        sagemaker_retag(
            api,
            api::req(prior, "arn")?,
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        sagemaker_maybe(
            api,
            "DeleteEndpointConfig",
            json!({"EndpointConfigName": id}),
        )
        .map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

struct SageMakerEndpoint;

fn endpoint_status(api: &Api, name: &str) -> ProviderResult<Option<String>> {
    Ok(
        sagemaker_maybe(api, "DescribeEndpoint", json!({"EndpointName": name}))?
            .and_then(|e| e["EndpointStatus"].as_str().map(str::to_string)),
    )
}

impl Resource for SageMakerEndpoint {
    fn type_name(&self) -> &'static str {
        "aws_sagemaker_endpoint"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", required(Type::String).force_new()),
            ("endpoint_config_name", required(Type::String)),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let mut body = json!({"EndpointName": name, "EndpointConfigName": api::req(p, "endpoint_config_name")?});
        let all = api.tags_all(&tags(p, "tags"));
        if !all.is_empty() {
            body["Tags"] = key_values(&all);
        }
        sagemaker(api, "CreateEndpoint", body)?;
        wait_status(
            api,
            &format!("SageMaker endpoint {name}"),
            &["InService"],
            &["Failed"],
            || endpoint_status(api, name),
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(e) = sagemaker_maybe(api, "DescribeEndpoint", json!({"EndpointName": id}))? else {
            return Ok(None);
        };
        let arn = e["EndpointArn"].as_str().unwrap_or_default().to_string();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert(
            "endpoint_config_name".into(),
            e["EndpointConfigName"].clone(),
        );
        o.insert("arn".into(), json!(arn));
        api.read_tags(&mut o, sagemaker_tags(api, &arn)?, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "endpoint_config_name") != s(p, "endpoint_config_name") {
            sagemaker(
                api,
                "UpdateEndpoint",
                json!({"EndpointName": id, "EndpointConfigName": api::req(p, "endpoint_config_name")?}),
            )?;
            wait_status(
                api,
                &format!("SageMaker endpoint {id} update"),
                &["InService"],
                &["Failed"],
                || endpoint_status(api, id),
            )?;
        }
        sagemaker_retag(
            api,
            api::req(prior, "arn")?,
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        if sagemaker_maybe(api, "DeleteEndpoint", json!({"EndpointName": id}))?.is_none() {
            return Ok(());
        }
        wait_status(
            api,
            &format!("SageMaker endpoint {id} deletion"),
            &["(gone)"],
            &["Failed"],
            || endpoint_status(api, id),
        )
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}
