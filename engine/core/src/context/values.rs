//! The values expressions see for resources and module calls expanded by
//! `count` or `for_each`, and where they sit among the root names.

use crate::addr::{InstanceKey, Mode, ResourceAddr};
use std::collections::HashMap;
use strata_types::{Kind, Type, Value};

/// The value other expressions see for a resource: one instance's object,
/// a tuple for `count`, an object by key for `for_each`.
pub(crate) fn resource_value(
    r: &strata_lang::config::Resource,
    instances: &InstanceValues,
) -> Value {
    resource_value_of(r, instances.clone())
}

/// A resource's instances' values by key. Most resources have one
/// instance: a sorted vector holds it in what it costs, where a B-tree
/// would take a node of eleven slots (a kilobyte) for it.
pub(crate) type InstanceValues = strata_types::FieldMap<Value, InstanceKey>;

/// [`resource_value`], taking the instances (no copy of their values).
pub(crate) fn resource_value_of(
    r: &strata_lang::config::Resource,
    instances: impl IntoIterator<Item = (InstanceKey, Value)>,
) -> Value {
    expansion_value(&r.body, instances, || Value::unknown(Type::Dynamic))
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
                .collect::<strata_types::Fields>(),
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

pub(crate) fn insert_path(target: &mut Value, path: &[String], value: Value) {
    if !matches!(target.kind, Kind::Object(_)) {
        *target = Value::empty_object();
    }
    let Kind::Object(m) = &mut target.kind else {
        return;
    };
    if path.len() == 1 {
        m.insert(path[0].clone(), value);
    } else {
        let child = m.get_or_insert_with(&path[0], Value::empty_object);
        insert_path(child, &path[1..], value);
    }
}
