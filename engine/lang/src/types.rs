//! Type constraints as written in `variable` blocks: `string`, `list(T)`,
//! `object({ a = optional(string, "x") })`, `tuple([…])`, `any`; and the
//! conversion of a value to a constraint, including optional-attribute
//! defaults.

use crate::ast::{Expr, ExprKind, ObjectKey};
use crate::convert::{convert, ConversionError};
use crate::parser::Parsed;
use std::collections::BTreeMap;
use strata_types::{Diagnostic, Diagnostics, Kind, ObjectType, Type, Value};

#[derive(Debug, Clone, Default)]
pub struct Defaults {
    /// Default values of optional attributes of this object.
    pub attributes: BTreeMap<String, Value>,
    /// Defaults inside attributes of this object.
    pub nested: BTreeMap<String, Defaults>,
    /// Defaults inside each element of this collection.
    pub element: Option<Box<Defaults>>,
}

impl Defaults {
    fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.nested.is_empty() && self.element.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct TypeConstraint {
    pub ty: Type,
    pub defaults: Defaults,
}

pub fn parse_type_constraint(expr: &Expr) -> Parsed<Option<TypeConstraint>> {
    let mut diagnostics = Diagnostics::default();
    let result =
        parse(expr, &mut diagnostics, false).map(|(ty, defaults)| TypeConstraint { ty, defaults });
    Parsed {
        value: result,
        diagnostics,
    }
}

fn invalid(expr: &Expr, detail: &str, diagnostics: &mut Diagnostics) -> Option<(Type, Defaults)> {
    diagnostics.push(Diagnostic::error(
        strata_types::codes::INVALID_TYPE_SPECIFICATION,
        "Invalid type specification",
        detail,
        expr.span,
    ));
    None
}

fn parse(expr: &Expr, diagnostics: &mut Diagnostics, in_object: bool) -> Option<(Type, Defaults)> {
    let keyword_help = "The type keywords are string, number, bool, any, list(…), set(…), map(…), object({…}) and tuple([…]).";
    match &expr.kind {
        ExprKind::Variable(name) => match name.as_str() {
            "string" => Some((Type::String, Defaults::default())),
            "number" => Some((Type::Number, Defaults::default())),
            "bool" => Some((Type::Bool, Defaults::default())),
            "any" => Some((Type::Dynamic, Defaults::default())),
            "list" | "set" | "map" => invalid(
                expr,
                &format!("The {name} type constructor requires one argument specifying the element type, such as {name}(string)."),
                diagnostics,
            ),
            other => {
                let suggestion = crate::suggest::did_you_mean(other, ["string", "number", "bool", "any", "list", "set", "map", "object", "tuple"]);
                invalid(expr, &format!("The keyword \"{other}\" is not a valid type specification.{suggestion} {keyword_help}"), diagnostics)
            }
        },
        ExprKind::Call(call) => {
            let (name, args) = (&call.name, &call.args);
            match name.as_str() {
            "list" | "set" | "map" => {
                if args.len() != 1 {
                    return invalid(expr, &format!("The {name} type constructor requires one argument specifying the element type."), diagnostics);
                }
                let (element, defaults) = parse(&args[0], diagnostics, false)?;
                let d = Defaults { element: (!defaults.is_empty()).then(|| Box::new(defaults)), ..Default::default() };
                Some((
                    match name.as_str() {
                        "list" => Type::list(element),
                        "set" => Type::set(element),
                        _ => Type::map(element),
                    },
                    d,
                ))
            }
            "object" => {
                let Some(ExprKind::Object(items)) = args.first().map(|a| &a.kind) else {
                    return invalid(expr, "The object type constructor requires one argument specifying the attribute types as a map, such as object({ name = string }).", diagnostics);
                };
                let mut object = ObjectType::default();
                let mut defaults = Defaults::default();
                for (key, value) in items {
                    let name = match key {
                        ObjectKey::Name(n) => n.clone(),
                        ObjectKey::Expr(e) => match crate::ast::literal_string(e) {
                            Some(s) => s,
                            None => return invalid(e, "Object type attribute names must be literal names.", diagnostics),
                        },
                    };
                    let (attribute_type, nested, optional, default) = match &value.kind {
                        ExprKind::Call(call) if call.name == "optional" => {
                            let optional_args = &call.args;
                            if optional_args.is_empty() || optional_args.len() > 2 {
                                return invalid(value, "The optional modifier takes a type and an optional default value: optional(string) or optional(string, \"x\").", diagnostics);
                            }
                            let (t, d) = parse(&optional_args[0], diagnostics, true)?;
                            let default = match optional_args.get(1) {
                                Some(e) => match crate::eval::evaluate(e, &static_context()) {
                                    Ok(v) => match convert(&v, &t) {
                                        Ok(v) => Some(v),
                                        Err(err) => {
                                            return invalid(e, &format!("Invalid default value for optional attribute: {}.", err.describe()), diagnostics)
                                        }
                                    },
                                    Err(d) => {
                                        diagnostics.push(d);
                                        return None;
                                    }
                                },
                                None => None,
                            };
                            (t, d, true, default)
                        }
                        _ => {
                            let (t, d) = parse(value, diagnostics, true)?;
                            (t, d, false, None)
                        }
                    };
                    if optional {
                        object.optional.insert(name.clone());
                    }
                    if let Some(default) = default {
                        defaults.attributes.insert(name.clone(), default);
                    }
                    if !nested.is_empty() {
                        defaults.nested.insert(name.clone(), nested);
                    }
                    object.attributes.insert(name, attribute_type);
                }
                Some((Type::Object(std::sync::Arc::new(object)), defaults))
            }
            "tuple" => {
                let Some(ExprKind::Tuple(items)) = args.first().map(|a| &a.kind) else {
                    return invalid(expr, "The tuple type constructor requires one argument specifying the element types as a list, such as tuple([string, number]).", diagnostics);
                };
                let mut types = Vec::new();
                for item in items {
                    types.push(parse(item, diagnostics, false)?.0);
                }
                Some((Type::Tuple(types), Defaults::default()))
            }
            "optional" if !in_object => invalid(expr, "Optional attribute modifier is only for type constraints of object attributes.", diagnostics),
            "optional" => invalid(expr, "Optional attribute modifier is only allowed directly on an object attribute.", diagnostics),
            other => invalid(expr, &format!("Keyword \"{other}\" is not a valid type constructor. {keyword_help}"), diagnostics),
            }
        }
        ExprKind::Template(_) | ExprKind::TemplateWrap(_) => invalid(
            expr,
            "A type specification is a type keyword such as string, not a quoted string. Remove the quotes (legacy Terraform 0.11 syntax).",
            diagnostics,
        ),
        _ => invalid(expr, &format!("This expression is not a type. {keyword_help}"), diagnostics),
    }
}

fn static_context() -> crate::eval::EvalContext<'static> {
    use std::sync::OnceLock;
    static VARS: OnceLock<std::collections::HashMap<String, Value>> = OnceLock::new();
    static ENV: OnceLock<crate::functions::FunctionEnv> = OnceLock::new();
    crate::eval::EvalContext {
        variables: VARS.get_or_init(Default::default),
        overlay: None,
        env: ENV.get_or_init(|| crate::functions::FunctionEnv {
            plan_timestamp: String::new(),
            ..Default::default()
        }),
    }
}

