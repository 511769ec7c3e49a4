//! Collection functions.

use super::{int_arg, seq_arg, str_arg, FnError, FnResult};
use crate::convert::equals;
use crate::convert::{convert, unify};
use std::collections::BTreeMap;
use strata_types::{Kind, Number, Type, Value};
use unicode_segmentation::UnicodeSegmentation;

pub(super) fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    Some(match name {
        "alltrue" => Ok(Value::bool(
            seq_arg(a, 0).iter().all(|v| v.as_bool() == Some(true)),
        )),
        "anytrue" => Ok(Value::bool(
            seq_arg(a, 0).iter().any(|v| v.as_bool() == Some(true)),
        )),
        "chunklist" => chunklist(a),
        "coalesce" => coalesce(a),
        "coalescelist" => coalescelist(a),
        "compact" => Ok(Value::list(
            Type::String,
            seq_arg(a, 0)
                .iter()
                .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
                .cloned()
                .collect(),
        )),
        "concat" => concat(a),
        "contains" => contains(a),
        "distinct" => {
            let mut out: Vec<Value> = Vec::new();
            for v in seq_arg(a, 0) {
                if !out.iter().any(|o| equals(o, v) == Some(true)) {
                    out.push(v.clone());
                }
            }
            Ok(list_like(&a[0], out))
        }
        "element" => element(a),
        "flatten" => flatten(a),
        "index" => {
            let Some(items) = a[0]
                .as_sequence()
                .filter(|_| !matches!(a[0].kind, Kind::Set(..)))
            else {
                return Some(Err(FnError::Arg(
                    0,
                    "argument must be a list or tuple".into(),
                )));
            };
            match items.iter().position(|v| equals(v, &a[1]) == Some(true)) {
                Some(i) => Ok(Value::int(i as i64)),
                None => Err(FnError::Call("item not found".into())),
            }
        }
        "keys" => keys_or_values(a, true),
        "values" => keys_or_values(a, false),
        "length" => length(&a[0]),
        "lookup" => lookup(a),
        "matchkeys" => matchkeys(a),
        "merge" => merge(a),
        "one" => one(a),
        "range" => range(a),
        "reverse" => {
            let Some(items) = a[0].as_sequence() else {
                return Some(Err(FnError::Arg(
                    0,
                    "a list, set or tuple is required".into(),
                )));
            };
            let reversed: Vec<Value> = items.iter().rev().cloned().collect();
            Ok(match &a[0].kind {
                Kind::Tuple(_) => Value::tuple(reversed),
                Kind::Set(t, _) | Kind::List(t, _) => Value::list(t.clone(), reversed),
                _ => Value::tuple(reversed),
            })
        }
        "setintersection" => set_op(a, |acc, other| {
            acc.into_iter()
                .filter(|v| other.iter().any(|o| equals(o, v) == Some(true)))
                .collect()
        }),
        "setunion" => set_op(a, |mut acc, other| {
            acc.extend(other.iter().cloned());
            acc
        }),
        "setsubtract" => set_op(a, |acc, other| {
            acc.into_iter()
                .filter(|v| !other.iter().any(|o| equals(o, v) == Some(true)))
                .collect()
        }),
        "setproduct" => setproduct(a),
        "slice" => slice(a),
        "sort" => {
            let mut items: Vec<String> = Vec::new();
            for v in seq_arg(a, 0) {
                match v.as_str() {
                    Some(s) => items.push(s.to_string()),
                    None => {
                        return Some(Err(FnError::Arg(
                            0,
                            "given list element must not be null".into(),
                        )))
                    }
                }
            }
            items.sort();
            Ok(Value::list(
                Type::String,
                items.into_iter().map(Value::string).collect(),
            ))
        }
        "sum" => sum(a),
        "transpose" => transpose(a),
        "zipmap" => zipmap(a),
        _ => return None,
    })
}

/// A list of the same kind as `original` (list for list/set, tuple for tuple).
fn list_like(original: &Value, items: Vec<Value>) -> Value {
    match &original.kind {
        Kind::Tuple(_) => Value::tuple(items),
        Kind::List(t, _) | Kind::Set(t, _) => Value::list(t.clone(), items),
        _ => Value::tuple(items),
    }
}

