//! Values and types to and from JSON, as Terraform writes them in state
//! and plan files: a value is encoded by its type (sets and lists as
//! arrays, objects and maps as objects, numbers exact), and a type as
//! cty's JSON type syntax (`"string"`, `["list","number"]`,
//! `["object",{"a":"bool"}]`). Attributes whose type is only known at run
//! time (`any`) carry their type beside the value.

use crate::{Fields, Kind, Number, Type, Value};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(pub String);

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

fn number_json(n: &Number) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Number>(&n.to_decimal_string()) {
        Ok(n) => serde_json::Value::Number(n),
        Err(_) => serde_json::Value::String(n.to_decimal_string()),
    }
}

/// A known value as JSON; unknown values become `null` (plan files record
/// which ones were unknown separately, as Terraform's `after_unknown`).
pub fn value_to_json(v: &Value) -> serde_json::Value {
    match &v.kind {
        Kind::Null(_) | Kind::Unknown(_) => serde_json::Value::Null,
        Kind::Bool(b) => serde_json::Value::Bool(*b),
        Kind::Number(n) => number_json(n),
        Kind::String(s) => serde_json::Value::String(s.clone()),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            serde_json::Value::Array(items.iter().map(value_to_json).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), value_to_json(v)))
                .collect(),
        ),
    }
}

/// Like [`value_to_json`], with every sensitive part replaced by `null`:
/// for documents that leave Strata (plan JSON), where the `*_sensitive`
/// markers say what was removed.
pub fn value_to_json_redacted(v: &Value) -> serde_json::Value {
    if v.sensitive {
        return serde_json::Value::Null;
    }
    match &v.kind {
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            serde_json::Value::Array(items.iter().map(value_to_json_redacted).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), value_to_json_redacted(v)))
                .collect(),
        ),
        _ => value_to_json(v),
    }
}

/// A value as Terraform's `planned_values` show it: unknown attributes
/// of objects and maps left out, unknown elements of sequences null,
/// sensitive parts null (as [`value_to_json_redacted`]).
pub fn known_values_json(v: &Value) -> serde_json::Value {
    if v.sensitive {
        return serde_json::Value::Null;
    }
    match &v.kind {
        Kind::Unknown(_) => serde_json::Value::Null,
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            serde_json::Value::Array(items.iter().map(known_values_json).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => serde_json::Value::Object(
            m.iter()
                .filter(|(_, v)| !matches!(v.kind, Kind::Unknown(_)))
                .map(|(k, v)| (k.clone(), known_values_json(v)))
                .collect(),
        ),
        _ => value_to_json(v),
    }
}

/// Which parts of a value are unknown, in Terraform's `after_unknown`
/// shape: `true` for an unknown value, objects/arrays mirroring
/// collections that contain unknowns, `false` elsewhere.
pub fn unknown_json(v: &Value) -> serde_json::Value {
    match &v.kind {
        Kind::Unknown(_) => serde_json::Value::Bool(true),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            serde_json::Value::Array(
                items
                    .iter()
                    .map(|i| {
                        if i.is_wholly_known() {
                            serde_json::Value::Bool(false)
                        } else {
                            unknown_json(i)
                        }
                    })
                    .collect(),
            )
        }
        Kind::Map(_, m) | Kind::Object(m) => serde_json::Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_wholly_known())
                .map(|(k, v)| (k.clone(), unknown_json(v)))
                .collect(),
        ),
        _ => serde_json::Value::Bool(false),
    }
}

/// Terraform's `after_unknown` exactly as `show -json` writes it: `true`
/// for an unknown value; for a known collection, its elements' answers
/// (a list of `false`s for known strings, `[]` when empty); an object
/// keeps only the keys whose answer is not `false`, so a known collection
/// attribute shows as `[]` or `{}` and a known string not at all.
pub fn after_unknown_json(v: &Value) -> serde_json::Value {
    match &v.kind {
        Kind::Unknown(_) => serde_json::Value::Bool(true),
        Kind::Null(_) => serde_json::Value::Bool(false),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            serde_json::Value::Array(items.iter().map(after_unknown_json).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), after_unknown_json(v)))
                .filter(|(_, a)| *a != serde_json::Value::Bool(false))
                .collect(),
        ),
        _ => serde_json::Value::Bool(false),
    }
}

/// Terraform's `*_sensitive` and `sensitive_values` exactly as `show
/// -json` writes them: `true` for a sensitive value; for a known
/// collection, its elements' answers (`[]` or `{}` when empty or
/// unknown); an object keeps only the keys whose answer is not `false`.
pub fn sensitive_as_bool_json(v: &Value) -> serde_json::Value {
    if v.sensitive {
        return serde_json::Value::Bool(true);
    }
    match &v.kind {
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            serde_json::Value::Array(items.iter().map(sensitive_as_bool_json).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), sensitive_as_bool_json(v)))
                .filter(|(_, a)| *a != serde_json::Value::Bool(false))
                .collect(),
        ),
        Kind::Unknown(Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
            serde_json::Value::Array(Vec::new())
        }
        Kind::Unknown(Type::Map(_) | Type::Object(_)) => {
            serde_json::Value::Object(Default::default())
        }
        _ => serde_json::Value::Bool(false),
    }
}

