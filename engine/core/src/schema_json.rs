//! Instance values to and from the JSON kept in state, by schema:
//! attributes of type `any` carry their type beside the value (as
//! Terraform stores `terraform_data.input`), sensitive parts are recorded
//! as attribute paths.

use strata_provider::Schema;
use strata_types::json::{type_from_json, type_to_json, value_from_json, value_to_json, JsonError};
use strata_types::{Kind, Type, Value};

pub fn encode_attributes(schema: &Schema, v: &Value) -> serde_json::Value {
    let Kind::Object(attrs) = &v.kind else {
        return serde_json::Value::Null;
    };
    let mut out = serde_json::Map::new();
    for (name, value) in attrs {
        let dynamic = schema
            .attributes
            .get(name)
            .is_some_and(|a| a.ty == Type::Dynamic);
        let encoded = if dynamic {
            serde_json::json!({ "value": value_to_json(value), "type": type_to_json(&value.ty()) })
        } else {
            value_to_json(value)
        };
        out.insert(name.clone(), encoded);
    }
    serde_json::Value::Object(out)
}

pub fn decode_attributes(schema: &Schema, j: &serde_json::Value) -> Result<Value, JsonError> {
    let object = j
        .as_object()
        .ok_or_else(|| JsonError(format!("instance attributes must be an object, found {j}")))?;
    let Type::Object(object_type) = schema.object_type() else {
        unreachable!("schemas are objects")
    };
    let mut out = std::collections::BTreeMap::new();
    // Collections already decoded, by their stored form: an attribute
    // stored as another one is (AWS's `tags_all` and `tags`, an output
    // that echoes an input) shares its value instead of holding a copy.
    let mut collections: Vec<(&serde_json::Value, &Type, Value)> = Vec::new();
    for (name, ty) in &object_type.attributes {
        let encoded = object.get(name);
        let shared = encoded.filter(|e| is_collection(e)).and_then(|e| {
            collections
                .iter()
                .find(|(other, t, _)| *t == ty && *other == e)
                .map(|(_, _, v)| v.clone())
        });
        if let Some(value) = shared {
            out.insert(name.clone(), value);
            continue;
        }
        let value = match (encoded, ty) {
            (None, _) => Value::null(ty.clone()),
            (Some(encoded), Type::Dynamic) => {
                match encoded.as_object().filter(|o| o.contains_key("type")) {
                    Some(o) => {
                        let t = type_from_json(&o["type"])?;
                        value_from_json(o.get("value").unwrap_or(&serde_json::Value::Null), &t)?
                    }
                    None => value_from_json(encoded, &Type::Dynamic)?,
                }
            }
            (Some(encoded), _) => value_from_json(encoded, ty)?,
        };
        if let Some(e) = encoded.filter(|e| is_collection(e)) {
            collections.push((e, ty, value.clone()));
        }
        out.insert(name.clone(), value);
    }
    Ok(Value::object(out))
}

/// Whether a stored attribute holds a collection worth sharing: a
/// non-empty array or object (a dynamic attribute is stored as an object
/// of its type and value).
fn is_collection(encoded: &serde_json::Value) -> bool {
    match encoded {
        serde_json::Value::Array(a) => !a.is_empty(),
        serde_json::Value::Object(o) => !o.is_empty(),
        _ => false,
    }
}

/// Paths of sensitive parts, in Terraform's state shape:
/// `[[{"type":"get_attr","value":"result"}]]`.
pub fn sensitive_paths(v: &Value) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    collect(v, &mut Vec::new(), &mut out);
    out
}

