//! A resource body evaluated into the object its provider's schema
//! describes: arguments converted to their attribute types, nested blocks
//! (and `dynamic` blocks) into lists or objects, meta-arguments left out,
//! and every mistake (unknown argument, missing required one, wrong type)
//! reported with its span.

use crate::addr::InstanceKey;
use crate::context::{Context, ModuleRef};
use crate::plan::CheckStatus;
use std::collections::{BTreeMap, HashMap};
use strata_lang::ast::{Body, ExprKind};
use strata_lang::convert::convert;
use strata_lang::eval::{evaluate, EvalContext};
use strata_lang::functions::FunctionEnv;
use strata_lang::suggest::did_you_mean;
use strata_provider::{Nesting, Schema};
use strata_types::{Diagnostic, Diagnostics, Kind, Span, Type, Value};

const META_ARGUMENTS: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
    "connection",
];

/// What a body may see beyond the module's names: `count`, `each` and the
/// iterators of enclosing `dynamic` blocks.
#[derive(Clone, Default)]
pub struct BodyScope {
    pub names: HashMap<String, Value>,
}

impl BodyScope {
    pub fn for_instance(key: &InstanceKey, each_value: Option<&Value>) -> BodyScope {
        let mut names = HashMap::new();
        match key {
            InstanceKey::Int(_) => {
                names.insert(
                    "count".to_string(),
                    Value::object(BTreeMap::from([("index".to_string(), key.to_value())])),
                );
            }
            InstanceKey::Str(_) => {
                names.insert(
                    "each".to_string(),
                    Value::object(BTreeMap::from([
                        ("key".to_string(), key.to_value()),
                        (
                            "value".to_string(),
                            each_value.cloned().unwrap_or_else(|| key.to_value()),
                        ),
                    ])),
                );
            }
            InstanceKey::None => {}
        }
        BodyScope { names }
    }
}

fn unsupported_argument(attribute: &strata_lang::ast::Attribute, schema: &Schema) -> Diagnostic {
    let suggestion = did_you_mean(
        &attribute.name,
        schema.attributes.keys().map(String::as_str),
    );
    let detail = if schema.blocks.contains_key(&attribute.name) {
        format!(
            "\"{}\" is a block here, not an argument: write {} {{ … }}.",
            attribute.name, attribute.name
        )
    } else {
        format!(
            "An argument named \"{}\" is not expected here.{suggestion}",
            attribute.name
        )
    };
    Diagnostic::error(
        strata_types::codes::UNSUPPORTED_ARGUMENT,
        "Unsupported argument",
        detail,
        attribute.name_span,
    )
}

fn unconfigurable(attribute: &strata_lang::ast::Attribute) -> Diagnostic {
    Diagnostic::error(
        strata_types::codes::VALUE_FOR_UNCONFIGURABLE_ATTRIBUTE,
        "Value for unconfigurable attribute",
        format!("Can't configure a value for \"{}\": its value will be decided automatically based on the result of applying this configuration.", attribute.name),
        attribute.name_span,
    )
}

fn unsupported_block(block: &strata_lang::ast::Block, schema: &Schema) -> Diagnostic {
    let suggestion = did_you_mean(&block.type_name, schema.blocks.keys().map(String::as_str));
    Diagnostic::error(
        strata_types::codes::UNSUPPORTED_BLOCK_TYPE,
        "Unsupported block type",
        format!(
            "Blocks of type \"{}\" are not expected here.{suggestion}",
            block.type_name
        ),
        block.type_span,
    )
}

fn missing_required(body: &Body, schema: &Schema, diagnostics: &mut Diagnostics) {
    for (name, a) in &schema.attributes {
        if a.required && !body.attributes.iter().any(|x| &x.name == name) {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::MISSING_REQUIRED_ARGUMENT,
                "Missing required argument",
                format!("The argument \"{name}\" is required, but no definition was found."),
                body.span,
            ));
        }
    }
}

