//! Terraform's checks of what a plugin answers. A planned object must
//! honor the configuration: an argument the configuration sets keeps the
//! configured value (or the prior one, when the provider deems them
//! equal), an optional argument left out stays null unless it is also
//! computed, and a list of blocks keeps its length. An applied object
//! must keep every value the plan knew. A provider on the legacy SDK
//! (`legacy_type_system`) is known to break these rules, and Terraform
//! only logs them for it; any other provider's break is an error.

use strata_provider::{attr, Nesting, Schema};
use strata_types::{Kind, Value};

/// A short rendering of a value for a message.
fn shown(v: &Value) -> String {
    match &v.kind {
        Kind::Null(_) => "null".into(),
        Kind::Unknown(_) => "(known after apply)".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_string(),
        Kind::String(s) => format!("{s:?}"),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            format!("a collection of {}", items.len())
        }
        Kind::Map(..) | Kind::Object(_) => "an object".into(),
    }
}

/// Equal as values: a null is a null and an unknown an unknown whatever
/// type each was given, and marks do not count.
fn same(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Null(_), Kind::Null(_)) | (Kind::Unknown(_), Kind::Unknown(_)) => true,
        (Kind::List(_, x), Kind::List(_, y))
        | (Kind::Set(_, x), Kind::Set(_, y))
        | (Kind::Tuple(x), Kind::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Kind::Map(_, x), Kind::Map(_, y)) | (Kind::Object(x), Kind::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, a), (kb, b))| ka == kb && same(a, b))
        }
        (x, y) => x == y,
    }
}

fn join(path: &str, name: &str) -> String {
    format!("{path}.{name}")
}

fn holds_object(ty: &strata_types::Type) -> bool {
    use strata_types::Type;
    match ty {
        Type::Object(_) => true,
        Type::List(t) | Type::Set(t) | Type::Map(t) => holds_object(t),
        Type::Tuple(ts) => ts.iter().any(holds_object),
        _ => false,
    }
}

/// Why `planned` is not a valid plan for `config` over `prior` (all
/// unmarked), each with the attribute path; empty when it is valid.
pub(crate) fn planned_problems(
    schema: &Schema,
    prior: &Value,
    config: &Value,
    planned: &Value,
) -> Vec<String> {
    let mut out = Vec::new();
    if planned.is_null() {
        if !config.is_null() {
            out.push("the provider planned no object where the configuration has one".into());
        }
        return out;
    }
    if config.is_null() {
        out.push("the provider planned an object where the configuration has none".into());
        return out;
    }
    object(schema, prior, config, planned, "", &mut out);
    out
}

