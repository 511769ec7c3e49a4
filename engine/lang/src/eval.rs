//! Expression evaluation with Terraform's semantics.
//!
//! Unknown values propagate ("known after apply"): an operation on an
//! unknown operand yields an unknown of the result type. The sensitive mark
//! propagates to every result computed from a sensitive value. Errors come
//! back as diagnostics pointing at the sub-expression at fault.

use crate::ast::*;
pub use crate::convert::equals;
use crate::convert::{convert, number_to_string, unify};
use crate::functions::{self, FunctionEnv};
use std::collections::{BTreeMap, HashMap};
use strata_types::{Diagnostic, Kind, Number, Span, Type, Value};

/// What an expression can see: root names (`var`, `local`, resource types,
/// `count`, `each`, …) and the environment for file and time functions.
pub struct EvalContext<'a> {
    pub variables: &'a HashMap<String, Value>,
    /// Names that shadow `variables` (count, each, self, iterators),
    /// kept apart so the large shared map is never copied.
    pub overlay: Option<&'a HashMap<String, Value>>,
    pub env: &'a FunctionEnv,
}

/// Root names that are namespaces, not values.
const OBJECT_ROOTS: &[&str] = &[
    "var",
    "local",
    "module",
    "data",
    "path",
    "terraform",
    "count",
    "each",
];

pub type EvalResult = Result<Value, Diagnostic>;

pub fn evaluate(expr: &Expr, ctx: &EvalContext<'_>) -> EvalResult {
    Evaluator {
        ctx,
        locals: Vec::new(),
        splat_items: Vec::new(),
    }
    .eval(expr)
}

/// Evaluates an expression that may refer to nothing (a backend block's
/// argument, a variables file's value): a reference is an error.
pub fn evaluate_constant(expr: &Expr) -> EvalResult {
    let variables = HashMap::new();
    let env = crate::functions::FunctionEnv::default();
    evaluate(
        expr,
        &EvalContext {
            variables: &variables,
            overlay: None,
            env: &env,
        },
    )
}

struct Evaluator<'c, 'a> {
    ctx: &'c EvalContext<'a>,
    /// Iteration variables of enclosing `for` expressions, innermost last.
    locals: Vec<(String, Value)>,
    splat_items: Vec<Value>,
}

pub(crate) fn error(
    code: &'static str,
    summary: &str,
    detail: impl Into<String>,
    span: Span,
) -> Diagnostic {
    Diagnostic::error(code, summary, detail, span)
}