fn collect(v: &Value, path: &mut Vec<serde_json::Value>, out: &mut Vec<serde_json::Value>) {
    if v.sensitive {
        out.push(serde_json::Value::Array(path.clone()));
        return;
    }
    match &v.kind {
        Kind::Object(m) | Kind::Map(_, m) => {
            for (k, x) in m {
                // A step is built only on the way to a sensitive part.
                if !x.contains_sensitive() {
                    continue;
                }
                let step_type = if matches!(v.kind, Kind::Object(_)) {
                    "get_attr"
                } else {
                    "index"
                };
                let step = if step_type == "get_attr" {
                    serde_json::json!({"type": "get_attr", "value": k})
                } else {
                    serde_json::json!({"type": "index", "value": {"value": k, "type": "string"}})
                };
                path.push(step);
                collect(x, path, out);
                path.pop();
            }
        }
        Kind::List(_, items) | Kind::Tuple(items) | Kind::Set(_, items) => {
            for (i, x) in items.iter().enumerate() {
                if !x.contains_sensitive() {
                    continue;
                }
                path.push(
                    serde_json::json!({"type": "index", "value": {"value": i, "type": "number"}}),
                );
                collect(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Marks the parts named by [`sensitive_paths`] sensitive again.
pub fn apply_sensitive_paths(v: Value, paths: &[serde_json::Value]) -> Value {
    let mut v = v;
    for path in paths {
        if let Some(steps) = path.as_array() {
            v = mark_at(v, steps);
        }
    }
    v
}

fn mark_at(v: Value, steps: &[serde_json::Value]) -> Value {
    let Some((step, rest)) = steps.split_first() else {
        return v.mark_sensitive(true);
    };
    let sensitive = v.sensitive;
    let key = &step["value"];
    let kind = match v.kind {
        Kind::Object(mut m) => {
            if let Some(name) = key.as_str() {
                if let Some(x) = m.remove(name) {
                    m.insert(name.to_string(), mark_at(x, rest));
                }
            }
            Kind::Object(m)
        }
        Kind::Map(t, mut m) => {
            if let Some(name) = key["value"].as_str() {
                if let Some(x) = m.remove(name) {
                    m.insert(name.to_string(), mark_at(x, rest));
                }
            }
            Kind::Map(t, m)
        }
        Kind::List(t, mut items) => {
            if let Some(i) = key["value"]
                .as_u64()
                .map(|i| i as usize)
                .filter(|i| *i < items.len())
            {
                let x = items.remove(i);
                items.insert(i, mark_at(x, rest));
            }
            Kind::List(t, items)
        }
        Kind::Tuple(mut items) => {
            if let Some(i) = key["value"]
                .as_u64()
                .map(|i| i as usize)
                .filter(|i| *i < items.len())
            {
                let x = items.remove(i);
                items.insert(i, mark_at(x, rest));
            }
            Kind::Tuple(items)
        }
        other => other,
    };
    Value { kind, sensitive }
}

/// Marks attributes the schema declares sensitive.
pub fn mark_schema_sensitive(schema: &Schema, mut v: Value) -> Value {
    // In place: most schemas mark nothing, and the object stays as it is.
    if let Kind::Object(m) = &mut v.kind {
        for (name, attribute) in &schema.attributes {
            if attribute.sensitive {
                if let Some(x) = m.get_mut(name) {
                    x.sensitive = true;
                }
            }
        }
    }
    v
}

/// `planned` with the sensitive marks `config` has, path by path, as
/// Terraform keeps them: `{ name = "a", token = var.token }` marks only
/// `token`. Where the two differ in shape (a set, a value the provider
/// rewrote), a value holding anything sensitive is marked whole. A
/// configuration with no mark (nearly all) leaves `planned` untouched.
pub(crate) fn copy_config_marks(planned: Value, config: &Value) -> Value {
    if !config.contains_sensitive() {
        return planned;
    }
    if config.sensitive {
        return planned.mark_sensitive(true);
    }
    type Entries = strata_types::FieldMap<Value>;
    let by_key = |p: Entries, c: &Entries| -> Entries {
        p.into_iter()
            .map(|(k, v)| match c.get(&k) {
                Some(x) => (k, copy_config_marks(v, x)),
                None => (k, v),
            })
            .collect()
    };
    let by_index = |p: Vec<Value>, c: &[Value]| -> Vec<Value> {
        p.into_iter()
            .zip(c)
            .map(|(v, x)| copy_config_marks(v, x))
            .collect()
    };
    let sensitive = planned.sensitive;
    let kind = match (&config.kind, planned.kind) {
        (Kind::Object(c), Kind::Object(p)) => Kind::Object(by_key(p.into_map(), c).into()),
        (Kind::Map(_, c) | Kind::Object(c), Kind::Map(t, p)) => {
            Kind::Map(t, by_key(p.into_map(), c).into())
        }
        (Kind::List(_, c) | Kind::Tuple(c), Kind::List(t, p)) if c.len() == p.len() => {
            Kind::List(t, by_index(p.into_vec(), c).into())
        }
        (Kind::List(_, c) | Kind::Tuple(c), Kind::Tuple(p)) if c.len() == p.len() => {
            Kind::Tuple(by_index(p.into_vec(), c).into())
        }
        // A shape the configuration does not share: marked whole.
        (_, kind) => {
            return Value {
                kind,
                sensitive: true,
            }
        }
    };
    Value { kind, sensitive }
}

/// What one step of a stored attribute path (Terraform's
/// `sensitive_attributes` steps) names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKey<'a> {
    Name(&'a str),
    Index(usize),
}

/// The key or index of a `get_attr` or `index` step (an index's value
/// is `{"value": …, "type": …}`; a bare string or number is read too).
pub fn path_key(step: &serde_json::Value) -> Option<PathKey<'_>> {
    let value = match &step["value"] {
        serde_json::Value::Object(m) => m.get("value")?,
        other => other,
    };
    match value {
        serde_json::Value::String(k) => Some(PathKey::Name(k)),
        serde_json::Value::Number(n) => n.as_u64().map(|i| PathKey::Index(i as usize)),
        _ => None,
    }
}

/// Whether `v` is the wrapper a dynamic attribute is stored in
/// (`{"type": …, "value": …}`), which a path to a part of the value goes
/// through.
fn is_dynamic_wrapper(v: &serde_json::Value, key: PathKey<'_>) -> bool {
    matches!(v, serde_json::Value::Object(m) if m.len() == 2 && m.contains_key("type") && m.contains_key("value"))
        && !matches!(key, PathKey::Name("type" | "value"))
}

/// The part of stored attributes `steps` names, through dynamic
/// attributes' wrappers.
pub fn stored_at_mut<'a>(
    mut v: &'a mut serde_json::Value,
    steps: &[serde_json::Value],
) -> Option<&'a mut serde_json::Value> {
    for step in steps {
        let key = path_key(step)?;
        if is_dynamic_wrapper(v, key) {
            v = v.get_mut("value")?;
        }
        v = match key {
            PathKey::Name(k) => v.get_mut(k)?,
            PathKey::Index(i) => v.get_mut(i)?,
        };
    }
    Some(v)
}

/// The same, read only.
pub fn stored_at<'a>(
    mut v: &'a serde_json::Value,
    steps: &[serde_json::Value],
) -> Option<&'a serde_json::Value> {
    for step in steps {
        let key = path_key(step)?;
        if is_dynamic_wrapper(v, key) {
            v = v.get("value")?;
        }
        v = match key {
            PathKey::Name(k) => v.get(k)?,
            PathKey::Index(i) => v.get(i)?,
        };
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_provider::Attribute;

    /// An attribute stored as another one is shares its decoded value;
    /// one stored differently, or typed differently, does not.
    #[test]
    fn a_collection_stored_twice_is_decoded_once() {
        let tags = Type::map(Type::String);
        let schema = Schema::new([
            ("tags", Attribute::optional(tags.clone())),
            ("tags_all", Attribute::computed(tags)),
            ("labels", Attribute::optional(Type::map(Type::String))),
            ("names", Attribute::optional(Type::list(Type::String))),
        ]);
        let stored = serde_json::json!({
            "tags": {"team": "ml"},
            "tags_all": {"team": "ml"},
            "labels": {"team": "data"},
            "names": ["a"],
        });
        let v = decode_attributes(&schema, &stored).expect("decodes");
        let Kind::Object(attrs) = &v.kind else {
            panic!("an object")
        };
        let map = |name: &str| match &attrs.get(name).expect(name).kind {
            Kind::Map(_, m) => &**m as *const strata_types::FieldMap<Value>,
            _ => panic!("{name} is a map"),
        };
        assert_eq!(map("tags"), map("tags_all"), "one value for both");
        assert_ne!(map("tags"), map("labels"));
        assert_eq!(attrs.get("tags"), attrs.get("tags_all"));
        assert_eq!(
            encode_attributes(&schema, &v),
            serde_json::json!({
                "tags": {"team": "ml"},
                "tags_all": {"team": "ml"},
                "labels": {"team": "data"},
                "names": ["a"],
            })
        );
    }
}
