//! Data sources that need no call to AWS: `aws_iam_policy_document` (the
//! most used data source in published stacks), `aws_partition` and
//! `aws_service_principal`.
//!
//! The policy document is written as the Terraform AWS provider writes it
//! (checked against the `hashicorp/aws` binary by
//! `engine/cli/tests/plugin_providers.rs`): statements in order, merged
//! with `source_policy_documents` and `override_policy_documents` by
//! `Sid`; a list of one value written as that value; actions, resources
//! and principal identifiers in reverse sorted order; principals grouped
//! by type; conditions by test, then variable; `&{var}` written
//! `${var}`; JSON indented by two spaces with `<`, `>` and `&` escaped as
//! Go escapes them.

use crate::api::{blocks, s, strings, Obj};
use crate::resources::{block, computed, optional, required, strings as string_list};
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) const TYPES: &[&str] = &[
    "aws_iam_policy_document",
    "aws_partition",
    "aws_service_principal",
];

fn principal_block() -> Schema {
    Schema::new([
        ("type", required(Type::String)),
        ("identifiers", required(Type::set(Type::String))),
    ])
}

pub(crate) fn schemas(out: &mut BTreeMap<String, Schema>) {
    let mut statement = Schema::new([
        ("sid", optional(Type::String)),
        ("effect", optional(Type::String)),
        ("actions", optional(Type::set(Type::String))),
        ("not_actions", optional(Type::set(Type::String))),
        ("resources", optional(Type::set(Type::String))),
        ("not_resources", optional(Type::set(Type::String))),
    ]);
    block(
        &mut statement,
        "principals",
        Nesting::Set,
        principal_block(),
        None,
    );
    block(
        &mut statement,
        "not_principals",
        Nesting::Set,
        principal_block(),
        None,
    );
    block(
        &mut statement,
        "condition",
        Nesting::Set,
        Schema::new([
            ("test", required(Type::String)),
            ("variable", required(Type::String)),
            ("values", required(string_list())),
        ]),
        None,
    );
    let mut document = Schema::new([
        ("id", computed(Type::String)),
        ("policy_id", optional(Type::String)),
        ("version", optional(Type::String)),
        ("source_json", optional(Type::String)),
        ("override_json", optional(Type::String)),
        ("source_policy_documents", optional(string_list())),
        ("override_policy_documents", optional(string_list())),
        ("json", computed(Type::String)),
        ("minified_json", computed(Type::String)),
    ]);
    block(&mut document, "statement", Nesting::List, statement, None);
    out.insert("aws_iam_policy_document".into(), document);
    out.insert(
        "aws_partition".into(),
        Schema::new([
            ("id", computed(Type::String)),
            ("partition", computed(Type::String)),
            ("dns_suffix", computed(Type::String)),
            ("reverse_dns_prefix", computed(Type::String)),
        ]),
    );
    out.insert(
        "aws_service_principal".into(),
        Schema::new([
            ("id", computed(Type::String)),
            ("service_name", required(Type::String)),
            ("region", optional(Type::String)),
            ("name", computed(Type::String)),
            ("suffix", computed(Type::String)),
        ]),
    );
}

/// (partition, DNS suffix) of a region.
fn partition(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else if region.starts_with("us-iso-") {
        ("aws-iso", "c2s.ic.gov")
    } else if region.starts_with("us-isob-") {
        ("aws-iso-b", "sc2s.sgov.gov")
    } else {
        ("aws", "amazonaws.com")
    }
}

/// Reads one of [`TYPES`]; `region` is the provider's.
pub(crate) fn read(type_name: &str, config: &Obj, region: &str) -> ProviderResult<Obj> {
    let mut o = config.clone();
    match type_name {
        "aws_iam_policy_document" => {
            let document = document(config)?;
            let pretty = go_json(&document, true);
            o.insert(
                "id".into(),
                json!(crate::api::crc32(pretty.as_bytes()).to_string()),
            );
            o.insert("minified_json".into(), json!(go_json(&document, false)));
            o.insert("json".into(), json!(pretty));
        }
        "aws_partition" => {
            let (name, suffix) = partition(region);
            let reverse: Vec<&str> = suffix.rsplit('.').collect();
            o.insert("id".into(), json!(name));
            o.insert("partition".into(), json!(name));
            o.insert("dns_suffix".into(), json!(suffix));
            o.insert("reverse_dns_prefix".into(), json!(reverse.join(".")));
        }
        "aws_service_principal" => {
            let service = s(config, "service_name").unwrap_or_default();
            let region = s(config, "region").unwrap_or(region);
            let (_, suffix) = partition(region);
            o.insert("id".into(), json!(format!("{service}.{region}")));
            o.insert("region".into(), json!(region));
            o.insert("name".into(), json!(format!("{service}.{suffix}")));
            o.insert("suffix".into(), json!(suffix));
        }
        other => return Err(ProviderError::UnsupportedType(other.to_string())),
    }
    Ok(o)
}

/// `&{aws:username}` in configuration is IAM's `${aws:username}`.
fn interpolate(v: &str) -> String {
    v.replace("&{", "${")
}