impl Evaluator<'_, '_> {
    fn eval(&mut self, expr: &Expr) -> EvalResult {
        match &expr.kind {
            ExprKind::Literal(v) => Ok(v.clone()),
            ExprKind::Parens(e) => self.eval(e),
            ExprKind::Template(parts) => {
                let mut out = String::new();
                let mut sensitive = false;
                let mut unknown = false;
                self.render(parts, &mut out, &mut sensitive, &mut unknown)?;
                let v = if unknown {
                    Value::unknown(Type::String)
                } else {
                    Value::string(out)
                };
                Ok(v.mark_sensitive(sensitive))
            }
            ExprKind::TemplateWrap(e) => self.eval(e),
            ExprKind::Variable(name) => {
                if OBJECT_ROOTS.contains(&name.as_str())
                    && !self.locals.iter().any(|(n, _)| n == name)
                {
                    return Err(error(
                        strata_types::codes::INVALID_REFERENCE,
                        "Invalid reference",
                        format!("The \"{name}\" object cannot be accessed directly. Instead, access one of its attributes, such as {name}.<name>."),
                        expr.span,
                    ));
                }
                self.variable(name, expr.span)
            }
            ExprKind::GetAttr(inner, name) => {
                self.with_root(inner, |v| get_attr(v, name, expr.span))
            }
            ExprKind::Index(inner, key) => {
                let k = self.eval(key)?;
                self.with_root(inner, |v| index(v, &k, key.span))
            }
            ExprKind::SplatItem => Ok(self
                .splat_items
                .last()
                .cloned()
                .unwrap_or_else(Value::dynamic_null)),
            ExprKind::Splat { source, each } => self.splat(source, each),
            ExprKind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.eval(item)?);
                }
                Ok(Value::tuple(out))
            }
            ExprKind::Object(items) => {
                let mut out = BTreeMap::new();
                let mut sensitive = false;
                let mut unknown_key = false;
                for (key, value) in items {
                    let key = match key {
                        ObjectKey::Name(n) => n.clone(),
                        ObjectKey::Expr(e) => {
                            let k = self.eval(e)?;
                            sensitive |= k.sensitive;
                            if k.is_unknown() {
                                unknown_key = true;
                                continue;
                            }
                            if k.is_null() {
                                return Err(error(
                                    strata_types::codes::INVALID_KEY_TYPE,
                                    "Invalid object key",
                                    "Can't use a null value as a key.",
                                    e.span,
                                ));
                            }
                            match convert(&k, &Type::String) {
                                Ok(s) => s.as_str().unwrap_or_default().to_string(),
                                Err(err) => {
                                    return Err(error(
                                        strata_types::codes::INVALID_KEY_TYPE,
                                        "Incorrect key type",
                                        format!(
                                            "Can't use this value as a key: {}.",
                                            err.describe()
                                        ),
                                        e.span,
                                    ))
                                }
                            }
                        }
                    };
                    let v = self.eval(value)?;
                    out.insert(key, v);
                }
                if unknown_key {
                    return Ok(Value::unknown(Type::Dynamic).mark_sensitive(sensitive));
                }
                Ok(Value::object(out).mark_sensitive(sensitive))
            }
            ExprKind::Call(call) => {
                let crate::ast::Call {
                    name,
                    name_span,
                    args,
                    expand_final,
                } = &**call;
                let mut values = Vec::with_capacity(args.len());
                let mut spans = Vec::with_capacity(args.len());
                for (i, arg) in args.iter().enumerate() {
                    let v = if self.is_guarded_call(name) {
                        // try and can evaluate their arguments themselves.
                        Value::dynamic_null()
                    } else {
                        self.eval(arg)?
                    };
                    if *expand_final && i + 1 == args.len() && !self.is_guarded_call(name) {
                        match &v.kind {
                            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                                for item in items {
                                    values.push(item.clone().mark_sensitive(v.sensitive));
                                    spans.push(arg.span);
                                }
                            }
                            Kind::Unknown(_) => return Ok(Value::unknown(Type::Dynamic)),
                            Kind::Null(_) => {
                                return Err(error(
                                    strata_types::codes::INVALID_EXPANDING_ARGUMENT,
                                    "Invalid expanding argument value",
                                    "The expanding argument (indicated by ...) must not be null.",
                                    arg.span,
                                ))
                            }
                            _ => {
                                return Err(error(
                                    strata_types::codes::INVALID_EXPANDING_ARGUMENT,
                                    "Invalid expanding argument value",
                                    "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                                    arg.span,
                                ))
                            }
                        }
                    } else {
                        values.push(v);
                        spans.push(arg.span);
                    }
                }
                if self.is_guarded_call(name) {
                    return self.guarded_call(name, args, expr.span);
                }
                functions::call(name, *name_span, expr.span, &values, &spans, self.ctx.env)
            }
            ExprKind::Unary(op, operand) => {
                let v = self.eval(operand)?;
                unary(*op, &v, operand.span)
            }
            ExprKind::Binary(op, left, right) => {
                let l = self.eval(left)?;
                // `false && …` and `true || …` do not evaluate the right
                // side (Terraform 1.12), so it may guard an error there.
                if matches!(op, BinaryOp::And | BinaryOp::Or) && !l.is_unknown() {
                    let decided = convert(&l, &Type::Bool).ok().and_then(|b| b.as_bool());
                    if decided == Some(*op == BinaryOp::Or) {
                        return Ok(Value::bool(*op == BinaryOp::Or).mark_sensitive(l.sensitive));
                    }
                }
                let r = self.eval(right)?;
                binary(*op, &l, &r, left.span, right.span, expr.span)
            }
            ExprKind::Conditional(c, t, f) => self.conditional(c, t, f),
            ExprKind::For(f) => self.for_expr(f, expr.span),
        }
    }

    /// Applies a traversal step to the object it starts from. A root name
    /// is borrowed, not copied (copying `aws_instance`, every instance of
    /// the type, per reference would make evaluation quadratic), and a root
    /// such as `var` may be used here though not on its own.
    fn with_root(&mut self, inner: &Expr, step: impl FnOnce(&Value) -> EvalResult) -> EvalResult {
        match &inner.kind {
            ExprKind::Variable(name) => match self.lookup(name) {
                Some(v) => step(v),
                None => self.variable(name, inner.span),
            },
            _ => {
                let v = self.eval(inner)?;
                step(&v)
            }
        }
    }

    fn is_guarded_call(&self, name: &str) -> bool {
        name == "try" || name == "can"
    }

    /// `try` and `can` catch evaluation errors of their arguments.
    fn guarded_call(&mut self, name: &str, args: &[Expr], span: Span) -> EvalResult {
        if name == "can" {
            if args.len() != 1 {
                return Err(functions::arity_error("can", 1, Some(1), args.len(), span));
            }
            return Ok(match self.eval(&args[0]) {
                Ok(v) if !v.is_wholly_known() => Value::unknown(Type::Bool),
                Ok(_) => Value::bool(true),
                Err(_) => Value::bool(false),
            });
        }
        if args.is_empty() {
            return Err(error(
                strata_types::codes::NOT_ENOUGH_ARGUMENTS,
                "Not enough function arguments",
                "Function \"try\" expects at least one argument.",
                span,
            ));
        }
        for arg in args {
            match self.eval(arg) {
                Ok(v) if !v.is_wholly_known() => return Ok(Value::unknown(Type::Dynamic)),
                Ok(v) => return Ok(v),
                Err(_) => continue,
            }
        }
        Err(error(
            strata_types::codes::TRY_FAILED,
            "Error in function call",
            "Call to function \"try\" failed: no expression succeeded.",
            span,
        ))
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return Some(v);
        }
        if let Some(v) = self.ctx.overlay.and_then(|o| o.get(name)) {
            return Some(v);
        }
        self.ctx.variables.get(name)
    }

    fn variable(&self, name: &str, span: Span) -> EvalResult {
        match self.lookup(name) {
            Some(v) => Ok(v.clone()),
            None => Err(error(
                strata_types::codes::INVALID_REFERENCE_NAME,
                "Unknown variable",
                format!("There is no variable named \"{name}\"."),
                span,
            )),
        }
    }

    fn render(
        &mut self,
        parts: &[TemplatePart],
        out: &mut String,
        sensitive: &mut bool,
        unknown: &mut bool,
    ) -> Result<(), Diagnostic> {
        for part in parts {
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interpolation(e) => {
                    let v = self.eval(e)?;
                    *sensitive |= v.sensitive;
                    if v.is_unknown() {
                        *unknown = true;
                        continue;
                    }
                    if v.is_null() {
                        return Err(error(
                            strata_types::codes::INVALID_TEMPLATE_INTERPOLATION_VALUE,
                            "Invalid template interpolation value",
                            "The expression result is null. Cannot include a null value in a string template.",
                            e.span,
                        ));
                    }
                    match convert(&v, &Type::String) {
                        Ok(s) => out.push_str(s.as_str().unwrap_or_default()),
                        Err(_) => {
                            return Err(error(
                                strata_types::codes::INVALID_TEMPLATE_INTERPOLATION_VALUE,
                                "Invalid template interpolation value",
                                format!(
                                    "Cannot include the given value in a string template: string required, but have {}.",
                                    v.ty().friendly_name()
                                ),
                                e.span,
                            ))
                        }
                    }
                }
                TemplatePart::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    let c = self.eval(condition)?;
                    *sensitive |= c.sensitive;
                    if c.is_unknown() {
                        *unknown = true;
                        continue;
                    }
                    let b = condition_bool(&c, condition.span)?;
                    self.render(if b { then } else { otherwise }, out, sensitive, unknown)?;
                }
                TemplatePart::For {
                    key,
                    value,
                    collection,
                    body,
                } => {
                    let c = self.eval(collection)?;
                    *sensitive |= c.sensitive;
                    if c.is_unknown() {
                        *unknown = true;
                        continue;
                    }
                    let items = iteration_items(&c, collection.span)?;
                    for (k, v) in items {
                        let pushed = self.push_iteration(key.as_deref(), value, k, v);
                        let r = self.render(body, out, sensitive, unknown);
                        self.locals.truncate(self.locals.len() - pushed);
                        r?;
                    }
                }
            }
        }
        Ok(())
    }

    fn push_iteration(&mut self, key: Option<&str>, value: &str, k: Value, v: Value) -> usize {
        let mut pushed = 1;
        if let Some(key) = key {
            self.locals.push((key.to_string(), k));
            pushed += 1;
        }
        self.locals.push((value.to_string(), v));
        pushed
    }

    fn splat(&mut self, source: &Expr, each: &Expr) -> EvalResult {
        let v = self.eval(source)?;
        let sensitive = v.sensitive;
        let items: Vec<Value> = match &v.kind {
            Kind::Null(_) => return Ok(Value::tuple(vec![])),
            Kind::Unknown(_) => return Ok(Value::unknown(Type::Dynamic)),
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                items.clone().into_vec()
            }
            _ => {
                // A single value is treated as a one-element tuple.
                self.splat_items.push(v.clone());
                let r = self.eval(each);
                self.splat_items.pop();
                return Ok(Value::tuple(vec![r?]).mark_sensitive(sensitive));
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            self.splat_items.push(item);
            let r = self.eval(each);
            self.splat_items.pop();
            out.push(r?);
        }
        let result = match &v.kind {
            Kind::List(..) | Kind::Set(..) => {
                let types: Vec<Type> = out.iter().map(Value::ty).collect();
                let ty = unify(&types).unwrap_or(Type::Dynamic);
                let out = out
                    .into_iter()
                    .map(|x| convert(&x, &ty).unwrap_or(x))
                    .collect();
                Value::list(ty, out)
            }
            _ => Value::tuple(out),
        };
        Ok(result.mark_sensitive(sensitive))
    }

    fn conditional(&mut self, c: &Expr, t: &Expr, f: &Expr) -> EvalResult {
        let cond = self.eval(c)?;
        let then = self.eval(t);
        let otherwise = self.eval(f);
        // With the condition known, the branch not taken may fail (an
        // attribute of the null the condition tested for): as in
        // Terraform, its errors are dropped and its type counts as unknown.
        let taken = if cond.is_unknown() {
            None
        } else {
            Some(condition_bool(&cond, c.span)?)
        };
        let (then, otherwise) = match (taken, then, otherwise) {
            (Some(true), Ok(v), Err(_)) => (v, Value::unknown(Type::Dynamic)),
            (Some(false), Err(_), Ok(v)) => (Value::unknown(Type::Dynamic), v),
            (_, then, otherwise) => (then?, otherwise?),
        };
        let ty = match unify(&[then.ty(), otherwise.ty()]) {
            Some(ty) => ty,
            None => {
                return Err(error(
                    strata_types::codes::INCONSISTENT_CONDITIONAL_RESULT_TYPES,
                    "Inconsistent conditional result types",
                    format!(
                        "The true and false result expressions must have consistent types. The 'true' value is {}, but the 'false' value is {}.",
                        then.ty().friendly_name(),
                        otherwise.ty().friendly_name()
                    ),
                    t.span.to(f.span),
                ))
            }
        };
        let Some(b) = taken else {
            return Ok(Value::unknown(ty).mark_sensitive(cond.sensitive));
        };
        let chosen = if b {
            (&then, t.span)
        } else {
            (&otherwise, f.span)
        };
        let converted = convert(chosen.0, &ty).map_err(|e| {
            error(
                strata_types::codes::INCONSISTENT_CONDITIONAL_RESULT_TYPES,
                "Inconsistent conditional result types",
                format!(
                    "The result value could not be converted to the unified type: {}.",
                    e.describe()
                ),
                chosen.1,
            )
        })?;
        Ok(converted.mark_sensitive(cond.sensitive))
    }

    fn for_expr(&mut self, f: &ForExpr, span: Span) -> EvalResult {
        let collection = self.eval(&f.collection)?;
        let sensitive = collection.sensitive;
        if collection.is_unknown() {
            return Ok(Value::unknown(Type::Dynamic).mark_sensitive(sensitive));
        }
        let items = iteration_items(&collection, f.collection.span)?;
        let mut tuple = Vec::new();
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut unknown = false;
        for (k, v) in items {
            let pushed = self.push_iteration(f.key_var.as_deref(), &f.value_var, k, v);
            let r = self.for_item(f, &mut tuple, &mut object, &mut groups, &mut unknown, span);
            self.locals.truncate(self.locals.len() - pushed);
            r?;
        }
        if unknown {
            return Ok(Value::unknown(Type::Dynamic).mark_sensitive(sensitive));
        }
        let result = if f.key_expr.is_none() {
            Value::tuple(tuple)
        } else if f.group {
            Value::object(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::tuple(v)))
                    .collect::<strata_types::Fields>(),
            )
        } else {
            Value::object(object)
        };
        Ok(result.mark_sensitive(sensitive))
    }

    fn for_item(
        &mut self,
        f: &ForExpr,
        tuple: &mut Vec<Value>,
        object: &mut BTreeMap<String, Value>,
        groups: &mut BTreeMap<String, Vec<Value>>,
        unknown: &mut bool,
        span: Span,
    ) -> Result<(), Diagnostic> {
        if let Some(condition) = &f.condition {
            let c = self.eval(condition)?;
            if c.is_unknown() {
                *unknown = true;
                return Ok(());
            }
            if c.is_null() {
                return Err(error(
                    strata_types::codes::INVALID_FOR_CONDITION,
                    "Condition is null",
                    "The value of the 'if' clause must not be null.",
                    condition.span,
                ));
            }
            let b = convert(&c, &Type::Bool).map_err(|e| {
                error(
                    strata_types::codes::INVALID_FOR_CONDITION,
                    "Invalid 'for' condition",
                    format!("The 'if' clause value is invalid: {}.", e.describe()),
                    condition.span,
                )
            })?;
            if b.as_bool() != Some(true) {
                return Ok(());
            }
        }
        match &f.key_expr {
            None => tuple.push(self.eval(&f.value_expr)?),
            Some(key_expr) => {
                let k = self.eval(key_expr)?;
                if k.is_unknown() {
                    *unknown = true;
                    return Ok(());
                }
                if k.is_null() {
                    return Err(error(
                        strata_types::codes::INVALID_OBJECT_KEY,
                        "Invalid object key",
                        "Key expression in 'for' expression must not produce a null value.",
                        key_expr.span,
                    ));
                }
                let key = convert(&k, &Type::String)
                    .map_err(|e| {
                        error(
                            strata_types::codes::INVALID_OBJECT_KEY,
                            "Invalid object key",
                            format!(
                                "The key expression produced an invalid result: {}.",
                                e.describe()
                            ),
                            key_expr.span,
                        )
                    })?
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let v = self.eval(&f.value_expr)?;
                if f.group {
                    groups.entry(key).or_default().push(v);
                } else {
                    if object.contains_key(&key) {
                        return Err(error(
                            strata_types::codes::DUPLICATE_OBJECT_KEY,
                            "Duplicate object key",
                            format!(
                                "Two different items produced the key \"{key}\" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."
                            ),
                            span,
                        ));
                    }
                    object.insert(key, v);
                }
            }
        }
        Ok(())
    }
}