/// The names in a body checked against its schema without evaluating
/// anything: arguments and blocks it has no such name for, required
/// arguments missing, computed-only attributes set; nested blocks (and
/// `dynamic` blocks' content) likewise. What every plan checks for every
/// resource, whatever its `count`.
pub(crate) fn check_names(body: &Body, schema: &Schema, diagnostics: &mut Diagnostics) {
    if let Some(fixed) = attributes_as_blocks(body, schema) {
        return check_names(body, &fixed, diagnostics);
    }
    for attribute in &body.attributes {
        if META_ARGUMENTS.contains(&attribute.name.as_str()) {
            continue;
        }
        match schema.attributes.get(&attribute.name) {
            None => diagnostics.push(unsupported_argument(attribute, schema)),
            Some(a) if a.computed && !a.optional && !a.required => {
                diagnostics.push(unconfigurable(attribute))
            }
            Some(_) => {}
        }
    }
    for block in &body.blocks {
        if META_ARGUMENTS.contains(&block.type_name.as_str()) {
            continue;
        }
        if block.type_name == "dynamic" {
            let label = block.labels.first().map(|l| l.value.as_str()).unwrap_or("");
            if let Some(nested) = schema.blocks.get(label) {
                for content in block.body.blocks_of("content") {
                    check_names(&content.body, &nested.schema, diagnostics);
                }
            }
            continue;
        }
        match schema.blocks.get(&block.type_name) {
            Some(nested) => check_names(&block.body, &nested.schema, diagnostics),
            None => diagnostics.push(unsupported_block(block, schema)),
        }
    }
    missing_required(body, schema, diagnostics);
}

impl BodyScope {
    /// The names a resource body sees when it is validated: `count.index`,
    /// `each.key` and `each.value` unknown when it has `count` or
    /// `for_each`.
    pub(crate) fn for_validation(body: &Body) -> BodyScope {
        let mut names = HashMap::new();
        if body.attribute("count").is_some() {
            names.insert(
                "count".to_string(),
                Value::object(BTreeMap::from([(
                    "index".to_string(),
                    Value::unknown(Type::Number),
                )])),
            );
        }
        if body.attribute("for_each").is_some() {
            names.insert(
                "each".to_string(),
                Value::object(BTreeMap::from([
                    ("key".to_string(), Value::unknown(Type::String)),
                    ("value".to_string(), Value::unknown(Type::Dynamic)),
                ])),
            );
        }
        BodyScope { names }
    }
}

