//! Type conversion and unification with Terraform's rules: strings convert
//! to and from numbers and bools, tuples to lists and sets, objects to
//! maps, and so on; `unify` finds the one type a set of types can all
//! convert to (used by conditionals, collection literals and functions).

use std::collections::BTreeMap;
use strata_types::{Kind, Number, Type, Value};

/// Why a conversion failed, in Terraform's words ("a number is required").
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionError {
    /// Path of the offending element, such as `["a"]` or `[2]`.
    pub path: String,
    pub message: String,
}

impl ConversionError {
    fn new(message: impl Into<String>) -> ConversionError {
        ConversionError {
            path: String::new(),
            message: message.into(),
        }
    }

    fn within(mut self, step: String) -> ConversionError {
        self.path = format!("{step}{}", self.path);
        self
    }

    pub fn describe(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("element {}: {}", self.path, self.message)
        }
    }
}

/// Renders a number the way it converts to a string.
pub fn number_to_string(n: &Number) -> String {
    n.to_decimal_string()
}

pub fn convert(value: &Value, target: &Type) -> Result<Value, ConversionError> {
    let sensitive = value.sensitive;
    let converted = convert_unmarked(value, target)?;
    Ok(converted.mark_sensitive(sensitive))
}

fn convert_unmarked(value: &Value, target: &Type) -> Result<Value, ConversionError> {
    if let Type::Dynamic = target {
        return Ok(value.clone());
    }
    match &value.kind {
        Kind::Null(_) => return Ok(Value::null(target.clone())),
        Kind::Unknown(_) => return Ok(Value::unknown(target.clone())),
        _ => {}
    }
    let source_type = value.ty();
    if &source_type == target {
        return Ok(value.clone());
    }
    match (target, &value.kind) {
        (Type::String, Kind::String(_)) => Ok(value.clone()),
        (Type::String, Kind::Number(n)) => Ok(Value::string(number_to_string(n))),
        (Type::String, Kind::Bool(b)) => Ok(Value::string(if *b { "true" } else { "false" })),
        (Type::Number, Kind::Number(_)) => Ok(value.clone()),
        (Type::Number, Kind::String(s)) => match Number::parse(s) {
            Some(n) if !s.trim().is_empty() && s.trim() == s => Ok(Value::number(n)),
            _ => Err(ConversionError::new("a number is required")),
        },
        (Type::Bool, Kind::Bool(_)) => Ok(value.clone()),
        (Type::Bool, Kind::String(s)) => match s.as_str() {
            "true" => Ok(Value::bool(true)),
            "false" => Ok(Value::bool(false)),
            _ => Err(ConversionError::new("a bool is required")),
        },
        (Type::String | Type::Number | Type::Bool, _) => Err(ConversionError::new(format!(
            "{} required",
            article(target)
        ))),
        (
            Type::List(element) | Type::Set(element),
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items),
        ) => {
            let items = convert_elements(items, element)?;
            let element_type = items
                .first()
                .map(Value::ty)
                .unwrap_or_else(|| (**element).clone());
            let element_type = if element.is_fully_known() {
                (**element).clone()
            } else {
                element_type
            };
            Ok(if matches!(target, Type::List(_)) {
                Value {
                    kind: Kind::List(element_type, items.into()),
                    sensitive: false,
                }
            } else {
                Value::set(element_type, items)
            })
        }
        (Type::Map(element), Kind::Map(_, items) | Kind::Object(items)) => {
            let keys: Vec<&String> = items.keys().collect();
            let values: Vec<Value> = items.values().cloned().collect();
            let converted = convert_elements(&values, element)?;
            let element_type = if element.is_fully_known() {
                (**element).clone()
            } else {
                converted.first().map(Value::ty).unwrap_or(Type::Dynamic)
            };
            let map: BTreeMap<String, Value> = keys.into_iter().cloned().zip(converted).collect();
            Ok(Value {
                kind: Kind::Map(element_type, map.into()),
                sensitive: false,
            })
        }
        (Type::Tuple(types), Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items)) => {
            if types.len() != items.len() {
                return Err(ConversionError::new(format!(
                    "tuple required with exactly {} elements",
                    types.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, ty)) in items.iter().zip(types).enumerate() {
                out.push(convert(item, ty).map_err(|e| e.within(format!("[{i}]")))?);
            }
            Ok(Value::tuple(out))
        }
        (Type::Object(object_type), Kind::Object(items) | Kind::Map(_, items)) => {
            let mut out = BTreeMap::new();
            for (name, attribute_type) in &object_type.attributes {
                match items.get(name) {
                    Some(v) => {
                        out.insert(
                            name.clone(),
                            convert(v, attribute_type)
                                .map_err(|e| e.within(format!("[\"{name}\"]")))?,
                        );
                    }
                    None if object_type.optional.contains(name) => {
                        out.insert(name.clone(), Value::null(attribute_type.clone()));
                    }
                    None => {
                        return Err(ConversionError::new(format!(
                            "attribute \"{name}\" is required"
                        )))
                    }
                }
            }
            if matches!(value.kind, Kind::Map(..)) {
                if let Some(extra) = items
                    .keys()
                    .find(|k| !object_type.attributes.contains_key(*k))
                {
                    return Err(ConversionError::new(format!(
                        "attribute \"{extra}\" is not expected here"
                    )));
                }
            }
            Ok(Value::object(out))
        }
        (Type::List(_) | Type::Set(_), _) => Err(ConversionError::new(format!(
            "{} required",
            article(target)
        ))),
        (Type::Map(_), _) => Err(ConversionError::new("map of any single type required")),
        (Type::Tuple(_), _) => Err(ConversionError::new("tuple required")),
        (Type::Object(_), _) => Err(ConversionError::new("object required")),
        (Type::Dynamic, _) => Ok(value.clone()),
    }
}