fn chunklist(a: &[Value]) -> FnResult {
    let size = int_arg(a, 1)?;
    if size < 0 {
        return Err(FnError::Arg(1, "the size argument must be positive".into()));
    }
    let items = seq_arg(a, 0);
    let element_type = a[0].ty();
    let chunks: Vec<Value> = if size == 0 {
        vec![a[0].clone()]
    } else {
        items
            .chunks(size as usize)
            .map(|c| {
                Value::list(
                    element_type.element().cloned().unwrap_or(Type::Dynamic),
                    c.to_vec(),
                )
            })
            .collect()
    };
    Ok(Value::list(element_type, chunks))
}

fn coalesce(a: &[Value]) -> FnResult {
    let types: Vec<Type> = a.iter().map(Value::ty).collect();
    let ty = unify(&types)
        .ok_or_else(|| FnError::Call("all arguments must have the same type".into()))?;
    for v in a {
        if v.is_null() {
            continue;
        }
        let c = convert(v, &ty).map_err(|e| FnError::Call(e.describe()))?;
        if c.as_str() == Some("") {
            continue;
        }
        return Ok(c);
    }
    Err(FnError::Call(
        "no non-null, non-empty-string arguments".into(),
    ))
}

fn coalescelist(a: &[Value]) -> FnResult {
    for (i, v) in a.iter().enumerate() {
        if v.is_null() {
            continue;
        }
        match v.as_sequence() {
            Some(items) if !items.is_empty() => return Ok(v.clone()),
            Some(_) => continue,
            None => return Err(FnError::Arg(i, "a list or tuple is required".into())),
        }
    }
    Err(FnError::Call("no non-null arguments".into()))
}

fn concat(a: &[Value]) -> FnResult {
    if a.is_empty() {
        return Err(FnError::Call("at least one argument is required".into()));
    }
    let mut out = Vec::new();
    let mut all_lists = true;
    for (i, v) in a.iter().enumerate() {
        match &v.kind {
            Kind::List(..) => {}
            Kind::Tuple(_) | Kind::Set(..) => all_lists = false,
            _ => {
                return Err(FnError::Arg(
                    i,
                    "all arguments must be lists or tuples".into(),
                ))
            }
        }
        out.extend(v.as_sequence().unwrap_or(&[]).iter().cloned());
    }
    if all_lists && !a.is_empty() {
        let types: Vec<Type> = a.iter().map(Value::ty).collect();
        let ty = unify(&types).ok_or_else(|| {
            FnError::Call("all arguments must be lists or tuples; got mismatched types".into())
        })?;
        let element = ty.element().cloned().unwrap_or(Type::Dynamic);
        let out = out
            .into_iter()
            .map(|v| convert(&v, &element).unwrap_or(v))
            .collect();
        return Ok(Value::list(element, out));
    }
    Ok(Value::tuple(out))
}

fn contains(a: &[Value]) -> FnResult {
    let Some(items) = a[0].as_sequence() else {
        return Err(FnError::Arg(
            0,
            "argument must be list, tuple, or set".into(),
        ));
    };
    let mut unknown = false;
    for v in items {
        match equals(v, &a[1]) {
            Some(true) => return Ok(Value::bool(true)),
            None => unknown = true,
            Some(false) => {}
        }
    }
    Ok(if unknown {
        Value::unknown(Type::Bool)
    } else {
        Value::bool(false)
    })
}

fn element(a: &[Value]) -> FnResult {
    let Some(items) = a[0]
        .as_sequence()
        .filter(|_| !matches!(a[0].kind, Kind::Set(..)))
    else {
        return Err(FnError::Arg(0, "cannot read elements from set".into()));
    };
    let index = int_arg(a, 1)?;
    if items.is_empty() {
        return Err(FnError::Call(
            "cannot use element function with an empty list".into(),
        ));
    }
    let len = items.len() as i64;
    Ok(items[(((index % len) + len) % len) as usize].clone())
}

fn flatten(a: &[Value]) -> FnResult {
    fn walk(v: &Value, out: &mut Vec<Value>, unknown: &mut bool) {
        match &v.kind {
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                for item in items {
                    match &item.kind {
                        Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) => walk(item, out, unknown),
                        Kind::Unknown(_) => *unknown = true,
                        _ => out.push(item.clone()),
                    }
                }
            }
            _ => out.push(v.clone()),
        }
    }
    if a[0].as_sequence().is_none() {
        return Err(FnError::Arg(
            0,
            "can only flatten lists, sets and tuples".into(),
        ));
    }
    let mut out = Vec::new();
    let mut unknown = false;
    walk(&a[0], &mut out, &mut unknown);
    if unknown {
        return Ok(Value::unknown(Type::Dynamic));
    }
    Ok(Value::tuple(out))
}