pub(crate) fn body_to_config(
    ctx: &Context<'_>,
    body: &Body,
    schema: &Schema,
    roots: &HashMap<String, Value>,
    scope: &BodyScope,
) -> Result<Value, Diagnostics> {
    if let Some(fixed) = attributes_as_blocks(body, schema) {
        return body_to_config(ctx, body, &fixed, roots, scope);
    }
    let mut diagnostics = Diagnostics::default();
    let eval_ctx = EvalContext {
        variables: roots,
        overlay: Some(&scope.names),
        env: ctx.env,
    };
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    for (name, a) in &schema.attributes {
        out.insert(name.clone(), Value::null(a.ty.clone()));
    }
    for attribute in &body.attributes {
        if META_ARGUMENTS.contains(&attribute.name.as_str()) {
            continue;
        }
        let Some(a) = schema.attributes.get(&attribute.name) else {
            diagnostics.push(unsupported_argument(attribute, schema));
            continue;
        };
        if a.computed && !a.optional && !a.required {
            diagnostics.push(unconfigurable(attribute));
            continue;
        }
        match evaluate(&attribute.expr, &eval_ctx) {
            Ok(v) => match convert(&v, &a.ty) {
                Ok(v) => {
                    out.insert(attribute.name.clone(), v);
                }
                Err(e) => diagnostics.push(Diagnostic::error(
                    strata_types::codes::INCORRECT_ATTRIBUTE_VALUE_TYPE,
                    "Incorrect attribute value type",
                    format!(
                        "Inappropriate value for attribute \"{}\": {}.",
                        attribute.name,
                        e.describe()
                    ),
                    attribute.expr.span,
                )),
            },
            Err(d) => diagnostics.push(d),
        }
    }
    missing_required(body, schema, &mut diagnostics);
    let mut blocks: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    // Block types a `dynamic` block with an unknown for_each makes: how
    // many there will be is known only after apply.
    let mut unknown_blocks: std::collections::BTreeSet<String> = Default::default();
    for block in &body.blocks {
        if META_ARGUMENTS.contains(&block.type_name.as_str()) {
            continue;
        }
        if block.type_name == "dynamic" {
            let Some(label) = block.labels.first().map(|l| l.value.clone()) else {
                continue;
            };
            let Some(nested) = schema.blocks.get(&label) else {
                diagnostics.push(Diagnostic::error(
                    strata_types::codes::UNSUPPORTED_BLOCK_TYPE,
                    "Unsupported block type",
                    format!("Blocks of type \"{label}\" are not expected here."),
                    block.type_span,
                ));
                continue;
            };
            let iterator = block
                .body
                .attribute("iterator")
                .and_then(|a| {
                    if let ExprKind::Variable(n) = &a.expr.kind {
                        Some(n.clone())
                    } else {
                        None
                    }
                })
                .unwrap_or_else(|| label.clone());
            let Some(for_each) = block.body.attribute("for_each") else {
                continue;
            };
            let collection = match evaluate(&for_each.expr, &eval_ctx) {
                Ok(v) => v,
                Err(d) => {
                    diagnostics.push(d);
                    continue;
                }
            };
            // A set with unknown elements has an unknown number of them.
            let count_unknown = collection.is_unknown()
                || matches!(collection.kind, Kind::Set(..)) && !collection.is_wholly_known();
            if count_unknown {
                unknown_blocks.insert(label.clone());
                continue;
            }
            let items: Vec<(Value, Value)> = match &collection.kind {
                Kind::List(_, items) | Kind::Tuple(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (Value::int(i as i64), v.clone()))
                    .collect(),
                Kind::Set(_, items) => items.iter().map(|v| (v.clone(), v.clone())).collect(),
                Kind::Map(_, m) | Kind::Object(m) => m
                    .iter()
                    .map(|(k, v)| (Value::string(k.clone()), v.clone()))
                    .collect(),
                Kind::Null(_) => vec![],
                _ => {
                    diagnostics.push(Diagnostic::error(
                        strata_types::codes::INVALID_FOR_EACH,
                        "Invalid dynamic for_each value",
                        format!("Cannot use a {} value in for_each. An iterable collection is required.", collection.ty().friendly_name()),
                        for_each.expr.span,
                    ));
                    continue;
                }
            };
            for (k, v) in items {
                let mut inner = scope.clone();
                inner.names.insert(
                    iterator.clone(),
                    Value::object(BTreeMap::from([
                        ("key".to_string(), k),
                        ("value".to_string(), v),
                    ])),
                );
                for content in block.body.blocks_of("content") {
                    match body_to_config(ctx, &content.body, &nested.schema, roots, &inner) {
                        Ok(v) => blocks.entry(label.clone()).or_default().push(v),
                        Err(ds) => diagnostics.extend(ds),
                    }
                }
            }
            continue;
        }
        let Some(nested) = schema.blocks.get(&block.type_name) else {
            diagnostics.push(unsupported_block(block, schema));
            continue;
        };
        match body_to_config(ctx, &block.body, &nested.schema, roots, scope) {
            Ok(v) => blocks.entry(block.type_name.clone()).or_default().push(v),
            Err(ds) => diagnostics.extend(ds),
        }
    }
    for (name, nested) in &schema.blocks {
        let items = blocks.remove(name).unwrap_or_default();
        if unknown_blocks.contains(name) {
            let inner = nested.schema.object_type();
            let ty = match nested.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
            };
            out.insert(name.clone(), Value::unknown(ty));
            continue;
        }
        if items.len() < nested.min_items || nested.max_items.is_some_and(|m| items.len() > m) {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::WRONG_NUMBER_OF_BLOCKS,
                "Wrong number of blocks",
                format!(
                    "{} \"{name}\" block(s) given; between {} and {} are required.",
                    items.len(),
                    nested.min_items,
                    nested
                        .max_items
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "any number".into())
                ),
                body.span,
            ));
        }
        let inner = nested.schema.object_type();
        let value = match nested.nesting {
            Nesting::Single => items
                .into_iter()
                .next()
                .unwrap_or_else(|| Value::null(inner)),
            Nesting::List => Value::list(inner, items),
            Nesting::Set => Value::set(inner, items),
            Nesting::Group => items
                .into_iter()
                .next()
                .unwrap_or_else(|| absent_block(&nested.schema)),
        };
        out.insert(name.clone(), value);
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(Value::object(out))
}

