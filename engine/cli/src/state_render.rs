//! State as `terraform show` and `terraform state show` print it: each
//! instance a resource block, attributes sorted and aligned, nested blocks
//! as blocks after them, null attributes left out, sensitive values
//! hidden, multi-line strings as heredocs and JSON documents as
//! `jsonencode(…)`.

use strata_provider::Schema;
use strata_types::{Kind, Value};

/// One instance: `# ADDRESS:` and its block.
pub fn instance(
    address: &str,
    data: bool,
    type_name: &str,
    name: &str,
    value: &Value,
    schema: &Schema,
) -> String {
    let keyword = if data { "data" } else { "resource" };
    let mut out = format!("# {address}:\n{keyword} \"{type_name}\" \"{name}\" {{\n");
    body(&mut out, value, schema, 4);
    out.push_str("}\n");
    out
}

fn pad(n: usize) -> String {
    " ".repeat(n)
}

/// A block's attributes (aligned), then its nested blocks.
fn body(out: &mut String, value: &Value, schema: &Schema, indent: usize) {
    let Kind::Object(fields) = &value.kind else {
        return;
    };
    let mut attributes: Vec<(&String, &Value)> = fields
        .iter()
        .filter(|(k, v)| !schema.blocks.contains_key(*k) && !v.is_null())
        .collect();
    attributes.sort_by(|a, b| a.0.cmp(b.0));
    let width = attributes.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in attributes {
        // A value of no fixed type is read back from JSON, whose maps
        // are objects: Terraform writes their keys bare.
        let dynamic = schema
            .attributes
            .get(k)
            .is_some_and(|a| a.ty == strata_types::Type::Dynamic);
        out.push_str(&format!(
            "{}{k:width$} = {}\n",
            pad(indent),
            render(v, indent, dynamic)
        ));
    }
    for (name, block) in &schema.blocks {
        let Some(v) = fields.get(name).filter(|v| !v.is_null()) else {
            continue;
        };
        let elements: Vec<&Value> = match (&block.nesting, &v.kind) {
            (_, Kind::List(_, e) | Kind::Set(_, e) | Kind::Tuple(e)) => e.iter().collect(),
            _ => vec![v],
        };
        for element in elements {
            out.push_str(&format!("\n{}{name} {{\n", pad(indent)));
            body(out, element, &block.schema, indent + 4);
            out.push_str(&format!("{}}}\n", pad(indent)));
        }
    }
}

/// A value of no fixed type (an output's), written at a line indented
/// by `indent`.
/// An output's value as `show` lists it under "Outputs:": as a value,
/// but with an object's null attributes left out, as Terraform does there.
pub fn output(v: &Value) -> String {
    value(&without_nulls(v), 0)
}

fn without_nulls(v: &Value) -> Value {
    match &v.kind {
        Kind::Object(m) => Value::object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), without_nulls(x)))
                .collect::<strata_types::Fields>(),
        )
        .mark_sensitive(v.sensitive),
        Kind::List(t, items) => Value::list(t.clone(), items.iter().map(without_nulls).collect()),
        Kind::Tuple(items) => Value::tuple(items.iter().map(without_nulls).collect()),
        Kind::Map(t, m) => Value::map(
            t.clone(),
            m.iter()
                .map(|(k, x)| (k.clone(), without_nulls(x)))
                .collect::<strata_types::Fields>(),
        ),
        _ => v.clone(),
    }
}

pub fn value(v: &Value, indent: usize) -> String {
    render(v, indent, true)
}

/// A value written at a line indented by `indent`; a map's keys are
/// quoted unless the value has no fixed type (`dynamic`).
fn render(v: &Value, indent: usize, dynamic: bool) -> String {
    if v.sensitive {
        return "(sensitive value)".into();
    }
    match &v.kind {
        Kind::Null(_) => "null".into(),
        Kind::Unknown(_) => "(known after apply)".into(),
        Kind::String(s) => string(s, indent),
        Kind::Bool(_) | Kind::Number(_) => strata_lang::format::format_value(v, 0),
        Kind::List(_, e) | Kind::Set(_, e) | Kind::Tuple(e) => {
            sequence(e.iter().map(|e| render(e, indent + 4, dynamic)), indent)
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            let mut entries: Vec<(&String, String)> = m
                .iter()
                .map(|(k, e)| (k, render(e, indent + 4, dynamic)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let quote = matches!(v.kind, Kind::Map(..)) && !dynamic;
            mapping(entries, indent, quote)
        }
    }
}

fn sequence(items: impl Iterator<Item = String>, indent: usize) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for item in items {
        out.push_str(&format!("{}{item},\n", pad(indent + 4)));
    }
    out.push_str(&format!("{}]", pad(indent)));
    out
}

fn mapping(entries: Vec<(&String, String)>, indent: usize, quote: bool) -> String {
    if entries.is_empty() {
        return "{}".into();
    }
    let keys: Vec<String> = entries
        .iter()
        .map(|(k, _)| if quote { quoted(k) } else { key(k) })
        .collect();
    let width = keys.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::from("{\n");
    for (k, (_, rendered)) in keys.iter().zip(&entries) {
        out.push_str(&format!("{}{k:width$} = {rendered}\n", pad(indent + 4)));
    }
    out.push_str(&format!("{}}}", pad(indent)));
    out
}

/// An attribute's name as written: bare when it is an identifier, else
/// quoted.
pub(crate) fn key(k: &str) -> String {
    if strata_lang::parser::is_identifier(k) {
        k.to_string()
    } else {
        quoted(k)
    }
}

/// Quoted as Terraform's renderer quotes (Go's `%q`).
fn quoted(s: &str) -> String {
    strata_lang::format::go_quote(s)
}

/// A string: a JSON document as `jsonencode(…)`, several lines as a
/// heredoc, else quoted.
fn string(s: &str, indent: usize) -> String {
    if let Some(doc) = json_document(s) {
        return format!(
            "jsonencode(\n{}{}\n{})",
            pad(indent + 4),
            json(&doc, indent + 4),
            pad(indent)
        );
    }
    if s.contains('\n') {
        return heredoc(s, indent + 4, indent);
    }
    quoted(s)
}

/// The JSON object or array a string holds (a policy, a config), if it
/// holds one.
pub(crate) fn json_document(s: &str) -> Option<serde_json::Value> {
    let text = s.trim_start();
    if !(text.starts_with('{') || text.starts_with('[')) {
        return None;
    }
    serde_json::from_str(text)
        .ok()
        .filter(|doc: &serde_json::Value| doc.is_object() || doc.is_array())
}

/// A string of several lines as a heredoc: its lines indented by
/// `lines`, the closing `EOT` by `close`. Empty lines keep the
/// indentation too, as Terraform writes them.
pub(crate) fn heredoc(s: &str, lines: usize, close: usize) -> String {
    let mut out = String::from("<<-EOT\n");
    for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
        out.push_str(&format!("{}{line}\n", pad(lines)));
    }
    out.push_str(&format!("{}EOT", pad(close)));
    out
}

/// A JSON value inside `jsonencode(…)`, laid out as the values around it.
fn json(j: &serde_json::Value, indent: usize) -> String {
    use serde_json::Value as J;
    match j {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => quoted(s),
        J::Array(a) => sequence(a.iter().map(|e| json(e, indent + 4)), indent),
        J::Object(o) => {
            let mut entries: Vec<(&String, String)> =
                o.iter().map(|(k, e)| (k, json(e, indent + 4))).collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            mapping(entries, indent, false)
        }
    }
}
