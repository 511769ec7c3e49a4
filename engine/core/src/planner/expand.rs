//! Expansion: `count` and `for_each` into instance keys, and the value
//! a resource or module call has from its instances.

use super::*;

/// The most instances one `count` may ask for.
pub const MAX_COUNT: i64 = 1_000_000;

/// Instance keys with their `each.value`.
pub(super) type Expansion = Vec<(InstanceKey, Option<Value>)>;

/// The instance keys of a resource: from `count`, `for_each`, or one
/// unkeyed instance. `None` when the expansion is unknown.
///
/// `count` is bounded by [`MAX_COUNT`]: a typo such as `1e9` is an error
/// rather than an attempt to plan a billion instances.
pub(super) fn expand(
    body: &strata_lang::ast::Body,
    roots: &HashMap<String, Value>,
    env: &FunctionEnv,
) -> Result<Option<Expansion>, Diagnostic> {
    let ctx = EvalContext {
        variables: roots,
        overlay: None,
        env,
    };
    if let Some(count) = body.attribute("count") {
        let v = evaluate(&count.expr, &ctx)?;
        if v.is_unknown() {
            return Ok(None);
        }
        let v = strata_lang::convert::convert(&v, &Type::Number).unwrap_or(v);
        let n = v
            .as_number()
            .and_then(|n| n.to_i64())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                Diagnostic::error(
                    strata_types::codes::INVALID_COUNT_ARGUMENT,
                    "Invalid count argument",
                    "The \"count\" argument must be a whole number, zero or more.",
                    count.expr.span,
                )
            })?;
        if n > MAX_COUNT {
            return Err(Diagnostic::error(
                strata_types::codes::INVALID_COUNT_ARGUMENT,
                "Invalid count argument",
                format!("The \"count\" argument is {n}; one resource or module call can have at most {MAX_COUNT} instances. Split it, or check the expression."),
                count.expr.span,
            ));
        }
        return Ok(Some((0..n).map(|i| (InstanceKey::Int(i), None)).collect()));
    }
    if let Some(for_each) = body.attribute("for_each") {
        let v = evaluate(&for_each.expr, &ctx)?;
        // The keys must be known; a map's values may still be unknown.
        let keys_known = match &v.kind {
            Kind::Unknown(_) => false,
            Kind::Set(_, items) => items.iter().all(Value::is_wholly_known),
            _ => true,
        };
        if !keys_known {
            return Ok(None);
        }
        if v.sensitive {
            return Err(Diagnostic::error(
                strata_types::codes::INVALID_FOR_EACH,
                "Invalid for_each argument",
                "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments: the keys would appear in addresses.",
                for_each.expr.span,
            ));
        }
        return match &v.kind {
            Kind::Map(_, m) | Kind::Object(m) => Ok(Some(m.iter().map(|(k, x)| (InstanceKey::Str(k.clone()), Some(x.clone()))).collect())),
            Kind::Set(_, items) => {
                let mut out = Vec::new();
                for item in items {
                    match item.as_str() {
                        Some(s) => out.push((InstanceKey::Str(s.to_string()), Some(item.clone()))),
                        None => {
                            return Err(Diagnostic::error(
                                strata_types::codes::INVALID_FOR_EACH,
                                "Invalid for_each set argument",
                                "The given \"for_each\" argument value is unsuitable: \"for_each\" supports sets of strings, but you have provided a set containing other types.",
                                for_each.expr.span,
                            ))
                        }
                    }
                }
                Ok(Some(out))
            }
            _ => Err(Diagnostic::error(
                strata_types::codes::INVALID_FOR_EACH,
                "Invalid for_each argument",
                format!(
                    "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.",
                    v.ty().friendly_name()
                ),
                for_each.expr.span,
            )),
        };
    }
    Ok(Some(vec![(InstanceKey::None, None)]))
}

/// The value other expressions see for a resource: one instance's object,
/// a tuple for `count`, an object by key for `for_each`.
pub(crate) fn resource_value(
    r: &strata_lang::config::Resource,
    instances: &BTreeMap<InstanceKey, Value>,
) -> Value {
    expansion_value(
        &r.body,
        instances.iter().map(|(k, v)| (k.clone(), v.clone())),
        || Value::unknown(Type::Dynamic),
    )
}

/// The value of a block expanded by `count` or `for_each` (a resource or
/// a module call), from its instances in key order: a tuple for `count`,
/// an object by key for `for_each`, else the one instance (`missing()`
/// when there is none).
pub(crate) fn expansion_value(
    body: &strata_lang::ast::Body,
    instances: impl IntoIterator<Item = (InstanceKey, Value)>,
    missing: impl FnOnce() -> Value,
) -> Value {
    if body.attribute("count").is_some() {
        Value::tuple(instances.into_iter().map(|(_, v)| v).collect())
    } else if body.attribute("for_each").is_some() {
        Value::object(
            instances
                .into_iter()
                .map(|(k, v)| match k {
                    InstanceKey::Str(s) => (s, v),
                    k => (k.to_string(), v),
                })
                .collect(),
        )
    } else {
        instances
            .into_iter()
            .next()
            .map(|(_, v)| v)
            .unwrap_or_else(missing)
    }
}

pub(crate) fn set_resource_root(
    roots: &mut HashMap<String, Value>,
    addr: &ResourceAddr,
    value: Value,
) {
    let (root, key) = match addr.mode {
        Mode::Data => (
            "data".to_string(),
            vec![addr.type_name.clone(), addr.name.clone()],
        ),
        Mode::Managed => (addr.type_name.clone(), vec![addr.name.clone()]),
    };
    let entry = roots.entry(root).or_insert_with(Value::empty_object);
    insert_path(entry, &key, value);
}

/// The value of a resource in `roots`, if it is there.
pub(crate) fn resource_root_mut<'a>(
    roots: &'a mut HashMap<String, Value>,
    addr: &ResourceAddr,
) -> Option<&'a mut Value> {
    let object = |v: &'a mut Value, key: &str| match &mut v.kind {
        Kind::Object(m) => m.get_mut(key),
        _ => None,
    };
    match addr.mode {
        Mode::Data => {
            object(roots.get_mut("data")?, &addr.type_name).and_then(|v| object(v, &addr.name))
        }
        Mode::Managed => object(roots.get_mut(&addr.type_name)?, &addr.name),
    }
}

pub(super) fn insert_path(target: &mut Value, path: &[String], value: Value) {
    if !matches!(target.kind, Kind::Object(_)) {
        *target = Value::empty_object();
    }
    let Kind::Object(m) = &mut target.kind else {
        return;
    };
    if path.len() == 1 {
        m.insert(path[0].clone(), value);
    } else {
        let child = m.entry(path[0].clone()).or_insert_with(Value::empty_object);
        insert_path(child, &path[1..], value);
    }
}