/// Terraform's "attributes as blocks": an attribute whose type is a list
/// or set of objects (`ingress` of `aws_security_group` in providers built
/// on the legacy SDK) may be written as nested blocks instead. When `body`
/// does so, the schema with those attributes as blocks of optional
/// arguments; `None` when it does not.
fn attributes_as_blocks(body: &Body, schema: &Schema) -> Option<Schema> {
    let written_as_block = |name: &str| {
        body.blocks.iter().any(|b| {
            b.type_name == name
                || b.type_name == "dynamic" && b.labels.first().is_some_and(|l| l.value == name)
        })
    };
    let mut fixed: Option<Schema> = None;
    for (name, attribute) in &schema.attributes {
        let (nesting, element) = match &attribute.ty {
            Type::List(e) => (Nesting::List, e),
            Type::Set(e) => (Nesting::Set, e),
            _ => continue,
        };
        let Type::Object(object) = &**element else {
            continue;
        };
        if schema.blocks.contains_key(name)
            || body.attribute(name).is_some()
            || !written_as_block(name)
        {
            continue;
        }
        let inner = Schema {
            attributes: object
                .attributes
                .iter()
                .map(|(k, t)| (k.clone(), strata_provider::Attribute::optional(t.clone())))
                .collect(),
            ..Default::default()
        };
        let fixed = fixed.get_or_insert_with(|| schema.clone());
        fixed.attributes.remove(name);
        fixed.blocks.insert(
            name.clone(),
            strata_provider::NestedBlock {
                nesting,
                schema: inner,
                min_items: 0,
                max_items: None,
                as_attribute: false,
            },
        );
    }
    fixed
}

/// The value of a group block that is left out: null attributes, empty
/// repeated blocks, absent groups in turn.
fn absent_block(schema: &Schema) -> Value {
    let mut out: BTreeMap<String, Value> = schema
        .attributes
        .iter()
        .map(|(k, a)| (k.clone(), Value::null(a.ty.clone())))
        .collect();
    for (name, nested) in &schema.blocks {
        let inner = nested.schema.object_type();
        let value = match nested.nesting {
            Nesting::Single => Value::null(inner),
            Nesting::List => Value::list(inner, Vec::new()),
            Nesting::Set => Value::set(inner, Vec::new()),
            Nesting::Group => absent_block(&nested.schema),
        };
        out.insert(name.clone(), value);
    }
    Value::object(out)
}

/// Whether `body`'s lifecycle holds conditions of `kind` (`precondition`,
/// `postcondition`).
pub(crate) fn has_conditions(body: &Body, kind: &str) -> bool {
    body.blocks_of("lifecycle")
        .any(|l| l.body.blocks_of(kind).next().is_some())
}

/// What a set of conditions came to: the worst status, the failed
/// conditions' messages and the errors to report.
#[derive(Default)]
pub(crate) struct Conditions {
    pub status: Option<CheckStatus>,
    pub problems: Vec<String>,
    pub errors: Vec<Diagnostic>,
}

impl Conditions {
    pub(crate) fn add(&mut self, outcome: Outcome) {
        let status = match outcome {
            Outcome::Pass => CheckStatus::Pass,
            Outcome::Unknown => CheckStatus::Unknown,
            Outcome::Failed {
                diagnostic,
                message,
            } => {
                self.problems.push(message);
                self.errors.push(diagnostic);
                CheckStatus::Fail
            }
            Outcome::Errored(d) => {
                self.errors.push(d);
                CheckStatus::Error
            }
        };
        self.status = Some(self.status.map_or(status, |s| s.max(status)));
    }
}