fn article(t: &Type) -> String {
    match t {
        Type::List(_) => "list of any single type".into(),
        Type::Set(_) => "set of any single type".into(),
        _ => {
            let name = t.friendly_name();
            let a = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("{a} {name}")
        }
    }
}

/// Converts every element to `element`; when `element` has `any` in it the
/// elements are first unified to one type.
fn convert_elements(items: &[Value], element: &Type) -> Result<Vec<Value>, ConversionError> {
    let target = if element.is_fully_known() {
        element.clone()
    } else {
        let types: Vec<Type> = items.iter().map(|v| v.ty()).collect();
        match unify(&types) {
            Some(t) => t,
            None if types.is_empty() => element.clone(),
            None => return Err(ConversionError::new("all elements must have the same type")),
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(convert(item, &target).map_err(|e| e.within(format!("[{i}]")))?);
    }
    Ok(out)
}

/// The single type all of `types` can convert to, if there is one.
pub fn unify(types: &[Type]) -> Option<Type> {
    let first = types.first()?;
    if types.iter().all(|t| t == first) {
        return Some(first.clone());
    }
    let known: Vec<&Type> = types.iter().filter(|t| **t != Type::Dynamic).collect();
    if known.len() < types.len() {
        // A dynamic-typed value (null or unknown of unknown type) among
        // them: unify the rest; the dynamic ones convert to anything.
        let rest: Vec<Type> = known.into_iter().cloned().collect();
        return if rest.is_empty() {
            Some(Type::Dynamic)
        } else {
            unify(&rest)
        };
    }
    if types.iter().all(Type::is_primitive) {
        if types.contains(&Type::String) {
            return Some(Type::String);
        }
        return None;
    }
    let all = |f: fn(&Type) -> bool| types.iter().all(f);
    if all(|t| matches!(t, Type::List(_))) {
        return Some(Type::list(unify(&elements(types))?));
    }
    if all(|t| matches!(t, Type::Set(_))) {
        return Some(Type::set(unify(&elements(types))?));
    }
    if all(|t| matches!(t, Type::Map(_) | Type::Object(_))) {
        if all(|t| matches!(t, Type::Object(_))) {
            let names: Vec<Vec<&String>> = types
                .iter()
                .map(|t| match t {
                    Type::Object(o) => o.attributes.keys().collect(),
                    _ => vec![],
                })
                .collect();
            if names.iter().all(|n| *n == names[0]) {
                let mut attributes = BTreeMap::new();
                for name in names[0].iter() {
                    let attribute_types: Vec<Type> = types
                        .iter()
                        .map(|t| match t {
                            Type::Object(o) => o.attributes[*name].clone(),
                            _ => Type::Dynamic,
                        })
                        .collect();
                    attributes.insert((*name).clone(), unify(&attribute_types)?);
                }
                return Some(Type::object(attributes));
            }
        }
        let mut all_elements = Vec::new();
        for t in types {
            match t {
                Type::Map(e) => all_elements.push((**e).clone()),
                Type::Object(o) => all_elements.extend(o.attributes.values().cloned()),
                _ => {}
            }
        }
        if all_elements.is_empty() {
            return Some(Type::map(Type::Dynamic));
        }
        return Some(Type::map(unify(&all_elements)?));
    }
    if all(|t| matches!(t, Type::Set(_) | Type::Tuple(_) | Type::List(_)))
        && types.iter().any(|t| matches!(t, Type::Set(_)))
    {
        // A set with sequences (`cond ? toset(x) : []`): a set of what
        // their elements unify to.
        let mut all_elements = Vec::new();
        for t in types {
            match t {
                Type::Set(e) | Type::List(e) => all_elements.push((**e).clone()),
                Type::Tuple(e) => all_elements.extend(e.iter().cloned()),
                _ => {}
            }
        }
        if all_elements.is_empty() {
            return Some(Type::set(Type::Dynamic));
        }
        return Some(Type::set(unify(&all_elements)?));
    }
    if all(|t| matches!(t, Type::Tuple(_) | Type::List(_))) {
        if all(|t| matches!(t, Type::Tuple(_))) {
            let lengths: Vec<usize> = types
                .iter()
                .map(|t| if let Type::Tuple(e) = t { e.len() } else { 0 })
                .collect();
            if lengths.iter().all(|l| *l == lengths[0]) {
                let mut out = Vec::new();
                for i in 0..lengths[0] {
                    let column: Vec<Type> = types
                        .iter()
                        .map(|t| {
                            if let Type::Tuple(e) = t {
                                e[i].clone()
                            } else {
                                Type::Dynamic
                            }
                        })
                        .collect();
                    out.push(unify(&column)?);
                }
                return Some(Type::Tuple(out));
            }
        }
        let mut all_elements = Vec::new();
        for t in types {
            match t {
                Type::List(e) => all_elements.push((**e).clone()),
                Type::Tuple(e) => all_elements.extend(e.iter().cloned()),
                _ => {}
            }
        }
        if all_elements.is_empty() {
            return Some(Type::list(Type::Dynamic));
        }
        return Some(Type::list(unify(&all_elements)?));
    }
    None
}

fn elements(types: &[Type]) -> Vec<Type> {
    types.iter().filter_map(|t| t.element().cloned()).collect()
}

/// Terraform's `==`: values of different types are unequal; `None` when an
/// unknown makes the answer unknown. Sensitive marks do not count.
pub fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (Kind::Unknown(_), _) | (_, Kind::Unknown(_)) => None,
        (Kind::Null(_), Kind::Null(_)) => Some(true),
        (Kind::Null(_), _) | (_, Kind::Null(_)) => Some(false),
        // Primitives of one kind are of one type: no type to work out.
        (Kind::Bool(x), Kind::Bool(y)) => Some(x == y),
        (Kind::Number(x), Kind::Number(y)) => Some(x == y),
        (Kind::String(x), Kind::String(y)) => Some(x == y),
        _ if a.ty() != b.ty() => {
            if !a.is_wholly_known() || !b.is_wholly_known() {
                return None;
            }
            Some(false)
        }
        (Kind::List(_, x), Kind::List(_, y))
        | (Kind::Tuple(x), Kind::Tuple(y))
        | (Kind::Set(_, x), Kind::Set(_, y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut result = Some(true);
            for (p, q) in x.iter().zip(y) {
                match equals(p, q) {
                    Some(false) => return Some(false),
                    None => result = None,
                    Some(true) => {}
                }
            }
            result
        }
        (Kind::Map(_, x), Kind::Map(_, y)) | (Kind::Object(x), Kind::Object(y)) => {
            if x.len() != y.len() || x.keys().ne(y.keys()) {
                return Some(false);
            }
            let mut result = Some(true);
            for (p, q) in x.values().zip(y.values()) {
                match equals(p, q) {
                    Some(false) => return Some(false),
                    None => result = None,
                    Some(true) => {}
                }
            }
            result
        }
        _ => Some(false),
    }
}
