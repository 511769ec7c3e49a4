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