/// Evaluates the `precondition` or `postcondition` blocks of a resource's
/// lifecycle: what each came to, and an error for each condition that is
/// false. Unknown conditions are left for later (apply).
pub(crate) fn conditions_outcome(
    body: &Body,
    kind: &str,
    roots: &HashMap<String, Value>,
    scope: &BodyScope,
    self_value: Option<&Value>,
    env: &strata_lang::functions::FunctionEnv,
    address: &dyn std::fmt::Display,
) -> Conditions {
    let mut out = Conditions::default();
    if !has_conditions(body, kind) {
        return out;
    }
    let address = address.to_string();
    let mut names = scope.names.clone();
    if let Some(v) = self_value {
        names.insert("self".to_string(), v.clone());
    }
    let ctx = EvalContext {
        variables: roots,
        overlay: Some(&names),
        env,
    };
    let summary = if kind == "precondition" {
        "Resource precondition failed"
    } else {
        "Resource postcondition failed"
    };
    for block in body
        .blocks_of("lifecycle")
        .flat_map(|l| l.body.blocks_of(kind))
    {
        out.add(condition_outcome(block, &ctx, summary, &address));
    }
    out
}

/// What a `precondition`-shaped block's condition came to.
pub(crate) enum Outcome {
    Pass,
    /// Apply decides it.
    Unknown,
    Failed {
        diagnostic: Diagnostic,
        /// Its `error_message`.
        message: String,
    },
    /// It could not be evaluated.
    Errored(Diagnostic),
}

/// Evaluates a `precondition`-shaped block: a false condition fails
/// with `summary` and "`what`: error_message"; an unknown one is left to
/// apply.
pub(crate) fn condition_outcome(
    block: &strata_lang::ast::Block,
    ctx: &EvalContext<'_>,
    summary: &str,
    what: &str,
) -> Outcome {
    let Some(condition) = block.body.attribute("condition") else {
        return Outcome::Pass;
    };
    match evaluate(&condition.expr, ctx) {
        Ok(v) if v.is_unknown() => Outcome::Unknown,
        Ok(v) if v.as_bool() == Some(false) => {
            let message = block
                .body
                .attribute("error_message")
                .and_then(|m| evaluate(&m.expr, ctx).ok())
                .and_then(|m| {
                    (!m.sensitive)
                        .then(|| m.as_str().map(str::to_string))
                        .flatten()
                })
                .unwrap_or_else(|| "The condition is false.".into());
            Outcome::Failed {
                diagnostic: Diagnostic::error(
                    strata_types::codes::CONDITION_FAILED,
                    summary,
                    format!("{what}: {message}"),
                    condition.expr.span,
                ),
                message,
            }
        }
        Ok(_) => Outcome::Pass,
        Err(d) => Outcome::Errored(d),
    }
}

/// The input variable values of one module instance, from the call's
/// arguments and the variables' defaults; `None` after reporting errors.
pub(crate) fn module_variables(
    call: &strata_lang::config::ModuleCall,
    child: ModuleRef<'_>,
    roots: &HashMap<String, Value>,
    scope: &BodyScope,
    env: &FunctionEnv,
    diagnostics: &mut Diagnostics,
) -> Option<BTreeMap<String, Value>> {
    {
        const META: &[&str] = &[
            "source",
            "version",
            "providers",
            "count",
            "for_each",
            "depends_on",
        ];
        let ctx = EvalContext {
            variables: roots,
            overlay: Some(&scope.names),
            env,
        };
        let mut ok = true;
        for a in &call.body.attributes {
            if !META.contains(&a.name.as_str())
                && !child.config.variables.iter().any(|v| v.name == a.name)
            {
                let suggestion = strata_lang::suggest::did_you_mean(
                    &a.name,
                    child.config.variables.iter().map(|v| v.name.as_str()),
                );
                diagnostics.push(Diagnostic::error(
                    strata_types::codes::UNSUPPORTED_ARGUMENT,
                    "Unsupported argument",
                    format!("An argument named \"{}\" is not expected here: module \"{}\" declares no such variable.{suggestion}", a.name, call.name),
                    a.name_span,
                ));
                ok = false;
            }
        }
        let empty = HashMap::new();
        let default_ctx = EvalContext {
            variables: &empty,
            overlay: None,
            env,
        };
        let mut vars = BTreeMap::new();
        for v in &child.config.variables {
            let (raw, span) = match call.body.attribute(&v.name) {
                Some(a) => match evaluate(&a.expr, &ctx) {
                    Ok(x) => (x, a.expr.span),
                    Err(d) => {
                        diagnostics.push(d);
                        ok = false;
                        continue;
                    }
                },
                None => match &v.default {
                    Some(d) => match evaluate(d, &default_ctx) {
                        Ok(x) => (x, d.span),
                        Err(d) => {
                            diagnostics.push(d);
                            ok = false;
                            continue;
                        }
                    },
                    None => {
                        diagnostics.push(Diagnostic::error(
                            strata_types::codes::MISSING_REQUIRED_ARGUMENT,
                            "Missing required argument",
                            format!("The argument \"{}\" is required by module \"{}\", but no definition was found.", v.name, call.name),
                            call.span,
                        ));
                        ok = false;
                        continue;
                    }
                },
            };
            let value = match &v.constraint {
                Some(c) => match strata_lang::types::convert_to_constraint(&raw, c) {
                    Ok(x) => x,
                    Err(e) => {
                        diagnostics.push(Diagnostic::error(
                            strata_types::codes::INVALID_INPUT_VALUE,
                            "Invalid value for module argument",
                            format!("The given value is not suitable for variable \"{}\" of module \"{}\": {}.", v.name, call.name, e.describe()),
                            span,
                        ));
                        ok = false;
                        continue;
                    }
                },
                None => raw,
            };
            vars.insert(v.name.clone(), value.mark_sensitive(v.sensitive));
        }
        ok.then_some(vars)
    }
}