fn condition_bool(c: &Value, span: Span) -> Result<bool, Diagnostic> {
    if c.is_null() {
        return Err(error(
            strata_types::codes::INVALID_CONDITION,
            "Null condition",
            "The condition value is null. Conditions must either be true or false.",
            span,
        ));
    }
    let b = convert(c, &Type::Bool).map_err(|e| {
        error(
            strata_types::codes::INVALID_CONDITION,
            "Incorrect condition type",
            format!(
                "The condition expression must be of type bool: {}.",
                e.describe()
            ),
            span,
        )
    })?;
    Ok(b.as_bool().unwrap_or(false))
}

/// Key/value pairs to iterate over: index → element for sequences, the
/// element itself as key for sets, name → element for maps and objects.
fn iteration_items(c: &Value, span: Span) -> Result<Vec<(Value, Value)>, Diagnostic> {
    let mark = c.sensitive;
    Ok(match &c.kind {
        Kind::Null(_) => {
            return Err(error(
                strata_types::codes::INVALID_ITERATION,
                "Iteration over null value",
                "A null value cannot be used as the collection in a 'for' expression.",
                span,
            ))
        }
        Kind::List(_, items) | Kind::Tuple(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Value::int(i as i64), v.clone().mark_sensitive(mark)))
            .collect(),
        Kind::Set(_, items) => items
            .iter()
            .map(|v| (v.clone(), v.clone().mark_sensitive(mark)))
            .collect(),
        Kind::Map(_, m) | Kind::Object(m) => m
            .iter()
            .map(|(k, v)| (Value::string(k.clone()), v.clone().mark_sensitive(mark)))
            .collect(),
        _ => {
            return Err(error(
                strata_types::codes::INVALID_ITERATION,
                "Iteration over non-iterable value",
                format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    c.ty().friendly_name()
                ),
                span,
            ))
        }
    })
}