/// Which parts of a value are sensitive, in Terraform's `*_sensitive`
/// shape.
pub fn sensitive_json(v: &Value) -> serde_json::Value {
    if v.sensitive {
        return serde_json::Value::Bool(true);
    }
    match &v.kind {
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            serde_json::Value::Array(
                items
                    .iter()
                    .map(|i| {
                        if i.contains_sensitive() {
                            sensitive_json(i)
                        } else {
                            serde_json::Value::Bool(false)
                        }
                    })
                    .collect(),
            )
        }
        Kind::Map(_, m) | Kind::Object(m) => serde_json::Value::Object(
            m.iter()
                .filter(|(_, v)| v.contains_sensitive())
                .map(|(k, v)| (k.clone(), sensitive_json(v)))
                .collect(),
        ),
        _ => serde_json::Value::Bool(false),
    }
}

/// Re-applies marks recorded by [`sensitive_json`] or [`unknown_json`]:
/// `mark(v)` is called on each marked part.
pub fn apply_marks(v: Value, marks: &serde_json::Value, mark: &dyn Fn(Value) -> Value) -> Value {
    match marks {
        serde_json::Value::Bool(true) => mark(v),
        serde_json::Value::Array(items) => {
            let sensitive = v.sensitive;
            let kind = match v.kind {
                Kind::List(t, elements) => {
                    Kind::List(t, zip_marks(elements.into_vec(), items, mark).into())
                }
                Kind::Tuple(elements) => {
                    Kind::Tuple(zip_marks(elements.into_vec(), items, mark).into())
                }
                Kind::Set(t, elements) => {
                    Kind::Set(t, zip_marks(elements.into_vec(), items, mark).into())
                }
                other => other,
            };
            Value { kind, sensitive }
        }
        serde_json::Value::Object(m) => {
            let sensitive = v.sensitive;
            let kind = match v.kind {
                Kind::Object(attrs) => Kind::Object(mark_map(attrs.into_map(), m, mark).into()),
                Kind::Map(t, attrs) => Kind::Map(t, mark_map(attrs.into_map(), m, mark).into()),
                other => other,
            };
            Value { kind, sensitive }
        }
        _ => v,
    }
}

fn zip_marks(
    elements: Vec<Value>,
    marks: &[serde_json::Value],
    mark: &dyn Fn(Value) -> Value,
) -> Vec<Value> {
    elements
        .into_iter()
        .enumerate()
        .map(|(i, e)| match marks.get(i) {
            Some(m) => apply_marks(e, m, mark),
            None => e,
        })
        .collect()
}

fn mark_map(
    attrs: crate::FieldMap<Value>,
    marks: &serde_json::Map<String, serde_json::Value>,
    mark: &dyn Fn(Value) -> Value,
) -> crate::FieldMap<Value> {
    attrs
        .into_iter()
        .map(|(k, v)| {
            let v = match marks.get(&k) {
                Some(m) => apply_marks(v, m, mark),
                None => v,
            };
            (k, v)
        })
        .collect()
}

/// Decodes JSON written by [`value_to_json`] back into a value of `ty`.
/// With `Type::Dynamic` the type is inferred as `jsondecode` does.
pub fn value_from_json(j: &serde_json::Value, ty: &Type) -> Result<Value, JsonError> {
    if j.is_null() {
        return Ok(Value::null(ty.clone()));
    }
    let bad = |what: &str| JsonError(format!("expected {what}, found {j}"));
    Ok(match ty {
        Type::Dynamic => infer(j),
        Type::Bool => Value::bool(j.as_bool().ok_or_else(|| bad("a bool"))?),
        Type::Number => match j {
            serde_json::Value::Number(n) => {
                Value::number(Number::parse(&n.to_string()).ok_or_else(|| bad("a number"))?)
            }
            serde_json::Value::String(s) => {
                Value::number(Number::parse(s).ok_or_else(|| bad("a number"))?)
            }
            _ => return Err(bad("a number")),
        },
        Type::String => Value::string(j.as_str().ok_or_else(|| bad("a string"))?),
        Type::List(e) | Type::Set(e) => {
            let items = j.as_array().ok_or_else(|| bad("an array"))?;
            let values = items
                .iter()
                .map(|i| value_from_json(i, e))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, Type::List(_)) {
                Value {
                    kind: Kind::List((**e).clone(), values.into()),
                    sensitive: false,
                }
            } else {
                Value::set((**e).clone(), values)
            }
        }
        Type::Map(e) => {
            let m = j.as_object().ok_or_else(|| bad("an object"))?;
            let values = m
                .iter()
                .map(|(k, v)| Ok((k.clone(), value_from_json(v, e)?)))
                .collect::<Result<BTreeMap<_, _>, JsonError>>()?;
            Value {
                kind: Kind::Map((**e).clone(), values.into()),
                sensitive: false,
            }
        }
        Type::Object(o) => {
            let m = j.as_object().ok_or_else(|| bad("an object"))?;
            let mut values = BTreeMap::new();
            for (name, t) in &o.attributes {
                let v = match m.get(name) {
                    Some(v) => value_from_json(v, t)?,
                    None => Value::null(t.clone()),
                };
                values.insert(name.clone(), v);
            }
            Value::object(values)
        }
        Type::Tuple(types) => {
            let items = j.as_array().ok_or_else(|| bad("an array"))?;
            if items.len() != types.len() {
                return Err(bad(&format!("an array of {} elements", types.len())));
            }
            Value::tuple(
                items
                    .iter()
                    .zip(types)
                    .map(|(i, t)| value_from_json(i, t))
                    .collect::<Result<_, _>>()?,
            )
        }
    })
}

