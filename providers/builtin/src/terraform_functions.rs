//! The functions of Terraform's built-in provider
//! (`terraform.io/builtin/terraform`): `encode_tfvars`, `decode_tfvars`
//! and `encode_expr`. Values are written as Terraform writes them — each
//! value as an HCL expression, then the whole laid out by the language's
//! formatter, which is `terraform fmt`'s layout — and read back as a
//! variables file.

use std::collections::BTreeMap;
use strata_lang::parser::is_identifier;
use strata_provider::{Function, FunctionParameter};
use strata_types::{Kind, Type, Value};

type Outcome = Result<Value, (String, Option<usize>)>;

pub(crate) fn functions() -> BTreeMap<String, Function> {
    let one = |name: &str, ty: Type, ret: Type| Function {
        params: vec![FunctionParameter {
            name: name.into(),
            ty,
            allow_null: false,
            allow_unknown: false,
        }],
        variadic: None,
        ret,
    };
    BTreeMap::from([
        (
            "encode_tfvars".to_string(),
            one("value", Type::Dynamic, Type::String),
        ),
        (
            "decode_tfvars".to_string(),
            one("src", Type::String, Type::Dynamic),
        ),
        (
            "encode_expr".to_string(),
            one("value", Type::Dynamic, Type::String),
        ),
    ])
}

pub(crate) fn call(name: &str, args: Vec<Value>) -> Outcome {
    let arg = args
        .into_iter()
        .next()
        .ok_or(("an argument is required".to_string(), None))?;
    match name {
        "encode_tfvars" => encode_tfvars(&arg),
        "decode_tfvars" => decode_tfvars(arg.as_str().unwrap_or_default()),
        "encode_expr" => {
            // Laid out as an attribute's value, then the name taken off.
            let formatted = strata_lang::fmt::format_source(&format!("x = {}\n", expr(&arg)));
            let text = formatted
                .strip_prefix("x = ")
                .unwrap_or(&formatted)
                .trim_end_matches('\n');
            Ok(Value::string(text))
        }
        other => Err((format!("the provider offers no function \"{other}\""), None)),
    }
}

fn encode_tfvars(value: &Value) -> Outcome {
    let fields = match &value.kind {
        Kind::Object(m) | Kind::Map(_, m) => m,
        _ => {
            return Err((
                "invalid value to encode: must be an object whose attribute names will become the encoded variable names".into(),
                Some(0),
            ))
        }
    };
    let mut text = String::new();
    for (name, v) in fields.iter() {
        if !is_identifier(name) {
            return Err((
                format!("invalid variable name {name:?}: must be a valid identifier, per Terraform's rules for input variable declarations"),
                Some(0),
            ));
        }
        text.push_str(&format!("{name} = {}\n", expr(v)));
    }
    Ok(Value::string(strata_lang::fmt::format_source(&text)))
}

fn decode_tfvars(src: &str) -> Outcome {
    let parsed = strata_lang::parser::parse_body(src, 0);
    if let Some(d) = parsed.diagnostics.0.iter().find(|d| d.is_error()) {
        return Err((
            format!("invalid source for decoding: {}", d.detail),
            Some(0),
        ));
    }
    let body = parsed.value;
    if let Some(block) = body.blocks.first() {
        return Err((
            format!("invalid source for decoding: a variables file holds only attributes, not a {} block", block.type_name),
            Some(0),
        ));
    }
    let mut out = BTreeMap::new();
    for attribute in &body.attributes {
        let v = strata_lang::eval::evaluate_constant(&attribute.expr).map_err(|d| {
            (
                format!(
                    "invalid expression for variable {:?}: variable references and function calls are not allowed ({})",
                    attribute.name, d.detail
                ),
                Some(0),
            )
        })?;
        out.insert(attribute.name.clone(), v);
    }
    Ok(Value::object(out))
}

/// A value as an HCL expression, in hclwrite's tokens: collections of
/// values on one line, objects and maps one attribute a line.
fn expr(v: &Value) -> String {
    match &v.kind {
        Kind::Null(_) | Kind::Unknown(_) => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_decimal_string(),
        Kind::String(s) => quoted(s),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => format!(
            "[{}]",
            items.iter().map(expr).collect::<Vec<_>>().join(", ")
        ),
        Kind::Map(_, m) | Kind::Object(m) => {
            if m.is_empty() {
                return "{}".into();
            }
            let mut out = String::from("{\n");
            for (k, v) in m.iter() {
                let key = if is_identifier(k) {
                    k.clone()
                } else {
                    quoted(k)
                };
                out.push_str(&format!("{key} = {}\n", expr(v)));
            }
            out.push('}');
            out
        }
    }
}

/// A quoted string literal, with template sequences escaped.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
