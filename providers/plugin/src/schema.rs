//! A plugin's schema in Strata's terms.
//!
//! Protocol 5 schemas are read as protocol 6 ones without nested attribute
//! types. Attribute types are cty's JSON notation; protocol 6 nested
//! attributes become attributes of object (list, set, map of object) type,
//! as Terraform types them.

use crate::proto::{v5, v6};
use std::collections::BTreeMap;
use strata_provider::{Attribute, NestedBlock, Nesting, ProviderSchema, Schema};
use strata_types::json::type_from_json;
use strata_types::Type;

#[derive(Debug, thiserror::Error)]
#[error("the plugin's schema for {what} cannot be read: {detail}")]
pub struct SchemaError {
    pub what: String,
    pub detail: String,
}

/// Protocol 5's schema response in protocol 6's shape.
pub fn upgrade_v5(response: v5::GetProviderSchemaResponse) -> v6::GetProviderSchemaResponse {
    let schemas = |m: std::collections::HashMap<String, v5::Schema>| {
        m.into_iter().map(|(k, s)| (k, schema_v5(s))).collect()
    };
    v6::GetProviderSchemaResponse {
        provider: response.provider.map(schema_v5),
        resource_schemas: schemas(response.resource_schemas),
        data_source_schemas: schemas(response.data_source_schemas),
        diagnostics: response.diagnostics,
        provider_meta: response.provider_meta.map(schema_v5),
        server_capabilities: response.server_capabilities,
        functions: response.functions,
    }
}

fn schema_v5(s: v5::Schema) -> v6::Schema {
    v6::Schema {
        version: s.version,
        block: s.block.map(block_v5),
    }
}

fn block_v5(b: v5::Block) -> v6::Block {
    v6::Block {
        version: b.version,
        attributes: b
            .attributes
            .into_iter()
            .map(|a| v6::Attribute {
                name: a.name,
                r#type: a.r#type,
                nested_type: None,
                description: a.description,
                required: a.required,
                optional: a.optional,
                computed: a.computed,
                sensitive: a.sensitive,
                deprecated: a.deprecated,
                write_only: a.write_only,
            })
            .collect(),
        block_types: b
            .block_types
            .into_iter()
            .map(|n| v6::NestedBlock {
                type_name: n.type_name,
                block: n.block.map(block_v5),
                nesting: n.nesting,
                min_items: n.min_items,
                max_items: n.max_items,
            })
            .collect(),
        description: b.description,
        deprecated: b.deprecated,
    }
}

/// The whole provider schema.
pub fn convert(response: &v6::GetProviderSchemaResponse) -> Result<ProviderSchema, SchemaError> {
    let provider = match &response.provider {
        Some(s) => schema(s, "the provider configuration")?,
        None => Schema::default(),
    };
    let mut resources = BTreeMap::new();
    for (name, s) in &response.resource_schemas {
        resources.insert(name.clone(), schema(s, name)?);
    }
    let mut data_sources = BTreeMap::new();
    for (name, s) in &response.data_source_schemas {
        data_sources.insert(name.clone(), schema(s, &format!("data source {name}"))?);
    }
    Ok(ProviderSchema {
        provider,
        resources,
        data_sources,
    })
}

/// The provider-defined functions a schema response declares.
pub fn functions(
    response: &v6::GetProviderSchemaResponse,
) -> Result<BTreeMap<String, strata_provider::Function>, SchemaError> {
    let parameter = |name: &str, p: &crate::proto::FunctionParameter| {
        Ok(strata_provider::FunctionParameter {
            name: p.name.clone(),
            ty: json_type(&p.r#type, &format!("function {name}, parameter {}", p.name))?,
            allow_null: p.allow_null_value,
            allow_unknown: p.allow_unknown_values,
        })
    };
    let mut out = BTreeMap::new();
    for (name, f) in &response.functions {
        let params = f
            .parameters
            .iter()
            .map(|p| parameter(name, p))
            .collect::<Result<Vec<_>, SchemaError>>()?;
        let variadic = f
            .variadic_parameter
            .as_ref()
            .map(|p| parameter(name, p))
            .transpose()?;
        let ret = match &f.r#return {
            Some(r) => json_type(&r.r#type, &format!("function {name}, its result"))?,
            None => Type::Dynamic,
        };
        out.insert(
            name.clone(),
            strata_provider::Function {
                params,
                variadic,
                ret,
            },
        );
    }
    Ok(out)
}

fn json_type(bytes: &[u8], what: &str) -> Result<Type, SchemaError> {
    let bad = |detail: String| SchemaError {
        what: what.to_string(),
        detail,
    };
    let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    type_from_json(&json).map_err(|e| bad(e.to_string()))
}

fn schema(s: &v6::Schema, what: &str) -> Result<Schema, SchemaError> {
    let mut out = match &s.block {
        Some(b) => block(b, what)?,
        None => Schema::default(),
    };
    out.version = u64::try_from(s.version).unwrap_or(0);
    Ok(out)
}

fn block(b: &v6::Block, what: &str) -> Result<Schema, SchemaError> {
    let mut attributes = BTreeMap::new();
    for a in &b.attributes {
        attributes.insert(
            a.name.clone(),
            Attribute {
                ty: attribute_type(a, what)?,
                required: a.required,
                optional: a.optional,
                computed: a.computed,
                sensitive: a.sensitive,
                force_new: false,
                description: "",
            },
        );
    }
    let mut blocks = BTreeMap::new();
    for n in &b.block_types {
        let inner = match &n.block {
            Some(inner) => block(inner, &format!("{what}.{}", n.type_name))?,
            None => Schema::default(),
        };
        let nesting = match n.nesting {
            1 => Nesting::Single,
            2 => Nesting::List,
            3 => Nesting::Set,
            5 => Nesting::Group,
            4 => {
                // Blocks keyed by a label: written as a map of objects.
                attributes.insert(
                    n.type_name.clone(),
                    Attribute {
                        ty: Type::map(inner.object_type()),
                        optional: true,
                        ..Default::default()
                    },
                );
                continue;
            }
            other => {
                return Err(SchemaError {
                    what: format!("{what}.{}", n.type_name),
                    detail: format!("unknown block nesting mode {other}"),
                })
            }
        };
        blocks.insert(
            n.type_name.clone(),
            NestedBlock {
                nesting,
                schema: inner,
                min_items: usize::try_from(n.min_items).unwrap_or(0),
                max_items: usize::try_from(n.max_items).ok().filter(|&m| m > 0),
                as_attribute: false,
            },
        );
    }
    Ok(Schema {
        version: u64::try_from(b.version).unwrap_or(0),
        attributes,
        blocks,
        description: "",
        object_type: Default::default(),
    })
}

fn attribute_type(a: &v6::Attribute, what: &str) -> Result<Type, SchemaError> {
    let bad = |detail: String| SchemaError {
        what: format!("{what}.{}", a.name),
        detail,
    };
    if let Some(nested) = &a.nested_type {
        let mut attributes = BTreeMap::new();
        for inner in &nested.attributes {
            attributes.insert(inner.name.clone(), attribute_type(inner, what)?);
        }
        let object = Type::object(attributes);
        return Ok(match nested.nesting {
            1 => object,
            2 => Type::list(object),
            3 => Type::set(object),
            4 => Type::map(object),
            other => return Err(bad(format!("unknown nesting mode {other}"))),
        });
    }
    let json: serde_json::Value =
        serde_json::from_slice(&a.r#type).map_err(|e| bad(e.to_string()))?;
    type_from_json(&json).map_err(|e| bad(e.to_string()))
}