fn infer(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::dynamic_null(),
        serde_json::Value::Bool(b) => Value::bool(*b),
        serde_json::Value::Number(n) => {
            Value::number(Number::parse(&n.to_string()).unwrap_or_else(Number::zero))
        }
        serde_json::Value::String(s) => Value::string(s.clone()),
        serde_json::Value::Array(items) => Value::tuple(items.iter().map(infer).collect()),
        serde_json::Value::Object(m) => Value::object(
            m.iter()
                .map(|(k, v)| (k.clone(), infer(v)))
                .collect::<Fields>(),
        ),
    }
}

/// cty's JSON type syntax.
pub fn type_to_json(t: &Type) -> serde_json::Value {
    use serde_json::json;
    match t {
        Type::Dynamic => json!("dynamic"),
        Type::Bool => json!("bool"),
        Type::Number => json!("number"),
        Type::String => json!("string"),
        Type::List(e) => json!(["list", type_to_json(e)]),
        Type::Set(e) => json!(["set", type_to_json(e)]),
        Type::Map(e) => json!(["map", type_to_json(e)]),
        Type::Object(o) => {
            let attrs: serde_json::Map<String, serde_json::Value> = o
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), type_to_json(v)))
                .collect();
            json!(["object", attrs])
        }
        Type::Tuple(items) => json!(["tuple", items.iter().map(type_to_json).collect::<Vec<_>>()]),
    }
}

pub fn type_from_json(j: &serde_json::Value) -> Result<Type, JsonError> {
    let bad = || JsonError(format!("invalid type {j}"));
    Ok(match j {
        serde_json::Value::String(s) => match s.as_str() {
            "dynamic" => Type::Dynamic,
            "bool" => Type::Bool,
            "number" => Type::Number,
            "string" => Type::String,
            _ => return Err(bad()),
        },
        serde_json::Value::Array(parts) if parts.len() == 2 => {
            let kind = parts[0].as_str().ok_or_else(bad)?;
            match kind {
                "list" => Type::list(type_from_json(&parts[1])?),
                "set" => Type::set(type_from_json(&parts[1])?),
                "map" => Type::map(type_from_json(&parts[1])?),
                "object" => {
                    let m = parts[1].as_object().ok_or_else(bad)?;
                    Type::object(
                        m.iter()
                            .map(|(k, v)| Ok((k.clone(), type_from_json(v)?)))
                            .collect::<Result<_, JsonError>>()?,
                    )
                }
                "tuple" => Type::Tuple(
                    parts[1]
                        .as_array()
                        .ok_or_else(bad)?
                        .iter()
                        .map(type_from_json)
                        .collect::<Result<_, _>>()?,
                ),
                _ => return Err(bad()),
            }
        }
        _ => return Err(bad()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_json_by_type() {
        let ty = Type::object(BTreeMap::from([
            ("n".to_string(), Type::Number),
            ("s".to_string(), Type::set(Type::String)),
            ("m".to_string(), Type::map(Type::Bool)),
        ]));
        let v = Value::object(BTreeMap::from([
            (
                "n".to_string(),
                Value::number(Number::parse("123456789012345678901234567890.5").unwrap()),
            ),
            (
                "s".to_string(),
                Value::set(Type::String, vec![Value::string("b"), Value::string("a")]),
            ),
            (
                "m".to_string(),
                Value::map(
                    Type::Bool,
                    BTreeMap::from([("k".to_string(), Value::bool(true))]),
                ),
            ),
        ]));
        let j = value_to_json(&v);
        assert_eq!(
            j.to_string(),
            r#"{"m":{"k":true},"n":123456789012345678901234567890.5,"s":["a","b"]}"#
        );
        assert_eq!(value_from_json(&j, &ty).unwrap(), v);
        assert_eq!(type_from_json(&type_to_json(&ty)).unwrap(), ty);
    }
}