fn object(
    schema: &Schema,
    prior: &Value,
    config: &Value,
    planned: &Value,
    path: &str,
    out: &mut Vec<String>,
) {
    let null = Value::null(strata_types::Type::Dynamic);
    let get = |v: &Value, name: &str| attr(v, name).cloned().unwrap_or_else(|| null.clone());
    for (name, a) in &schema.attributes {
        // A nested attribute (protocol 6) reaches here as an object-typed
        // attribute whose inner attributes' own rules are lost: Terraform
        // checks each inner attribute, and without them any check here
        // could refuse a valid plan, so none is made.
        if holds_object(&a.ty) {
            continue;
        }
        let (p, c, n) = (get(prior, name), get(config, name), get(planned, name));
        let at = join(path, name);
        if same(&n, &c) || (same(&n, &p) && !p.is_null() && !c.is_null()) {
            continue;
        }
        if a.computed && (!a.optional || c.is_null()) {
            continue;
        }
        if c.is_null() {
            out.push(if a.sensitive {
                format!("{at}: planned a value for an argument the configuration leaves out")
            } else {
                format!(
                    "{at}: planned {} for an argument the configuration leaves out",
                    shown(&n)
                )
            });
            continue;
        }
        out.push(match (a.sensitive, p.is_null()) {
            (true, true) => format!("{at}: the sensitive planned value does not match the configuration"),
            (true, false) => format!("{at}: the sensitive planned value matches neither the configuration nor the prior value"),
            (false, true) => format!("{at}: planned {} where the configuration has {}", shown(&n), shown(&c)),
            (false, false) => format!(
                "{at}: planned {} where the configuration has {} and the prior value is {}",
                shown(&n),
                shown(&c),
                shown(&p)
            ),
        });
    }
    for (name, block) in &schema.blocks {
        let (p, c, n) = (get(prior, name), get(config, name), get(planned, name));
        let at = join(path, name);
        match block.nesting {
            Nesting::Single | Nesting::Group => {
                if n.is_unknown() {
                    out.push(format!("{at}: a block must not be unknown itself"));
                } else if c.is_null() && !n.is_null() && block.nesting == Nesting::Single {
                    out.push(format!("{at}: planned a block the configuration does not have"));
                } else if !c.is_null() && !n.is_null() {
                    object(&block.schema, &p, &c, &n, &at, out);
                }
            }
            Nesting::List => match (&c.kind, &n.kind) {
                (_, Kind::Unknown(_)) => {
                    out.push(format!("{at}: a list of blocks must not be unknown itself"))
                }
                (Kind::List(_, cs), Kind::List(_, ns)) => {
                    if cs.len() != ns.len() {
                        out.push(format!(
                            "{at}: the plan has {} blocks where the configuration has {}",
                            ns.len(),
                            cs.len()
                        ));
                        continue;
                    }
                    let ps = match &p.kind {
                        Kind::List(_, ps) => ps.as_slice(),
                        _ => &[],
                    };
                    for (i, (ce, ne)) in cs.iter().zip(ns).enumerate() {
                        let pe = ps.get(i).cloned().unwrap_or_else(|| null.clone());
                        object(&block.schema, &pe, ce, ne, &format!("{at}[{i}]"), out);
                    }
                }
                _ => {}
            },
            // Set elements have nothing to pair them by: only an element
            // that is unknown as a whole is wrong.
            Nesting::Set => match &n.kind {
                Kind::Unknown(_) => {
                    out.push(format!("{at}: a set of blocks must not be unknown itself"))
                }
                Kind::Set(_, items) if items.iter().any(Value::is_unknown) => out.push(format!(
                    "{at}: a block in a set must not be unknown itself; make its attributes unknown instead"
                )),
                _ => {}
            },
        }
    }
}

/// Where `applied` departs from what `planned` knew (both unmarked).
pub(crate) fn applied_problems(planned: &Value, applied: &Value) -> Vec<String> {
    let mut out = Vec::new();
    compatible(planned, applied, "", &mut out);
    out
}