fn keys_or_values(a: &[Value], keys: bool) -> FnResult {
    let v = &a[0];
    match &v.kind {
        Kind::Unknown(Type::Object(o)) if keys => Ok(Value::tuple(
            o.attributes
                .keys()
                .map(|k| Value::string(k.clone()))
                .collect(),
        )),
        Kind::Unknown(Type::Map(_)) if keys => Ok(Value::unknown(Type::list(Type::String))),
        Kind::Unknown(_) => Ok(Value::unknown(Type::Dynamic)),
        Kind::Map(t, m) => Ok(if keys {
            Value::list(
                Type::String,
                m.keys().map(|k| Value::string(k.clone())).collect(),
            )
        } else {
            Value::list(t.clone(), m.values().cloned().collect())
        }),
        Kind::Object(m) => Ok(if keys {
            Value::tuple(m.keys().map(|k| Value::string(k.clone())).collect())
        } else {
            Value::tuple(m.values().cloned().collect())
        }),
        _ => Err(FnError::Arg(0, "must have map or object type".into())),
    }
}

fn length(v: &Value) -> FnResult {
    let unknown_set =
        matches!(&v.kind, Kind::Set(_, items) if items.iter().any(|i| !i.is_wholly_known()));
    if v.is_unknown() || unknown_set {
        // A tuple or object type fixes the length even while the value is
        // unknown (Terraform's `length` says so too).
        if let Kind::Unknown(ty) = &v.kind {
            match ty {
                Type::Tuple(elements) => {
                    return Ok(Value::number(Number::from_usize(elements.len())))
                }
                Type::Object(o) => {
                    return Ok(Value::number(Number::from_usize(o.attributes.len())))
                }
                _ => {}
            }
        }
        return Ok(Value::unknown(Type::Number));
    }
    let n = match &v.kind {
        Kind::String(s) => s.graphemes(true).count(),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => items.len(),
        Kind::Map(_, m) | Kind::Object(m) => m.len(),
        _ => {
            return Err(FnError::Arg(
                0,
                "argument must be a string, a collection type, or a structural type".into(),
            ))
        }
    };
    Ok(Value::number(Number::from_usize(n)))
}

fn lookup(a: &[Value]) -> FnResult {
    if a.len() > 3 {
        return Err(FnError::Call(
            "lookup() takes no more than three arguments".into(),
        ));
    }
    let key = str_arg(a, 1);
    let Some(m) = a[0].as_mapping() else {
        return Err(FnError::Arg(
            0,
            "the given value must be a map or object".into(),
        ));
    };
    if let Some(v) = m.get(key) {
        if let (Kind::Object(_), Some(default)) = (&a[0].kind, a.get(2)) {
            let ty = unify(&[v.ty(), default.ty()]).unwrap_or(Type::Dynamic);
            return Ok(convert(v, &ty).unwrap_or_else(|_| v.clone()));
        }
        return Ok(v.clone());
    }
    match a.get(2) {
        Some(default) => {
            let element = match &a[0].kind {
                Kind::Map(t, _) => t.clone(),
                _ => Type::Dynamic,
            };
            if element != Type::Dynamic && !default.is_null() {
                return convert(default, &element).map_err(|e| FnError::Arg(2, e.describe()));
            }
            Ok(default.clone())
        }
        None => Err(FnError::Call(format!(
            "lookup failed to find key {}",
            crate::format::go_quote(key)
        ))),
    }
}

fn matchkeys(a: &[Value]) -> FnResult {
    let (values, keys, search) = (seq_arg(a, 0), seq_arg(a, 1), seq_arg(a, 2));
    if values.len() != keys.len() {
        return Err(FnError::Call(
            "length of keys and values should be equal".into(),
        ));
    }
    let mut out = Vec::new();
    for (v, k) in values.iter().zip(keys) {
        if search.iter().any(|s| equals(s, k) == Some(true)) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(
        a[0].ty().element().cloned().unwrap_or(Type::Dynamic),
        out,
    ))
}