/// One value alone, else the values in reverse sorted order.
fn one_or_reverse_sorted(mut values: Vec<String>) -> Option<J> {
    values.sort();
    values.dedup();
    values.reverse();
    match values.len() {
        0 => None,
        1 => Some(json!(values[0])),
        _ => Some(json!(values)),
    }
}

fn principals(statement: &Obj, name: &str) -> Option<J> {
    let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in blocks(statement, name) {
        let ids: Vec<String> = strings(p, "identifiers")
            .iter()
            .map(|i| interpolate(i))
            .collect();
        by_type
            .entry(s(p, "type").unwrap_or_default().to_string())
            .or_default()
            .extend(ids);
    }
    if by_type.is_empty() {
        return None;
    }
    if by_type.len() == 1
        && by_type
            .get("*")
            .is_some_and(|ids| ids.iter().all(|i| i == "*"))
    {
        return Some(json!("*"));
    }
    Some(J::Object(
        by_type
            .into_iter()
            .filter_map(|(t, ids)| Some((t, one_or_reverse_sorted(ids)?)))
            .collect(),
    ))
}

fn conditions(statement: &Obj) -> Option<J> {
    let mut by_test: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for c in blocks(statement, "condition") {
        by_test
            .entry(s(c, "test").unwrap_or_default().to_string())
            .or_default()
            .entry(s(c, "variable").unwrap_or_default().to_string())
            .or_default()
            .extend(strings(c, "values").iter().map(|v| interpolate(v)));
    }
    (!by_test.is_empty()).then(|| json!(by_test))
}

/// A JSON value whose objects keep their keys in the order written (the
/// document's and its statements' keys are in the AWS provider's order,
/// not sorted).
enum Out {
    Json(J),
    Object(Vec<(String, Out)>),
    List(Vec<Out>),
}

impl Out {
    fn sid(&self) -> &str {
        match self {
            Out::Object(pairs) => pairs
                .iter()
                .find(|(k, _)| k == "Sid")
                .and_then(|(_, v)| match v {
                    Out::Json(J::String(s)) => Some(s.as_str()),
                    _ => None,
                })
                .unwrap_or_default(),
            _ => "",
        }
    }
}

/// A configured statement in the document's key order.
fn statement(c: &Obj) -> ProviderResult<Out> {
    let effect = s(c, "effect").unwrap_or("Allow");
    if effect != "Allow" && effect != "Deny" {
        return Err(ProviderError::at(
            "Invalid effect",
            format!("effect must be \"Allow\" or \"Deny\", not {effect:?}"),
            "statement",
        ));
    }
    let mut out: Vec<(String, Out)> = vec![
        (
            "Sid".into(),
            Out::Json(json!(s(c, "sid").unwrap_or_default())),
        ),
        ("Effect".into(), Out::Json(json!(effect))),
    ];
    let list =
        |k: &str| one_or_reverse_sorted(strings(c, k).iter().map(|v| interpolate(v)).collect());
    for (key, attr) in [
        ("Action", "actions"),
        ("NotAction", "not_actions"),
        ("Resource", "resources"),
        ("NotResource", "not_resources"),
    ] {
        if let Some(v) = list(attr) {
            out.push((key.into(), Out::Json(v)));
        }
    }
    if let Some(p) = principals(c, "principals") {
        out.push(("Principal".into(), Out::Json(p)));
    }
    if let Some(p) = principals(c, "not_principals") {
        out.push(("NotPrincipal".into(), Out::Json(p)));
    }
    if let Some(cond) = conditions(c) {
        out.push(("Condition".into(), Out::Json(cond)));
    }
    Ok(Out::Object(out))
}

/// A statement from a JSON document, its keys in the document's order
/// and a missing `Sid` written empty.
fn normalized(statement: &J) -> Out {
    let Some(m) = statement.as_object() else {
        return Out::Json(statement.clone());
    };
    let mut out = vec![(
        "Sid".to_string(),
        Out::Json(m.get("Sid").cloned().unwrap_or(json!(""))),
    )];
    for key in [
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    ] {
        if let Some(v) = m.get(key) {
            out.push((key.into(), Out::Json(v.clone())));
        }
    }
    Out::Object(out)
}

fn parse_document(text: &str, attribute: &str) -> ProviderResult<J> {
    serde_json::from_str(text).map_err(|e| {
        ProviderError::at(
            "Invalid policy document",
            format!("{attribute}: not a JSON policy document: {e}"),
            attribute,
        )
    })
}

/// Puts `statement` in place of the one with its `Sid`, or at the end.
fn merge(statements: &mut Vec<Out>, statement: Out) {
    let sid = statement.sid();
    if !sid.is_empty() {
        if let Some(at) = statements.iter().position(|s| s.sid() == sid) {
            statements[at] = statement;
            return;
        }
    }
    statements.push(statement);
}

fn statements_of(document: &J) -> Vec<Out> {
    match document.get("Statement") {
        Some(J::Array(a)) => a.iter().map(normalized).collect(),
        Some(one @ J::Object(_)) => vec![normalized(one)],
        _ => Vec::new(),
    }
}

