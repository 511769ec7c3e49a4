//! S3 configuration documents whose XML elements map one to one onto
//! the Terraform AWS provider's nested blocks (lifecycle rules,
//! replication rules): one table of fields describes both, and one walk
//! writes the document and one reads it back.

use super::data_stores::escape;
use super::{block, defaulted, optional, required};
use crate::api::Obj;
use serde_json::{json, Map, Value as J};
use strata_aws_client::xml;
use strata_provider::{Attribute, Nesting, Schema};
use strata_types::Type;

/// What a field of the configuration is.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    /// A string argument (optional and computed when `true`).
    Text(bool),
    Number(bool),
    /// A required string argument.
    RequiredText,
    Bool(bool),
    /// A block of at most one, of these fields (required when `true`).
    One(&'static [Field], bool),
    /// A set of blocks, each written as an element of its own.
    Many(&'static [Field]),
    /// A map written as repeated `<Tag><Key/><Value/></Tag>`.
    Tags,
}

/// An argument or block, the element it is written as, and what it is.
pub(super) type Field = (&'static str, &'static str, Kind);

pub(super) fn schema_of(fields: &[Field]) -> Schema {
    let mut schema = Schema::new([]);
    for (name, _, kind) in fields {
        let attribute = |a: Attribute| Some(a);
        let a = match kind {
            Kind::Text(true) => attribute(defaulted(Type::String)),
            Kind::Text(false) => attribute(optional(Type::String)),
            Kind::Number(true) => attribute(defaulted(Type::Number)),
            Kind::Number(false) => attribute(optional(Type::Number)),
            Kind::Bool(true) => attribute(defaulted(Type::Bool)),
            Kind::Bool(false) => attribute(optional(Type::Bool)),
            Kind::RequiredText => attribute(required(Type::String)),
            Kind::Tags => attribute(optional(Type::map(Type::String))),
            Kind::Many(inner) => {
                block(&mut schema, name, Nesting::Set, schema_of(inner), None);
                None
            }
            Kind::One(inner, needed) => {
                block(&mut schema, name, Nesting::List, schema_of(inner), Some(1));
                if *needed {
                    if let Some(b) = schema.blocks.get_mut(*name) {
                        b.min_items = 1;
                    }
                }
                None
            }
        };
        if let Some(a) = a {
            schema.attributes.insert(name.to_string(), a);
        }
    }
    schema
}

/// The fields of `o` as S3's elements.
pub(super) fn write(fields: &[Field], o: &Obj, out: &mut String) {
    for (name, element, kind) in fields {
        let value = o.get(*name).unwrap_or(&J::Null);
        match kind {
            Kind::Text(_) | Kind::RequiredText => {
                if let Some(v) = value.as_str() {
                    out.push_str(&format!("<{element}>{}</{element}>", escape(v)));
                }
            }
            Kind::Number(_) => {
                if let Some(v) = value.as_i64() {
                    out.push_str(&format!("<{element}>{v}</{element}>"));
                }
            }
            Kind::Bool(_) => {
                if let Some(v) = value.as_bool() {
                    out.push_str(&format!("<{element}>{v}</{element}>"));
                }
            }
            Kind::Many(inner) => {
                for b in value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(J::as_object)
                {
                    out.push_str(&format!("<{element}>"));
                    write(inner, b, out);
                    out.push_str(&format!("</{element}>"));
                }
            }
            Kind::Tags => {
                for (k, v) in value.as_object().into_iter().flatten() {
                    out.push_str(&format!(
                        "<{element}><Key>{}</Key><Value>{}</Value></{element}>",
                        escape(k),
                        escape(v.as_str().unwrap_or_default())
                    ));
                }
            }
            Kind::One(inner, _) => {
                if let Some(b) = value
                    .as_array()
                    .and_then(|a| a.first())
                    .and_then(J::as_object)
                {
                    out.push_str(&format!("<{element}>"));
                    write(inner, b, out);
                    out.push_str(&format!("</{element}>"));
                }
            }
        }
    }
}

/// The fields of an element as the schema has them.
pub(super) fn read(fields: &[Field], node: xml::Node<'_, '_>) -> J {
    let mut o = Map::new();
    for (name, element, kind) in fields {
        let value = match kind {
            // An empty element is a value left out.
            Kind::Text(_) | Kind::RequiredText => {
                json!(xml::child_text(node, element).filter(|t| !t.is_empty()))
            }
            Kind::Bool(_) => json!(xml::child_text(node, element).map(|t| t == "true")),
            Kind::Many(inner) => J::Array(
                xml::children(node, element)
                    .map(|n| read(inner, n))
                    .collect(),
            ),
            Kind::Number(_) => {
                json!(xml::child_text(node, element).and_then(|v| v.parse::<i64>().ok()))
            }
            Kind::Tags => {
                let tags: Map<String, J> = xml::children(node, element)
                    .filter_map(|t| {
                        Some((
                            xml::child_text(t, "Key")?,
                            json!(xml::child_text(t, "Value").unwrap_or_default()),
                        ))
                    })
                    .collect();
                if tags.is_empty() {
                    J::Null
                } else {
                    J::Object(tags)
                }
            }
            Kind::One(inner, _) => match xml::child(node, element) {
                Some(n) => json!([read(inner, n)]),
                None => json!([]),
            },
        };
        o.insert(name.to_string(), value);
    }
    J::Object(o)
}

/// A filter's single tag, as lifecycle and replication rules have it.
pub(super) const TAG: Field = (
    "tag",
    "Tag",
    Kind::One(
        &[
            ("key", "Key", Kind::RequiredText),
            ("value", "Value", Kind::RequiredText),
        ],
        false,
    ),
);