pub fn get_attr(v: &Value, name: &str, span: Span) -> EvalResult {
    let sensitive = v.sensitive;
    match &v.kind {
        Kind::Unknown(Type::Object(o)) => Ok(Value::unknown(
            o.attributes.get(name).cloned().unwrap_or(Type::Dynamic),
        )
        .mark_sensitive(sensitive)),
        Kind::Unknown(Type::Map(e)) => Ok(Value::unknown((**e).clone()).mark_sensitive(sensitive)),
        Kind::Unknown(_) => Ok(Value::unknown(Type::Dynamic).mark_sensitive(sensitive)),
        Kind::Null(_) => Err(error(
            strata_types::codes::ATTEMPT_TO_GET_ATTRIBUTE_FROM_NULL_VALUE,
            "Attempt to get attribute from null value",
            "This value is null, so it does not have any attributes.",
            span,
        )),
        Kind::Object(m) => match m.get(name) {
            Some(x) => Ok(x.clone().mark_sensitive(sensitive)),
            None => {
                let suggestion = crate::suggest::did_you_mean(name, m.keys().map(String::as_str));
                Err(error(
                    strata_types::codes::UNSUPPORTED_ATTRIBUTE,
                    "Unsupported attribute",
                    format!("This object does not have an attribute named \"{name}\".{suggestion}"),
                    span,
                ))
            }
        },
        Kind::Map(_, m) => match m.get(name) {
            Some(x) => Ok(x.clone().mark_sensitive(sensitive)),
            None => Err(error(
                strata_types::codes::MISSING_MAP_ELEMENT,
                "Missing map element",
                format!("This map does not have an element with the key \"{name}\"."),
                span,
            )),
        },
        _ => Err(error(
            strata_types::codes::UNSUPPORTED_ATTRIBUTE,
            "Unsupported attribute",
            format!(
                "Can't access attributes on a primitive-typed value ({}).",
                v.ty().friendly_name()
            ),
            span,
        )),
    }
}