fn document(config: &Obj) -> ProviderResult<Out> {
    let mut version = None;
    let mut id = None;
    let mut merged: Vec<Out> = Vec::new();
    let mut sources: Vec<(String, &str)> = Vec::new();
    if let Some(text) = s(config, "source_json") {
        sources.push((text.to_string(), "source_json"));
    }
    for text in strings(config, "source_policy_documents") {
        sources.push((text, "source_policy_documents"));
    }
    for (text, attribute) in &sources {
        let source = parse_document(text, attribute)?;
        if let Some(v) = source.get("Version").and_then(J::as_str) {
            version = Some(v.to_string());
        }
        id = id.or(source.get("Id").and_then(J::as_str).map(str::to_string));
        for st in statements_of(&source) {
            merge(&mut merged, st);
        }
    }
    for c in blocks(config, "statement") {
        merge(&mut merged, statement(c)?);
    }
    let mut overrides: Vec<(String, &str)> = Vec::new();
    if let Some(text) = s(config, "override_json") {
        overrides.push((text.to_string(), "override_json"));
    }
    for text in strings(config, "override_policy_documents") {
        overrides.push((text, "override_policy_documents"));
    }
    for (text, attribute) in &overrides {
        let document = parse_document(text, attribute)?;
        if let Some(v) = document.get("Version").and_then(J::as_str) {
            version = Some(v.to_string());
        }
        for st in statements_of(&document) {
            merge(&mut merged, st);
        }
    }
    // A document merged in says which version it is written in.
    let version = version
        .or_else(|| s(config, "version").map(str::to_string))
        .unwrap_or_else(|| "2012-10-17".into());
    let mut document = vec![("Version".to_string(), Out::Json(json!(version)))];
    if let Some(id) = s(config, "policy_id").map(str::to_string).or(id) {
        document.push(("Id".into(), Out::Json(json!(id))));
    }
    document.push((
        "Statement".into(),
        if merged.is_empty() {
            Out::Json(J::Null)
        } else {
            Out::List(merged)
        },
    ));
    Ok(Out::Object(document))
}

/// JSON as Go's encoder writes it: `<`, `>`, `&`, U+2028 and U+2029
/// escaped; indented by two spaces when `pretty`.
fn go_json(v: &Out, pretty: bool) -> String {
    let mut buf = String::new();
    write(v, pretty, 0, &mut buf);
    buf
}

fn write(v: &Out, pretty: bool, depth: usize, buf: &mut String) {
    let newline = |buf: &mut String, depth: usize| {
        if pretty {
            buf.push('\n');
            buf.push_str(&"  ".repeat(depth));
        }
    };
    let items: Vec<(Option<&str>, Out)>;
    let (open, close, entries): (char, char, Vec<(Option<&str>, &Out)>) = match v {
        Out::Json(J::Array(a)) => {
            items = a.iter().map(|j| (None, Out::Json(j.clone()))).collect();
            ('[', ']', items.iter().map(|(k, v)| (*k, v)).collect())
        }
        Out::Json(J::Object(m)) => {
            items = m
                .iter()
                .map(|(k, j)| (Some(k.as_str()), Out::Json(j.clone())))
                .collect();
            ('{', '}', items.iter().map(|(k, v)| (*k, v)).collect())
        }
        Out::Json(scalar) => {
            let text = serde_json::to_string(scalar).unwrap_or_default();
            buf.push_str(
                &text
                    .replace('<', "\\u003c")
                    .replace('>', "\\u003e")
                    .replace('&', "\\u0026")
                    .replace('\u{2028}', "\\u2028")
                    .replace('\u{2029}', "\\u2029"),
            );
            return;
        }
        Out::Object(pairs) => (
            '{',
            '}',
            pairs.iter().map(|(k, v)| (Some(k.as_str()), v)).collect(),
        ),
        Out::List(list) => ('[', ']', list.iter().map(|v| (None, v)).collect()),
    };
    buf.push(open);
    if entries.is_empty() {
        buf.push(close);
        return;
    }
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        newline(buf, depth + 1);
        if let Some(k) = key {
            write(&Out::Json(J::String(k.to_string())), pretty, depth + 1, buf);
            buf.push_str(if pretty { ": " } else { ":" });
        }
        write(value, pretty, depth + 1, buf);
    }
    newline(buf, depth);
    buf.push(close);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn partitions_and_service_principals_follow_the_region() {
        let config = |j: serde_json::Value| j.as_object().unwrap().clone();
        let p = super::read("aws_partition", &config(json!({})), "cn-north-1").unwrap();
        assert_eq!(p["partition"], "aws-cn");
        assert_eq!(p["dns_suffix"], "amazonaws.com.cn");
        assert_eq!(p["reverse_dns_prefix"], "cn.com.amazonaws");
        let sp = super::read(
            "aws_service_principal",
            &config(json!({"service_name": "ec2"})),
            "us-west-2",
        )
        .unwrap();
        assert_eq!(sp["name"], "ec2.amazonaws.com");
        assert_eq!(sp["id"], "ec2.us-west-2");
    }
}