fn compatible(planned: &Value, applied: &Value, path: &str, out: &mut Vec<String>) {
    if planned.is_unknown() {
        return;
    }
    let differs = |out: &mut Vec<String>| {
        let at = if path.is_empty() { "the object" } else { path };
        out.push(format!(
            "{at}: was {}, but now {}",
            shown(planned),
            shown(applied)
        ));
    };
    match (&planned.kind, &applied.kind) {
        (Kind::List(_, ps), Kind::List(_, xs)) | (Kind::Tuple(ps), Kind::Tuple(xs)) => {
            if ps.len() != xs.len() {
                return differs(out);
            }
            for (i, (p, x)) in ps.iter().zip(xs).enumerate() {
                compatible(p, x, &format!("{path}[{i}]"), out);
            }
        }
        // A set with unknown elements may come back with any elements.
        (Kind::Set(_, ps), Kind::Set(..)) if ps.iter().any(|p| !p.is_wholly_known()) => {}
        (Kind::Object(ps), Kind::Object(xs)) | (Kind::Map(_, ps), Kind::Map(_, xs)) => {
            let keys_differ = ps.len() != xs.len() || ps.keys().zip(xs.keys()).any(|(a, b)| a != b);
            if keys_differ && matches!(planned.kind, Kind::Map(..)) {
                return differs(out);
            }
            for (k, p) in ps.iter() {
                match xs.get(k) {
                    Some(x) => compatible(p, x, &join(path, k), out),
                    None => differs(out),
                }
            }
        }
        _ => {
            if !same(planned, applied) {
                differs(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use strata_provider::{Attribute, NestedBlock};
    use strata_types::Type;

    fn schema() -> Schema {
        let mut s = Schema::default();
        s.attributes
            .insert("name".into(), Attribute::required(Type::String));
        s.attributes
            .insert("note".into(), Attribute::optional(Type::String));
        s.attributes
            .insert("arn".into(), Attribute::optional_computed(Type::String));
        s.attributes
            .insert("id".into(), Attribute::computed(Type::String));
        let mut rule = Schema::default();
        rule.attributes
            .insert("port".into(), Attribute::required(Type::Number));
        s.blocks.insert(
            "rule".into(),
            NestedBlock {
                nesting: Nesting::List,
                schema: rule,
                min_items: 0,
                max_items: None,
                as_attribute: false,
            },
        );
        s
    }

    fn obj(fields: &[(&str, Value)], rules: &[i64]) -> Value {
        let mut m: BTreeMap<String, Value> = BTreeMap::new();
        for name in ["name", "note", "arn", "id"] {
            m.insert(name.into(), Value::null(Type::String));
        }
        for (k, v) in fields {
            m.insert(k.to_string(), v.clone());
        }
        let rule_ty = Type::object([("port".to_string(), Type::Number)].into());
        let rules: Vec<Value> = rules
            .iter()
            .map(|p| Value::object(BTreeMap::from([("port".to_string(), Value::int(*p))])))
            .collect();
        m.insert("rule".into(), Value::list(rule_ty, rules));
        Value::object(m)
    }

    fn s(t: &str) -> Value {
        Value::string(t)
    }

    #[test]
    fn plans_that_honor_the_configuration_pass() {
        let config = obj(&[("name", s("a"))], &[80]);
        let unknown = Value::unknown(Type::String);
        // Computed values may be planned freely; configured ones kept.
        let planned = obj(
            &[("name", s("a")), ("arn", unknown.clone()), ("id", unknown)],
            &[80],
        );
        assert!(
            planned_problems(&schema(), &Value::null(Type::Dynamic), &config, &planned).is_empty()
        );
        // The prior value in place of an equivalent configured one.
        let prior = obj(&[("name", s("A")), ("id", s("i-1"))], &[80]);
        let planned = obj(&[("name", s("A")), ("id", s("i-1"))], &[80]);
        assert!(planned_problems(&schema(), &prior, &config, &planned).is_empty());
    }

    #[test]
    fn plans_that_break_the_configuration_are_named() {
        let null = Value::null(Type::Dynamic);
        let config = obj(&[("name", s("a"))], &[80, 443]);
        let problems = planned_problems(
            &schema(),
            &null,
            &config,
            &obj(&[("name", s("b")), ("note", s("x"))], &[80]),
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains(".name: planned \"b\" where the configuration has \"a\""));
        assert!(problems[1]
            .contains(".note: planned \"x\" for an argument the configuration leaves out"));
        assert!(problems[2].contains(".rule: the plan has 1 blocks where the configuration has 2"));
        let problems = planned_problems(&schema(), &null, &config, &Value::null(Type::Dynamic));
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn object_typed_attributes_are_left_to_the_provider() {
        // Possibly a nested attribute whose inner attributes are computed.
        let mut schema = schema();
        let ty = Type::object([("size".to_string(), Type::Number)].into());
        schema
            .attributes
            .insert("disk".into(), Attribute::optional(ty));
        let disk = |n: i64| Value::object(BTreeMap::from([("size".to_string(), Value::int(n))]));
        let with_disk = |n: i64| match obj(&[("name", s("a"))], &[]).kind {
            Kind::Object(m) => {
                let mut m = m.into_map();
                m.insert("disk".into(), disk(n));
                Value::object(m)
            }
            _ => unreachable!(),
        };
        let null = Value::null(Type::Dynamic);
        assert!(planned_problems(&schema, &null, &with_disk(1), &with_disk(2)).is_empty());
    }

    #[test]
    fn applied_objects_keep_what_the_plan_knew() {
        let planned = obj(
            &[("name", s("a")), ("id", Value::unknown(Type::String))],
            &[80],
        );
        let applied = obj(&[("name", s("a")), ("id", s("i-1"))], &[80]);
        assert!(applied_problems(&planned, &applied).is_empty());
        let changed = obj(&[("name", s("b")), ("id", s("i-1"))], &[8080]);
        let problems = applied_problems(&planned, &changed);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains(".name: was \"a\", but now \"b\""),
            "{problems:?}"
        );
        assert!(
            problems[1].contains(".rule[0].port: was 80, but now 8080"),
            "{problems:?}"
        );
    }
}
