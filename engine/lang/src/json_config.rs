//! The JSON configuration syntax (`*.tf.json`), lowered to the same syntax
//! tree as native files. Strings are parsed as templates, as Terraform does
//! for argument values; numbers stay exact.

use crate::ast::{Attribute, Block, Body, Expr, ExprKind, Label, ObjectKey};
use crate::parser::{parse_template, Parsed};
use strata_types::{Diagnostic, Diagnostics, Number, Span, Value};

/// Blocks with labels at the top level, and how many labels each has.
fn label_count(block_type: &str) -> usize {
    match block_type {
        "resource" | "data" => 2,
        "provider" | "variable" | "module" | "output" | "check" => 1,
        _ => 0,
    }
}

pub fn parse_json_body(text: &str, file: u32) -> Parsed<Body> {
    let mut diagnostics = Diagnostics::default();
    let whole = Span::new(file, 0, text.len());
    let checked =
        serde_json::from_str::<NoDuplicateKeys>(text).and_then(|_| serde_json::from_str(text));
    let value: serde_json::Value = match checked {
        Ok(v) => v,
        Err(e) => {
            let offset = line_col_offset(text, e.line(), e.column());
            diagnostics.push(Diagnostic::error(
                strata_types::codes::INVALID_JSON,
                "Invalid JSON configuration",
                format!("The file is not valid JSON: {e}."),
                Span::new(file, offset, offset),
            ));
            return Parsed {
                value: Body::default(),
                diagnostics,
            };
        }
    };
    let mut body = Body {
        span: whole,
        ..Default::default()
    };
    let Some(top) = value.as_object() else {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::INVALID_JSON,
            "Invalid JSON configuration",
            "The root of a .tf.json file must be an object.",
            whole,
        ));
        return Parsed {
            value: body,
            diagnostics,
        };
    };
    for (block_type, content) in top {
        let labels = label_count(block_type);
        let mut out = Vec::new();
        collect_blocks(
            block_type,
            content,
            labels,
            Vec::new(),
            whole,
            &mut out,
            &mut diagnostics,
        );
        body.blocks.extend(out);
    }
    Parsed {
        value: body,
        diagnostics,
    }
}

/// A `.tfvars.json` file: every top-level property is a variable value,
/// taken as plain JSON (strings are not templates there).
pub fn parse_json_tfvars(text: &str, file: u32) -> Parsed<Body> {
    let mut diagnostics = Diagnostics::default();
    let whole = Span::new(file, 0, text.len());
    let mut body = Body {
        span: whole,
        ..Default::default()
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(properties)) => {
            for (name, value) in properties {
                let expr = Expr { kind: ExprKind::Literal(crate::functions::json_value(&value)), span: whole };
                body.attributes.push(Attribute { name, name_span: whole, expr, span: whole });
            }
        }
        Ok(_) => diagnostics.push(Diagnostic::error(strata_types::codes::INVALID_JSON, "Invalid JSON variables file", "The root of a .tfvars.json file must be an object whose properties are variable values.", whole)),
        Err(e) => {
            let offset = line_col_offset(text, e.line(), e.column());
            diagnostics.push(Diagnostic::error(strata_types::codes::INVALID_JSON, "Invalid JSON variables file", format!("The file is not valid JSON: {e}."), Span::new(file, offset, offset)));
        }
    }
    Parsed {
        value: body,
        diagnostics,
    }
}

fn line_col_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

fn collect_blocks(
    block_type: &str,
    content: &serde_json::Value,
    labels_left: usize,
    labels: Vec<String>,
    span: Span,
    out: &mut Vec<Block>,
    diagnostics: &mut Diagnostics,
) {
    if let serde_json::Value::Array(items) = content {
        for item in items {
            collect_blocks(
                block_type,
                item,
                labels_left,
                labels.clone(),
                span,
                out,
                diagnostics,
            );
        }
        return;
    }
    let Some(object) = content.as_object() else {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::INVALID_JSON,
            "Invalid JSON configuration",
            format!("A \"{block_type}\" block must be a JSON object."),
            span,
        ));
        return;
    };
    if labels_left > 0 {
        for (label, inner) in object {
            let mut next = labels.clone();
            next.push(label.clone());
            collect_blocks(
                block_type,
                inner,
                labels_left - 1,
                next,
                span,
                out,
                diagnostics,
            );
        }
        return;
    }
    let body = if block_type == "locals" {
        object_body(object, span, diagnostics, true)
    } else {
        object_body(object, span, diagnostics, false)
    };
    out.push(Block {
        type_name: block_type.to_string(),
        type_span: span,
        labels: labels
            .into_iter()
            .map(|value| Label { value, span })
            .collect(),
        body,
        span,
    });
}