pub fn index(v: &Value, key: &Value, span: Span) -> EvalResult {
    let sensitive = v.sensitive || key.sensitive;
    if key.is_null() {
        return Err(error(
            strata_types::codes::INVALID_INDEX,
            "Invalid index",
            "Can't use a null value as an indexing key.",
            span,
        ));
    }
    match &v.kind {
        Kind::Null(_) => Err(error(strata_types::codes::INVALID_INDEX, "Invalid index", "This value is null, so it does not have any indices.", span)),
        Kind::Unknown(t) => {
            let element = match t {
                Type::List(e) | Type::Map(e) => (**e).clone(),
                _ => Type::Dynamic,
            };
            Ok(Value::unknown(element).mark_sensitive(sensitive))
        }
        Kind::List(_, items) | Kind::Tuple(items) => {
            if key.is_unknown() {
                return Ok(Value::unknown(Type::Dynamic).mark_sensitive(sensitive));
            }
            let n = convert(key, &Type::Number).map_err(|_| {
                error(strata_types::codes::INVALID_INDEX, "Invalid index", "The given key does not identify an element in this collection value: a number is required.", span)
            })?;
            let n = n.as_number().cloned().unwrap_or_else(Number::zero);
            if !n.is_integer() {
                return Err(error(
                    strata_types::codes::INVALID_INDEX,
                    "Invalid index",
                    "The given key does not identify an element in this collection value: indexing a sequence requires a whole number.",
                    span,
                ));
            }
            match n.to_i64().filter(|i| *i >= 0 && (*i as usize) < items.len()) {
                Some(i) => Ok(items[i as usize].clone().mark_sensitive(sensitive)),
                None => Err(error(
                    strata_types::codes::INVALID_INDEX,
                    "Invalid index",
                    if n.is_negative() {
                        "The given key does not identify an element in this collection value: a negative number is not a valid index for a sequence."
                            .to_string()
                    } else {
                        "The given key does not identify an element in this collection value: the collection has no element for this index.".to_string()
                    },
                    span,
                )),
            }
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            if key.is_unknown() {
                return Ok(Value::unknown(Type::Dynamic).mark_sensitive(sensitive));
            }
            let k = convert(key, &Type::String)
                .map_err(|_| error(strata_types::codes::INVALID_INDEX, "Invalid index", "The given key does not identify an element in this collection value: a string is required.", span))?;
            let k = k.as_str().unwrap_or_default();
            match m.get(k) {
                Some(x) => Ok(x.clone().mark_sensitive(sensitive)),
                None => Err(error(
                    strata_types::codes::INVALID_INDEX,
                    "Invalid index",
                    if matches!(v.kind, Kind::Object(_)) {
                        format!("The given key does not identify an element in this collection value. This object does not have an attribute named \"{k}\".")
                    } else {
                        "The given key does not identify an element in this collection value.".to_string()
                    },
                    span,
                )),
            }
        }
        Kind::Set(..) => Err(error(
            strata_types::codes::INVALID_INDEX,
            "Invalid index",
            "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
            span,
        )),
        _ => Err(error(
            strata_types::codes::INVALID_INDEX,
            "Invalid index",
            format!("This value does not have any indices ({}).", v.ty().friendly_name()),
            span,
        )),
    }
}