/// Converts `value` to the constraint and fills in optional defaults.
pub fn convert_to_constraint(
    value: &Value,
    constraint: &TypeConstraint,
) -> Result<Value, ConversionError> {
    let converted = convert(value, &constraint.ty)?;
    Ok(apply_defaults(
        converted,
        &constraint.ty,
        &constraint.defaults,
    ))
}

fn apply_defaults(value: Value, ty: &Type, defaults: &Defaults) -> Value {
    if defaults.is_empty() || value.is_null() || value.is_unknown() {
        return value;
    }
    let sensitive = value.sensitive;
    let kind = match (value.kind, ty) {
        (Kind::Object(mut attributes), Type::Object(object)) => {
            for (name, default) in &defaults.attributes {
                if attributes.get(name).is_some_and(Value::is_null) {
                    attributes.insert(name.clone(), default.clone());
                }
            }
            for (name, nested) in &defaults.nested {
                if let (Some(v), Some(t)) = (attributes.remove(name), object.attributes.get(name)) {
                    attributes.insert(name.clone(), apply_defaults(v, t, nested));
                }
            }
            Kind::Object(attributes)
        }
        (Kind::List(t, items), Type::List(e)) => Kind::List(
            t,
            items
                .into_iter()
                .map(|v| apply_element(v, e, defaults))
                .collect(),
        ),
        (Kind::Map(t, items), Type::Map(e)) => Kind::Map(
            t,
            items
                .into_iter()
                .map(|(k, v)| (k, apply_element(v, e, defaults)))
                .collect(),
        ),
        (Kind::Set(t, items), Type::Set(e)) => {
            return Value::set(
                t,
                items
                    .into_iter()
                    .map(|v| apply_element(v, e, defaults))
                    .collect(),
            )
            .mark_sensitive(sensitive)
        }
        (kind, _) => kind,
    };
    Value { kind, sensitive }
}

fn apply_element(v: Value, element_type: &Type, defaults: &Defaults) -> Value {
    match &defaults.element {
        Some(d) => apply_defaults(v, element_type, d),
        None => v,
    }
}