fn merge(a: &[Value]) -> FnResult {
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    let mut all_maps = true;
    for (i, v) in a.iter().enumerate() {
        match &v.kind {
            Kind::Null(_) => continue,
            Kind::Map(_, m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            Kind::Object(m) => {
                all_maps = false;
                out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())))
            }
            _ => {
                return Err(FnError::Arg(
                    i,
                    format!(
                        "arguments must be maps or objects, got {}",
                        crate::format::go_quote(&v.ty().friendly_name())
                    ),
                ))
            }
        }
    }
    if all_maps && a.iter().any(|v| !v.is_null()) {
        let types: Vec<Type> = out.values().map(Value::ty).collect();
        let element = unify(&types).unwrap_or(Type::Dynamic);
        let out = out
            .into_iter()
            .map(|(k, v)| (k, convert(&v, &element).unwrap_or(v)))
            .collect::<strata_types::Fields>();
        return Ok(Value::map(element, out));
    }
    Ok(Value::object(out))
}

fn one(a: &[Value]) -> FnResult {
    let v = &a[0];
    if v.is_null() {
        return Err(FnError::Arg(0, "argument must not be null".into()));
    }
    let Some(items) = v.as_sequence() else {
        return Err(FnError::Arg(
            0,
            "must be a list, set, or tuple value with either zero or one elements".into(),
        ));
    };
    match items.len() {
        0 => Ok(Value::null(
            v.ty().element().cloned().unwrap_or(Type::Dynamic),
        )),
        1 => Ok(items[0].clone()),
        _ => Err(FnError::Arg(
            0,
            "must be a list, set, or tuple value with either zero or one elements".into(),
        )),
    }
}

fn range(a: &[Value]) -> FnResult {
    let nums: Vec<Number> = (0..a.len()).map(|i| super::num_arg(a, i)).collect();
    let (start, end, step) = match nums.len() {
        1 => (Number::from_i64(0), nums[0].clone(), Number::from_i64(1)),
        2 => {
            let step = if nums[1].cmp_value(&nums[0]).is_lt() {
                -1
            } else {
                1
            };
            (nums[0].clone(), nums[1].clone(), Number::from_i64(step))
        }
        3 => (nums[0].clone(), nums[1].clone(), nums[2].clone()),
        _ => {
            return Err(FnError::Call(
                "must have one, two, or three arguments".into(),
            ))
        }
    };
    if step.is_zero() {
        return Err(FnError::Call("step must not be zero".into()));
    }
    let down = step.is_negative();
    if down && start.cmp_value(&end).is_lt() {
        return Err(FnError::Call(
            "step must be positive when start is less than end".into(),
        ));
    }
    if !down && start.cmp_value(&end).is_gt() {
        return Err(FnError::Call(
            "step must be negative when start is greater than end".into(),
        ));
    }
    let mut out = Vec::new();
    let mut i = start;
    while if down {
        i.cmp_value(&end).is_gt()
    } else {
        i.cmp_value(&end).is_lt()
    } {
        if out.len() >= 1024 {
            return Err(FnError::Call("more than 1024 values were generated; either decrease the difference between start and end or use a smaller step".into()));
        }
        out.push(Value::number(i.clone()));
        i = i.add(&step).unwrap_or(end.clone());
    }
    Ok(Value::list(Type::Number, out))
}

fn set_op(a: &[Value], op: impl Fn(Vec<Value>, &[Value]) -> Vec<Value>) -> FnResult {
    let mut acc: Vec<Value> = seq_arg(a, 0).to_vec();
    for i in 1..a.len() {
        acc = op(acc, seq_arg(a, i));
    }
    let types: Vec<Type> = a.iter().filter_map(|v| v.ty().element().cloned()).collect();
    let element = unify(&types).unwrap_or(Type::Dynamic);
    let acc = acc
        .into_iter()
        .map(|v| convert(&v, &element).unwrap_or(v))
        .collect();
    Ok(Value::set(element, acc))
}