fn unary(op: UnaryOp, v: &Value, span: Span) -> EvalResult {
    let target = if op == UnaryOp::Not {
        Type::Bool
    } else {
        Type::Number
    };
    if v.is_unknown() {
        return Ok(Value::unknown(target).mark_sensitive(v.sensitive));
    }
    let operand = operand(v, &target, span, "")?;
    let result = match op {
        UnaryOp::Not => Value::bool(!operand.as_bool().unwrap_or(false)),
        UnaryOp::Negate => Value::number(
            operand
                .as_number()
                .map(Number::neg)
                .unwrap_or_else(Number::zero),
        ),
    };
    Ok(result.mark_sensitive(v.sensitive))
}

fn operand(v: &Value, target: &Type, span: Span, side: &str) -> EvalResult {
    let which = if side.is_empty() {
        "operand".to_string()
    } else {
        format!("{side} operand")
    };
    if v.is_null() {
        return Err(error(
            strata_types::codes::INVALID_OPERAND,
            "Invalid operand",
            format!(
                "Unsuitable value for {which}: a {} is required, but the value is null.",
                target.friendly_name()
            ),
            span,
        ));
    }
    convert(v, target).map_err(|e| {
        error(
            strata_types::codes::INVALID_OPERAND,
            "Invalid operand",
            format!("Unsuitable value for {which}: {}.", e.describe()),
            span,
        )
    })
}