const NESTED_BLOCKS: &[&str] = &[
    "lifecycle",
    "validation",
    "precondition",
    "postcondition",
    "required_providers",
    "backend",
    "dynamic",
    "content",
    "assert",
    "provisioner",
    "connection",
];

fn object_body(
    object: &serde_json::Map<String, serde_json::Value>,
    span: Span,
    diagnostics: &mut Diagnostics,
    flat: bool,
) -> Body {
    let mut body = Body {
        span,
        ..Default::default()
    };
    for (name, value) in object {
        if !flat && NESTED_BLOCKS.contains(&name.as_str()) && value.is_object() {
            let labels = match name.as_str() {
                "backend" | "dynamic" | "provisioner" => 1,
                _ => 0,
            };
            let mut out = Vec::new();
            collect_blocks(name, value, labels, Vec::new(), span, &mut out, diagnostics);
            body.blocks.extend(out);
            continue;
        }
        // Arguments that hold type expressions or references rather than
        // values: in JSON their strings are expressions, not templates.
        let expr = match (name.as_str(), value) {
            ("type" | "provider" | "from" | "to", serde_json::Value::String(s)) => {
                static_expr(s, span, diagnostics)
            }
            (
                "depends_on" | "ignore_changes" | "replace_triggered_by",
                serde_json::Value::Array(items),
            ) => Expr {
                kind: ExprKind::Tuple(
                    items
                        .iter()
                        .map(|item| match item {
                            serde_json::Value::String(s) => static_expr(s, span, diagnostics),
                            other => json_expr(other, span, diagnostics),
                        })
                        .collect(),
                ),
                span,
            },
            _ => json_expr(value, span, diagnostics),
        };
        body.attributes.push(Attribute {
            name: name.clone(),
            name_span: span,
            expr,
            span,
        });
    }
    body
}

/// A JSON string holding an expression (`"list(string)"`, `"aws_iam_role.x"`).
fn static_expr(text: &str, span: Span, diagnostics: &mut Diagnostics) -> Expr {
    let parsed = crate::parser::parse_expression(text, span.file);
    for mut d in parsed.diagnostics.0 {
        d.span = Some(span);
        diagnostics.push(d);
    }
    let mut e = parsed.value;
    e.relocate(span);
    e
}

fn json_expr(value: &serde_json::Value, span: Span, diagnostics: &mut Diagnostics) -> Expr {
    let kind = match value {
        serde_json::Value::Null => ExprKind::Literal(Value::dynamic_null()),
        serde_json::Value::Bool(b) => ExprKind::Literal(Value::bool(*b)),
        serde_json::Value::Number(n) => ExprKind::Literal(Value::number(
            Number::parse(&n.to_string()).unwrap_or_else(Number::zero),
        )),
        serde_json::Value::String(s) => {
            let parsed = parse_template(s, span.file);
            if parsed.diagnostics.has_errors() {
                for mut d in parsed.diagnostics.0 {
                    d.span = Some(span);
                    diagnostics.push(d);
                }
                return Expr {
                    kind: ExprKind::Literal(Value::string(s.clone())),
                    span,
                };
            }
            let mut e = parsed.value;
            e.relocate(span);
            return e;
        }
        serde_json::Value::Array(items) => ExprKind::Tuple(
            items
                .iter()
                .map(|v| json_expr(v, span, diagnostics))
                .collect(),
        ),
        serde_json::Value::Object(m) => ExprKind::Object(
            m.iter()
                .map(|(k, v)| (ObjectKey::Name(k.clone()), json_expr(v, span, diagnostics)))
                .collect(),
        ),
    };
    Expr { kind, span }
}

/// Reads a JSON document only to refuse an object that has a key twice
/// (`serde_json::Value` would keep the last silently; Terraform refuses
/// it as a duplicate argument).
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "the key {key:?} is set twice in one object"
                )));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
}