fn setproduct(a: &[Value]) -> FnResult {
    if a.len() < 2 {
        return Err(FnError::Call("at least two arguments are required".into()));
    }
    let mut product: Vec<Vec<Value>> = vec![vec![]];
    for (i, v) in a.iter().enumerate() {
        let Some(items) = v.as_sequence() else {
            return Err(FnError::Arg(i, "a set or a list is required".into()));
        };
        let mut next = Vec::new();
        for prefix in &product {
            for item in items {
                let mut row = prefix.clone();
                row.push(item.clone());
                next.push(row);
            }
        }
        product = next;
    }
    let rows: Vec<Value> = product.into_iter().map(Value::tuple).collect();
    let all_sets = a.iter().all(|v| matches!(v.kind, Kind::Set(..)));
    let element = Type::Tuple(
        a.iter()
            .map(|v| v.ty().element().cloned().unwrap_or(Type::Dynamic))
            .collect(),
    );
    if rows.is_empty() {
        return Ok(if all_sets {
            Value::set(element, vec![])
        } else {
            Value::list(element, vec![])
        });
    }
    let row_types: Vec<Type> = rows.iter().map(Value::ty).collect();
    let element = unify(&row_types).unwrap_or(element);
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|v| convert(&v, &element).unwrap_or(v))
        .collect();
    Ok(if all_sets {
        Value::set(element, rows)
    } else {
        Value::list(element, rows)
    })
}

fn slice(a: &[Value]) -> FnResult {
    let Some(items) = a[0]
        .as_sequence()
        .filter(|_| !matches!(a[0].kind, Kind::Set(..)))
    else {
        return Err(FnError::Arg(0, "a list or tuple is required".into()));
    };
    let start = int_arg(a, 1)?;
    let end = int_arg(a, 2)?;
    if start < 0 {
        return Err(FnError::Arg(
            1,
            "the starting index must be greater than or equal to 0".into(),
        ));
    }
    if end > items.len() as i64 {
        return Err(FnError::Arg(
            2,
            "the ending index must be less than or equal to the length of the list".into(),
        ));
    }
    if start > end {
        return Err(FnError::Call(
            "the starting index must be less than or equal to the ending index".into(),
        ));
    }
    Ok(list_like(
        &a[0],
        items[start as usize..end as usize].to_vec(),
    ))
}

fn sum(a: &[Value]) -> FnResult {
    let Some(items) = a[0].as_sequence() else {
        return Err(FnError::Arg(
            0,
            "argument must be list, set, or tuple. Received ".to_string()
                + &a[0].ty().friendly_name(),
        ));
    };
    if items.is_empty() {
        return Err(FnError::Arg(0, "cannot sum an empty list".into()));
    }
    let mut total: Option<Number> = None;
    for item in items {
        if item.is_null() {
            return Err(FnError::Arg(
                0,
                "argument must be list, set, or tuple of number values".into(),
            ));
        }
        let n = convert(item, &Type::Number).map_err(|_| {
            FnError::Arg(
                0,
                "argument must be list, set, or tuple of number values".into(),
            )
        })?;
        let n = n.as_number().cloned().unwrap_or_else(Number::zero);
        total = Some(match total {
            None => n,
            Some(t) => t
                .add(&n)
                .ok_or_else(|| FnError::Call("can't compute sum of opposing infinities".into()))?,
        });
    }
    Ok(Value::number(total.unwrap_or_else(Number::zero)))
}

fn transpose(a: &[Value]) -> FnResult {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, list) in a[0].as_mapping().cloned().unwrap_or_default() {
        for v in list.as_sequence().unwrap_or(&[]) {
            let Some(s) = v.as_str() else {
                return Err(FnError::Arg(
                    0,
                    "input must not contain null list elements".into(),
                ));
            };
            out.entry(s.to_string())
                .or_default()
                .push(Value::string(k.clone()));
        }
    }
    Ok(Value::map(
        Type::list(Type::String),
        out.into_iter()
            .map(|(k, v)| (k, Value::list(Type::String, v)))
            .collect::<strata_types::Fields>(),
    ))
}

fn zipmap(a: &[Value]) -> FnResult {
    let keys = seq_arg(a, 0);
    let Some(values) = a[1].as_sequence() else {
        return Err(FnError::Arg(1, "a list or tuple is required".into()));
    };
    if keys.len() != values.len() {
        return Err(FnError::Call(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (k, v) in keys.iter().zip(values) {
        let Some(k) = k.as_str() else {
            return Err(FnError::Arg(0, "keys must not be null".into()));
        };
        out.insert(k.to_string(), v.clone());
    }
    Ok(match &a[1].kind {
        Kind::Tuple(_) => Value::object(out),
        _ => Value::map(a[1].ty().element().cloned().unwrap_or(Type::Dynamic), out),
    })
}