pub fn binary(op: BinaryOp, l: &Value, r: &Value, ls: Span, rs: Span, span: Span) -> EvalResult {
    let sensitive = l.sensitive || r.sensitive;
    if matches!(op, BinaryOp::Equal | BinaryOp::NotEqual) {
        let eq = equals(l, r);
        let v = match eq {
            Some(b) => Value::bool(if op == BinaryOp::Equal { b } else { !b }),
            None => Value::unknown(Type::Bool),
        };
        return Ok(v.mark_sensitive(sensitive));
    }
    let (operand_type, result_type) = match op {
        BinaryOp::Or | BinaryOp::And => (Type::Bool, Type::Bool),
        BinaryOp::Less | BinaryOp::LessEqual | BinaryOp::Greater | BinaryOp::GreaterEqual => {
            (Type::Number, Type::Bool)
        }
        _ => (Type::Number, Type::Number),
    };
    let a = if l.is_unknown() {
        l.clone()
    } else {
        operand(l, &operand_type, ls, "left")?
    };
    let b = if r.is_unknown() {
        r.clone()
    } else {
        operand(r, &operand_type, rs, "right")?
    };
    if a.is_unknown() || b.is_unknown() {
        // Short-circuit where the known side decides the answer.
        if op == BinaryOp::Or && (a.as_bool() == Some(true) || b.as_bool() == Some(true)) {
            return Ok(Value::bool(true).mark_sensitive(sensitive));
        }
        if op == BinaryOp::And && (a.as_bool() == Some(false) || b.as_bool() == Some(false)) {
            return Ok(Value::bool(false).mark_sensitive(sensitive));
        }
        return Ok(Value::unknown(result_type).mark_sensitive(sensitive));
    }
    let result = match op {
        BinaryOp::Or => Value::bool(a.as_bool() == Some(true) || b.as_bool() == Some(true)),
        BinaryOp::And => Value::bool(a.as_bool() == Some(true) && b.as_bool() == Some(true)),
        _ => {
            let (x, y) = (
                a.as_number().cloned().unwrap_or_else(Number::zero),
                b.as_number().cloned().unwrap_or_else(Number::zero),
            );
            let cmp = || x.cmp_value(&y);
            match op {
                BinaryOp::Less => Value::bool(cmp().is_lt()),
                BinaryOp::LessEqual => Value::bool(cmp().is_le()),
                BinaryOp::Greater => Value::bool(cmp().is_gt()),
                BinaryOp::GreaterEqual => Value::bool(cmp().is_ge()),
                _ => {
                    let n = match op {
                        BinaryOp::Add => x.add(&y),
                        BinaryOp::Subtract => x.sub(&y),
                        BinaryOp::Multiply => x.mul(&y),
                        BinaryOp::Divide => {
                            if y.is_zero() && x.is_zero() {
                                None
                            } else {
                                x.div(&y)
                            }
                        }
                        _ => x.rem(&y),
                    };
                    match n {
                        Some(n) => Value::number(n),
                        None => {
                            return Err(error(
                                strata_types::codes::OPERATION_FAILED,
                                "Operation failed",
                                format!(
                                "Error during operation: the result of {} {} {} is not a number.",
                                x,
                                op.symbol(),
                                y
                            ),
                                span,
                            ))
                        }
                    }
                }
            }
        }
    };
    Ok(result.mark_sensitive(sensitive))
}

/// Renders a number as templates and `tostring` do.
pub fn number_text(n: &Number) -> String {
    number_to_string(n)
}