/// Where in `body` the attribute `path` a provider named is written: the
/// attribute, or the block (`["candidate", "1", "instance_type"]` is the
/// second `candidate` block's `instance_type`), as deep as the body has it;
/// `fallback` (the resource block) when it names nothing written.
pub(crate) fn path_span(body: &strata_lang::ast::Body, path: &[String], fallback: Span) -> Span {
    let mut body = body;
    let mut span = fallback;
    let mut steps = path.iter().peekable();
    while let Some(name) = steps.next() {
        if let Some(a) = body.attribute(name) {
            return a.span;
        }
        let index = steps
            .peek()
            .and_then(|s| s.parse::<usize>().ok())
            .inspect(|_| {
                steps.next();
            })
            .unwrap_or(0);
        match body
            .blocks
            .iter()
            .filter(|b| &b.type_name == name)
            .nth(index)
        {
            Some(b) => {
                span = b.span;
                body = &b.body;
            }
            None => break,
        }
    }
    span
}

/// A provider's error or warning about a resource, at the attribute it
/// names when the configuration writes it there.
pub(crate) fn provider_diagnostic(
    code: &'static str,
    summary: &str,
    address: &str,
    error: &strata_provider::ProviderError,
    body: &strata_lang::ast::Body,
    fallback: Span,
) -> Diagnostic {
    let span = match error {
        strata_provider::ProviderError::Failed {
            attribute: Some(path),
            ..
        } => path_span(body, path, fallback),
        _ => fallback,
    };
    Diagnostic::error(code, summary, format!("{address}: {error}"), span)
}

/// Evaluates a module's locals in place.
pub(crate) fn evaluate_locals_into(
    config: &strata_lang::config::Config,
    roots: &mut HashMap<String, Value>,
    env: &FunctionEnv,
) {
    roots.insert("local".into(), Value::object(BTreeMap::new()));
    settle_locals(
        config,
        &strata_lang::stack::locals_order(config),
        roots,
        env,
    );
}

/// Evaluates `config`'s locals into `roots["local"]` in their dependency
/// order (the one `lang` gives plan too), over the values already there.
/// A local that fails to evaluate keeps its planned value: plan reported
/// the error, and apply checks each change against the reviewed plan.
pub(crate) fn settle_locals(
    config: &strata_lang::config::Config,
    order: &strata_lang::stack::LocalsOrder,
    roots: &mut HashMap<String, Value>,
    env: &FunctionEnv,
) {
    for &index in &order.order {
        if order.cyclic.contains(&index) {
            continue;
        }
        let local = &config.locals[index];
        let value = evaluate(
            &local.expr,
            &EvalContext {
                variables: roots,
                overlay: None,
                env,
            },
        );
        if let Ok(v) = value {
            strata_lang::stack::set_local(roots, &local.name, v);
        }
    }
}
