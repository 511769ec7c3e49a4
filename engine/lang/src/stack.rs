//! A loaded stack made ready for evaluation: input variable values with
//! Terraform's precedence, locals evaluated in dependency order (cycles
//! reported), the root names an expression can see, and `validate`'s
//! checks (undeclared references, type errors in static expressions,
//! function names and argument counts, invalid variable defaults).

use crate::ast::{Body, Expr, ExprKind, TemplatePart, TraversalStep};
use crate::config::{Config, LoadedStack, Mode};
use crate::eval::{evaluate, EvalContext};
use crate::functions::FunctionEnv;
use crate::parser::{parse_body, parse_expression};
use crate::suggest::did_you_mean;
use crate::types::convert_to_constraint;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use strata_types::{Diagnostic, Diagnostics, Kind, Span, Type, Value};

/// Where a variable value came from, in increasing precedence.
#[derive(Debug, Clone)]
pub enum VariableSource {
    /// `TF_VAR_name` from the environment: (name, raw value).
    Environment(String, String),
    /// A `.tfvars` file's contents: (file name, text).
    File(String, String),
    /// `--var name=value`.
    CommandLine(String, String),
    /// A value decided already, such as a saved plan's.
    Given(String, Value),
}

pub struct StackInputs {
    pub module_dir: PathBuf,
    pub root_dir: PathBuf,
    pub cwd: PathBuf,
    pub workspace: String,
    /// In precedence order, lowest first.
    pub variables: Vec<VariableSource>,
    /// When false, a required variable without a value is unknown
    /// (validate); when true it is an error (console, plan).
    pub require_variables: bool,
    pub env: FunctionEnv,
}

pub struct EvaluatedStack {
    pub variables: HashMap<String, Value>,
    pub diagnostics: Diagnostics,
}

fn name_of_file(stack: &mut LoadedStack, name: &str, text: &str) -> u32 {
    stack.sources.add(name, text)
}

/// Resolves variable values and evaluates locals; returns the root-level
/// names (`var`, `local`, `path`, …) that expressions in the stack see.
pub fn prepare(stack: &mut LoadedStack, inputs: &StackInputs) -> EvaluatedStack {
    let mut diagnostics = Diagnostics::default();
    let values = resolve_variables(stack, inputs, &mut diagnostics);
    let config = &stack.config;
    let mut roots: HashMap<String, Value> = HashMap::new();
    roots.insert("var".into(), Value::object(values));
    roots.insert(
        "path".into(),
        Value::object(BTreeMap::from([
            (
                "module".to_string(),
                Value::string(path_text(&inputs.module_dir, &inputs.cwd)),
            ),
            (
                "root".to_string(),
                Value::string(path_text(&inputs.root_dir, &inputs.cwd)),
            ),
            (
                "cwd".to_string(),
                Value::string(inputs.cwd.to_string_lossy()),
            ),
        ])),
    );
    roots.insert(
        "terraform".into(),
        Value::object(BTreeMap::from([(
            "workspace".to_string(),
            Value::string(inputs.workspace.clone()),
        )])),
    );
    declare_names(config, &mut roots);
    // Locals with bad references are reported here, by the reference
    // checker, and left unknown rather than evaluated into a second,
    // vaguer error.
    let checker = ReferenceChecker::new(config);
    let invalid: HashSet<usize> = config
        .locals
        .iter()
        .enumerate()
        .filter(|(_, local)| {
            let before = diagnostics.0.len();
            checker.check(&local.expr, &BodyScope::default(), &mut diagnostics);
            diagnostics.0.len() > before
        })
        .map(|(i, _)| i)
        .collect();
    let locals = evaluate_locals(config, &invalid, &mut roots, &inputs.env, &mut diagnostics);
    roots.insert("local".into(), Value::object(locals));
    EvaluatedStack {
        variables: roots,
        diagnostics,
    }
}

fn path_text(p: &std::path::Path, cwd: &std::path::Path) -> String {
    match p.strip_prefix(cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => p.to_string_lossy().into_owned(),
    }
}

fn resolve_variables(
    stack: &mut LoadedStack,
    inputs: &StackInputs,
    diagnostics: &mut Diagnostics,
) -> BTreeMap<String, Value> {
    let empty_roots = HashMap::new();
    let ctx = EvalContext {
        variables: &empty_roots,
        overlay: None,
        env: &inputs.env,
    };
    // Raw values by name, the highest-precedence source winning.
    let mut given: HashMap<String, (Value, Option<Span>)> = HashMap::new();
    let declared: HashMap<String, usize> = stack
        .config
        .variables
        .iter()
        .enumerate()
        .map(|(i, v)| (v.name.clone(), i))
        .collect();
    let names: Vec<&str> = stack
        .config
        .variables
        .iter()
        .map(|v| v.name.as_str())
        .collect::<Vec<_>>();
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    for source in &inputs.variables {
        match source {
            VariableSource::Environment(name, raw) | VariableSource::CommandLine(name, raw) => {
                let is_env = matches!(source, VariableSource::Environment(..));
                let Some(&index) = declared.get(name) else {
                    if !is_env {
                        diagnostics.push(Diagnostic::global(
                            strata_types::codes::VALUE_FOR_UNDECLARED_VARIABLE,
                            "Value for undeclared variable",
                            format!(
                                "A variable named \"{name}\" was assigned on the command line, but the root module does not declare a variable of that name.{} To use this value, add a \"variable\" block to the configuration.",
                                did_you_mean(name, names.iter().map(String::as_str))
                            ),
                        ));
                    }
                    continue;
                };
                let literal = stack.config.variables[index]
                    .constraint
                    .as_ref()
                    .map(|c| c.ty.is_primitive() || c.ty == Type::Dynamic)
                    .unwrap_or(true);
                if literal {
                    given.insert(name.clone(), (Value::string(raw.clone()), None));
                } else {
                    let label = if is_env {
                        format!("<value for TF_VAR_{name}>")
                    } else {
                        format!("<value for var.{name}>")
                    };
                    let file = name_of_file(stack, &label, raw);
                    let text = stack.sources.get(file).expect("added").text.clone();
                    let parsed = parse_expression(&text, file);
                    if parsed.diagnostics.has_errors() {
                        diagnostics.extend(parsed.diagnostics);
                        continue;
                    }
                    match evaluate(&parsed.value, &ctx) {
                        Ok(v) => {
                            given.insert(name.clone(), (v, Some(parsed.value.span)));
                        }
                        Err(d) => diagnostics.push(d),
                    }
                }
            }
            VariableSource::Given(name, value) => {
                given.insert(name.clone(), (value.clone(), None));
            }
            VariableSource::File(file_name, text) => {
                let file = name_of_file(stack, file_name, text);
                let text = stack.sources.get(file).expect("added").text.clone();
                let body = if file_name.ends_with(".json") {
                    crate::json_config::parse_json_tfvars(&text, file)
                } else {
                    parse_body(&text, file)
                };
                let (body, parse_diagnostics) = (body.value, body.diagnostics);
                diagnostics.extend(parse_diagnostics);
                for attribute in &body.attributes {
                    if !declared.contains_key(&attribute.name) {
                        diagnostics.push(Diagnostic::warning(
                            "W301",
                            "Value for undeclared variable",
                            format!(
                                "The root module does not declare a variable named \"{}\" but a value was found in file \"{file_name}\".{} If you meant to use this value, add a \"variable\" block to the configuration.",
                                attribute.name,
                                did_you_mean(&attribute.name, names.iter().map(String::as_str))
                            ),
                            attribute.name_span,
                        ));
                        continue;
                    }
                    match evaluate(&attribute.expr, &ctx) {
                        Ok(v) => {
                            given.insert(attribute.name.clone(), (v, Some(attribute.expr.span)));
                        }
                        Err(d) => diagnostics.push(d),
                    }
                }
                for block in &body.blocks {
                    diagnostics.push(Diagnostic::error(
                        strata_types::codes::UNSUPPORTED_BLOCK_TYPE,
                        "Unexpected block",
                        "Blocks are not allowed in a variables file; set each variable with name = value.",
                        block.type_span,
                    ));
                }
            }
        }
    }
    let mut values = BTreeMap::new();
    let empty = HashMap::new();
    let default_ctx = EvalContext {
        variables: &empty,
        overlay: None,
        env: &inputs.env,
    };
    for variable in &stack.config.variables {
        let (raw, span) = match given.remove(&variable.name) {
            Some((v, span)) => (Some(v), span),
            None => match &variable.default {
                Some(expr) => match evaluate(expr, &default_ctx) {
                    Ok(v) => (Some(v), Some(expr.span)),
                    Err(d) => {
                        diagnostics.push(d);
                        (Some(Value::unknown(Type::Dynamic)), None)
                    }
                },
                None => (None, None),
            },
        };
        let span = span.unwrap_or(variable.span);
        let value = match raw {
            None => {
                if inputs.require_variables {
                    diagnostics.push(Diagnostic::error(
                        strata_types::codes::NO_VALUE_FOR_REQUIRED_VARIABLE,
                        "No value for required variable",
                        format!(
                            "The root module input variable \"{}\" is not set, and has no default value. Use a -var or -var-file command line argument, a terraform.tfvars file, or the TF_VAR_{} environment variable to provide a value for this variable.",
                            variable.name, variable.name
                        ),
                        variable.span,
                    ));
                }
                Value::unknown(
                    variable
                        .constraint
                        .as_ref()
                        .map(|c| c.ty.clone())
                        .unwrap_or(Type::Dynamic),
                )
            }
            Some(v) => {
                let v = match &variable.constraint {
                    Some(c) => match convert_to_constraint(&v, c) {
                        Ok(v) => v,
                        Err(e) => {
                            diagnostics.push(Diagnostic::error(
                                strata_types::codes::INVALID_INPUT_VALUE,
                                "Invalid value for input variable",
                                format!(
                                    "The value given for variable \"{}\" is not suitable: {}. The variable's type is {}.",
                                    variable.name,
                                    e.describe(),
                                    c.ty
                                ),
                                span,
                            ));
                            Value::unknown(c.ty.clone())
                        }
                    },
                    None => v,
                };
                if v.is_null() && !variable.nullable {
                    diagnostics.push(Diagnostic::error(
                        strata_types::codes::REQUIRED_VARIABLE_NOT_SET,
                        "Required variable not set",
                        format!("Unsupported null value for non-nullable variable \"{}\". Give it a value other than null.", variable.name),
                        span,
                    ));
                }
                v
            }
        };
        let value = value.mark_sensitive(variable.sensitive);
        values.insert(variable.name.clone(), value);
    }
    // Validation rules may read the module's other variables. `validate`
    // (variables not required) checks the configuration, not values, as
    // Terraform's does: it checks no rule against a default.
    if inputs.require_variables
        && stack
            .config
            .variables
            .iter()
            .any(|v| !v.validations.is_empty())
    {
        let all = Value::object(values.clone());
        for variable in &stack.config.variables {
            check_validations(variable, &all, &inputs.env, diagnostics);
        }
    }
    values
}

/// Reports each validation rule of `variable` that its value fails. The
/// rules read `var` — the object of all the module's variables — as
/// Terraform lets them (1.9 and later). A rule whose condition is
/// unknown passes for now, and so does one that reads other objects of
/// the module (locals, resources), known only as the module is planned.
pub fn check_validations(
    variable: &crate::config::Variable,
    variables: &Value,
    env: &FunctionEnv,
    diagnostics: &mut Diagnostics,
) {
    if variable.validations.is_empty() {
        return;
    }
    let roots = HashMap::from([("var".to_string(), variables.clone())]);
    let ctx = EvalContext {
        variables: &roots,
        overlay: None,
        env,
    };
    for validation in &variable.validations {
        match evaluate(&validation.condition, &ctx) {
            Ok(c) if c.is_unknown() => {}
            Err(d) if d.code == strata_types::codes::INVALID_REFERENCE_NAME => {}
            Ok(c) => match c.as_bool() {
                Some(true) => {}
                Some(false) => {
                    let message = evaluate(&validation.error_message, &ctx)
                        .ok()
                        .and_then(|m| {
                            if m.sensitive {
                                None
                            } else {
                                m.as_str().map(str::to_string)
                            }
                        })
                        .unwrap_or_else(|| "The value failed validation.".into());
                    diagnostics.push(Diagnostic::error(
                        strata_types::codes::INVALID_VALUE_FOR_VARIABLE,
                        "Invalid value for variable",
                        format!("{message}\n\nThis was checked by the validation rule of variable \"{}\".", variable.name),
                        validation.condition.span,
                    ));
                }
                None => diagnostics.push(Diagnostic::error(
                    strata_types::codes::INVALID_VALIDATION_CONDITION,
                    "Invalid validation condition",
                    "The condition of a validation rule must produce true or false.",
                    validation.condition.span,
                )),
            },
            Err(d) => diagnostics.push(d),
        }
    }
}

/// Names of locals a local refers to.
fn local_references(expr: &Expr) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    expr.walk(&mut |e| {
        if let ExprKind::GetAttr(inner, name) = &e.kind {
            if let ExprKind::Variable(root) = &inner.kind {
                if root == "local" {
                    out.push((name.clone(), e.span));
                }
            }
        }
    });
    out
}

/// The order locals evaluate in: each after the locals it refers to.
/// Plan and apply both evaluate locals in this one order.
pub struct LocalsOrder {
    /// Indexes into `config.locals`.
    pub order: Vec<usize>,
    /// Locals in a reference cycle (reported once per cycle).
    pub cyclic: HashSet<usize>,
    pub diagnostics: Diagnostics,
}

/// The dependency order of `config`'s locals, with their cycles.
pub fn locals_order(config: &Config) -> LocalsOrder {
    let by_name: HashMap<&str, usize> = config
        .locals
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.as_str(), i))
        .collect();
    // 0 = unvisited, 1 = in progress, 2 = done.
    let mut state = vec![0u8; config.locals.len()];
    let mut order = Vec::new();
    let mut cyclic = HashSet::new();
    let mut diagnostics = Diagnostics::default();
    for start in 0..config.locals.len() {
        let mut path: Vec<usize> = Vec::new();
        visit(
            start,
            config,
            &by_name,
            &mut state,
            &mut order,
            &mut path,
            &mut cyclic,
            &mut diagnostics,
        );
    }
    LocalsOrder {
        order,
        cyclic,
        diagnostics,
    }
}

/// Sets `local.NAME` in `roots` in place (no copy of the other locals).
pub fn set_local(roots: &mut HashMap<String, Value>, name: &str, value: Value) {
    match roots.get_mut("local") {
        Some(Value {
            kind: Kind::Object(m),
            ..
        }) => {
            m.insert(name.to_string(), value);
        }
        _ => {
            roots.insert(
                "local".into(),
                Value::object(BTreeMap::from([(name.to_string(), value)])),
            );
        }
    }
}

fn evaluate_locals(
    config: &Config,
    invalid: &HashSet<usize>,
    roots: &mut HashMap<String, Value>,
    env: &FunctionEnv,
    diagnostics: &mut Diagnostics,
) -> BTreeMap<String, Value> {
    let LocalsOrder {
        order,
        cyclic,
        diagnostics: cycles,
    } = locals_order(config);
    diagnostics.extend(cycles);
    roots.insert("local".into(), Value::object(BTreeMap::new()));
    for index in order {
        let local = &config.locals[index];
        let v = if cyclic.contains(&index) || invalid.contains(&index) {
            Value::unknown(Type::Dynamic)
        } else {
            let ctx = EvalContext {
                variables: roots,
                overlay: None,
                env,
            };
            match evaluate(&local.expr, &ctx) {
                Ok(v) => v,
                Err(d) => {
                    diagnostics.push(d);
                    Value::unknown(Type::Dynamic)
                }
            }
        };
        set_local(roots, &local.name, v);
    }
    match roots.remove("local") {
        Some(Value {
            kind: Kind::Object(m),
            ..
        }) => m.into_map().into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn visit(
    index: usize,
    config: &Config,
    by_name: &HashMap<&str, usize>,
    state: &mut [u8],
    order: &mut Vec<usize>,
    path: &mut Vec<usize>,
    cyclic: &mut HashSet<usize>,
    diagnostics: &mut Diagnostics,
) {
    match state[index] {
        2 => return,
        1 => {
            let start = path.iter().position(|&i| i == index).unwrap_or(0);
            let cycle: Vec<String> = path[start..]
                .iter()
                .chain(std::iter::once(&index))
                .map(|&i| format!("local.{}", config.locals[i].name))
                .collect();
            if path[start..].iter().all(|i| !cyclic.contains(i)) {
                diagnostics.push(Diagnostic::error(
                    strata_types::codes::LOCALS_CYCLE,
                    "Cycle in local values",
                    format!("These local values refer to each other in a cycle: {}. Break the cycle by removing one of the references.", cycle.join(" → ")),
                    config.locals[index].name_span,
                ));
            }
            cyclic.extend(path[start..].iter().copied());
            return;
        }
        _ => {}
    }
    state[index] = 1;
    path.push(index);
    for (name, _) in local_references(&config.locals[index].expr) {
        if let Some(&dep) = by_name.get(name.as_str()) {
            visit(
                dep,
                config,
                by_name,
                state,
                order,
                path,
                cyclic,
                diagnostics,
            );
        }
    }
    path.pop();
    state[index] = 2;
    order.push(index);
}

// ---- validate -------------------------------------------------------------

/// What a body's expressions may refer to beyond the module-wide names.
#[derive(Clone, Default)]
struct BodyScope {
    count: bool,
    each: bool,
    self_allowed: bool,
    /// Iterator names of enclosing dynamic blocks.
    iterators: Vec<String>,
}

/// Checks every expression of the stack: references to undeclared things,
/// misuse of count/each/self, unknown functions and argument counts, and
/// errors in expressions that can be evaluated without state.
pub fn validate(stack: &LoadedStack, evaluated: &EvaluatedStack, env: &FunctionEnv) -> Diagnostics {
    // As Terraform validates: with every input variable unknown (of its
    // declared type), so an error that only some values would cause —
    // an attribute of a null default, a function given an empty one — is
    // reported by the plan that has those values, and only where the
    // expression is evaluated (not in a resource with `count = 0`).
    let unknown_inputs = with_unknown_variables(&stack.config, evaluated, env);
    let mut diagnostics = validate_module(&stack.config, &unknown_inputs, env);
    validate_children(&stack.children, evaluated, env, &mut diagnostics);
    diagnostics
}

/// Child modules are checked as the root is, each with its own unknown
/// inputs and declarations (Terraform validates them too).
fn validate_children(
    children: &BTreeMap<String, crate::config::ChildModule>,
    root: &EvaluatedStack,
    env: &FunctionEnv,
    diagnostics: &mut Diagnostics,
) {
    for child in children.values() {
        let mut roots = HashMap::new();
        if let Some(t) = root.variables.get("terraform") {
            roots.insert("terraform".to_string(), t.clone());
        }
        let mut path = match root.variables.get("path") {
            Some(Value {
                kind: Kind::Object(m),
                ..
            }) => m.clone(),
            _ => Default::default(),
        };
        path.insert("module".to_string(), Value::unknown(Type::String));
        roots.insert("path".to_string(), Value::object(path));
        declare_names(&child.config, &mut roots);
        let declared = EvaluatedStack {
            variables: roots,
            diagnostics: Diagnostics::default(),
        };
        let inputs = with_unknown_variables(&child.config, &declared, env);
        diagnostics.extend(validate_module(&child.config, &inputs, env));
        validate_children(&child.children, root, env, diagnostics);
    }
}

fn validate_module(config: &Config, evaluated: &EvaluatedStack, env: &FunctionEnv) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    let checker = ReferenceChecker::new(config);
    let mut check = |expr: &Expr, scope: &BodyScope, diagnostics: &mut Diagnostics| {
        let before = diagnostics.0.len();
        checker.check(expr, scope, diagnostics);
        if diagnostics.0.len() == before {
            evaluate_static(expr, scope, evaluated, env, diagnostics);
        }
    };
    for variable in &config.variables {
        for v in &variable.validations {
            checker.check_variable_condition(&v.condition, &variable.name, &mut diagnostics);
            checker.check_variable_condition(&v.error_message, &variable.name, &mut diagnostics);
        }
    }
    for output in &config.outputs {
        walk_body(
            &output.body,
            &BodyScope::default(),
            &mut check,
            &mut diagnostics,
        );
    }
    for resource in &config.resources {
        let scope = BodyScope {
            count: resource.body.attribute("count").is_some(),
            each: resource.body.attribute("for_each").is_some(),
            self_allowed: false,
            iterators: Vec::new(),
        };
        for attribute in &resource.body.attributes {
            let mut scope = scope.clone();
            if matches!(attribute.name.as_str(), "count" | "for_each") {
                scope.count = false;
                scope.each = false;
            }
            if attribute.name == "depends_on" {
                check_depends_on(&attribute.expr, &checker, &mut diagnostics);
                continue;
            }
            if attribute.name == "provider" {
                check_provider_reference(&attribute.expr, config, &mut diagnostics);
                continue;
            }
            check(&attribute.expr, &scope, &mut diagnostics);
        }
        for block in &resource.body.blocks {
            let mut scope = scope.clone();
            if block.type_name == "lifecycle" {
                for nested in &block.body.blocks {
                    scope.self_allowed = nested.type_name == "postcondition";
                    walk_body(&nested.body, &scope, &mut check, &mut diagnostics);
                }
                continue;
            }
            if block.type_name == "provisioner" || block.type_name == "connection" {
                scope.self_allowed = true;
            }
            if block.type_name == "provisioner" {
                // `when = destroy` and `on_failure = continue` are keywords,
                // not references.
                for attribute in &block.body.attributes {
                    let keyword = match (attribute.name.as_str(), &attribute.expr.kind) {
                        ("when", ExprKind::Variable(k)) => {
                            matches!(k.as_str(), "create" | "destroy")
                        }
                        ("on_failure", ExprKind::Variable(k)) => {
                            matches!(k.as_str(), "continue" | "fail")
                        }
                        _ => false,
                    };
                    if !keyword {
                        check(&attribute.expr, &scope, &mut diagnostics);
                    }
                }
                for nested in &block.body.blocks {
                    walk_block(nested, &scope, &mut check, &mut diagnostics);
                }
                continue;
            }
            walk_block(block, &scope, &mut check, &mut diagnostics);
        }
    }
    for module in &config.modules {
        let scope = BodyScope {
            count: module.body.attribute("count").is_some(),
            each: module.body.attribute("for_each").is_some(),
            ..Default::default()
        };
        for attribute in &module.body.attributes {
            match attribute.name.as_str() {
                // Provider configurations by name (`aws = aws.west`).
                "providers" => check_module_providers(&attribute.expr, &mut diagnostics),
                "depends_on" => check_depends_on(&attribute.expr, &checker, &mut diagnostics),
                "count" | "for_each" => {
                    check(&attribute.expr, &BodyScope::default(), &mut diagnostics)
                }
                _ => check(&attribute.expr, &scope, &mut diagnostics),
            }
        }
        for block in &module.body.blocks {
            walk_block(block, &scope, &mut check, &mut diagnostics);
        }
    }
    for block in config.providers.iter().chain(&config.other) {
        // Addresses in moved, removed and import blocks name objects that
        // may no longer (or not yet) be in the configuration.
        if matches!(block.type_name.as_str(), "moved" | "removed" | "import") {
            for attribute in block
                .body
                .attributes
                .iter()
                .filter(|a| !matches!(a.name.as_str(), "from" | "to"))
            {
                check(&attribute.expr, &BodyScope::default(), &mut diagnostics);
            }
            continue;
        }
        walk_body(
            &block.body,
            &BodyScope::default(),
            &mut check,
            &mut diagnostics,
        );
    }
    diagnostics
}

fn check_depends_on(expr: &Expr, checker: &ReferenceChecker, diagnostics: &mut Diagnostics) {
    let ExprKind::Tuple(items) = &expr.kind else {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::INVALID_DEPENDS_ON,
            "Invalid depends_on",
            "The depends_on argument must be a list of references, such as [aws_iam_role.x].",
            expr.span,
        ));
        return;
    };
    for item in items {
        if item.as_traversal().is_none() {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::INVALID_DEPENDS_ON,
                "Invalid depends_on reference",
                "References in depends_on must be to a whole object (resource, data source, module) without further expressions.",
                item.span,
            ));
            continue;
        }
        checker.check(item, &BodyScope::default(), diagnostics);
    }
}

/// A module call's `providers` maps the child's provider names to this
/// module's configurations: `{ aws = aws.west }`, each value a reference
/// to a provider configuration, not an expression.
fn check_module_providers(expr: &Expr, diagnostics: &mut Diagnostics) {
    let ExprKind::Object(items) = &expr.kind else {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::INVALID_PROVIDER_REFERENCE_IN_CONFIG,
            "Invalid providers argument",
            "A module call's providers argument is a map of provider configurations, such as { aws = aws.west }.",
            expr.span,
        ));
        return;
    };
    for (_, value) in items {
        // A name or NAME.ALIAS; the alias may come from this module's
        // `configuration_aliases`, so only the shape is checked here.
        let shaped = value
            .as_traversal()
            .is_some_and(|(_, steps)| matches!(steps.as_slice(), [] | [TraversalStep::Attr(..)]));
        if !shaped {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::INVALID_PROVIDER_REFERENCE_IN_CONFIG,
                "Invalid provider reference",
                "Each value in providers names a provider configuration such as aws or aws.west, without quotes.",
                value.span,
            ));
        }
    }
}

/// A resource's `provider` names a provider configuration: `aws`, or
/// `aws.west` for a block with `alias = "west"`.
fn check_provider_reference(expr: &Expr, config: &Config, diagnostics: &mut Diagnostics) {
    let invalid = |detail: String| {
        Diagnostic::error(
            strata_types::codes::INVALID_PROVIDER_REFERENCE_IN_CONFIG,
            "Invalid provider reference",
            detail,
            expr.span,
        )
    };
    let Some((root, steps)) = expr.as_traversal() else {
        diagnostics.push(invalid(
            "The provider argument names a provider configuration such as aws or aws.west, without quotes.".into(),
        ));
        return;
    };
    let alias = match steps.as_slice() {
        [] => None,
        [TraversalStep::Attr(a, _)] => Some(*a),
        _ => {
            diagnostics.push(invalid(format!(
                "{root}… is not a provider configuration; write {root} or {root}.ALIAS."
            )));
            return;
        }
    };
    let Some(alias) = alias else { return };
    let declared = config.providers.iter().any(|p| {
        p.labels.first().is_some_and(|l| l.value == root)
            && p.body
                .attribute("alias")
                .and_then(|a| crate::config::literal_string(&a.expr))
                .as_deref()
                == Some(alias)
    });
    if !declared {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::PROVIDER_CONFIGURATION_NOT_PRESENT,
            "Provider configuration not present",
            format!("No provider \"{root}\" block has alias = \"{alias}\". Add one to the root module, or use the default configuration {root}."),
            expr.span,
        ));
    }
}

fn walk_body(
    body: &Body,
    scope: &BodyScope,
    check: &mut dyn FnMut(&Expr, &BodyScope, &mut Diagnostics),
    diagnostics: &mut Diagnostics,
) {
    for attribute in &body.attributes {
        check(&attribute.expr, scope, diagnostics);
    }
    for block in &body.blocks {
        walk_block(block, scope, check, diagnostics);
    }
}

fn walk_block(
    block: &crate::ast::Block,
    scope: &BodyScope,
    check: &mut dyn FnMut(&Expr, &BodyScope, &mut Diagnostics),
    diagnostics: &mut Diagnostics,
) {
    if block.type_name != "dynamic" {
        walk_body(&block.body, scope, check, diagnostics);
        return;
    }
    if let Some(for_each) = block.body.attribute("for_each") {
        check(&for_each.expr, scope, diagnostics);
    }
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
        .or_else(|| block.labels.first().map(|l| l.value.clone()))
        .unwrap_or_default();
    let mut inner = scope.clone();
    inner.iterators.push(iterator);
    if let Some(labels) = block.body.attribute("labels") {
        check(&labels.expr, &inner, diagnostics);
    }
    for content in block.body.blocks_of("content") {
        walk_body(&content.body, &inner, check, diagnostics);
    }
}

/// Evaluates an expression whose references are all valid, with unknowns
/// standing in for what is not known before planning, and reports errors.
/// The names a module's own declarations give, unknown until planned:
/// its resources by type, `data`, and `module`.
fn declare_names(config: &Config, roots: &mut HashMap<String, Value>) {
    let mut resources: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    let mut data: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for r in &config.resources {
        let target = if r.mode == Mode::Managed {
            &mut resources
        } else {
            &mut data
        };
        target
            .entry(r.type_name.clone())
            .or_default()
            .insert(r.name.clone(), Value::unknown(Type::Dynamic));
    }
    for (type_name, by_name) in resources {
        roots.insert(type_name, Value::object(by_name));
    }
    roots.insert(
        "data".into(),
        Value::object(
            data.into_iter()
                .map(|(k, v)| (k, Value::object(v)))
                .collect::<strata_types::Fields>(),
        ),
    );
    roots.insert(
        "module".into(),
        Value::object(
            config
                .modules
                .iter()
                .map(|m| (m.name.clone(), Value::unknown(Type::Dynamic)))
                .collect::<strata_types::Fields>(),
        ),
    );
}

/// The root names with every input variable unknown of its declared type
/// and the locals evaluated again from them: what expressions see when a
/// configuration is validated, as Terraform validates it.
pub fn with_unknown_variables(
    config: &Config,
    evaluated: &EvaluatedStack,
    env: &FunctionEnv,
) -> EvaluatedStack {
    let mut roots = evaluated.variables.clone();
    let unknown: BTreeMap<String, Value> = config
        .variables
        .iter()
        .map(|v| {
            let ty = v
                .constraint
                .as_ref()
                .map_or(Type::Dynamic, |c| c.ty.clone());
            (
                v.name.clone(),
                Value::unknown(ty).mark_sensitive(v.sensitive),
            )
        })
        .collect();
    roots.insert("var".into(), Value::object(unknown));
    // Errors in locals were reported when they were first evaluated.
    let mut again = Diagnostics::default();
    let locals = evaluate_locals(config, &HashSet::new(), &mut roots, env, &mut again);
    roots.insert("local".into(), Value::object(locals));
    EvaluatedStack {
        variables: roots,
        diagnostics: Diagnostics::default(),
    }
}

fn evaluate_static(
    expr: &Expr,
    scope: &BodyScope,
    evaluated: &EvaluatedStack,
    env: &FunctionEnv,
    diagnostics: &mut Diagnostics,
) {
    let mut roots = HashMap::new();
    if scope.count {
        roots.insert(
            "count".into(),
            Value::object(BTreeMap::from([(
                "index".to_string(),
                Value::unknown(Type::Number),
            )])),
        );
    }
    if scope.each {
        roots.insert(
            "each".into(),
            Value::object(BTreeMap::from([
                ("key".to_string(), Value::unknown(Type::String)),
                ("value".to_string(), Value::unknown(Type::Dynamic)),
            ])),
        );
    }
    if scope.self_allowed {
        roots.insert("self".into(), Value::unknown(Type::Dynamic));
    }
    for iterator in &scope.iterators {
        roots.insert(iterator.clone(), Value::unknown(Type::Dynamic));
    }
    let ctx = EvalContext {
        variables: &evaluated.variables,
        overlay: Some(&roots),
        env,
    };
    if let Err(d) = evaluate(expr, &ctx) {
        diagnostics.push(d);
    }
}

struct ReferenceChecker<'c> {
    config: &'c Config,
    variables: HashSet<&'c str>,
    locals: HashSet<&'c str>,
    modules: HashSet<&'c str>,
    managed: HashSet<(&'c str, &'c str)>,
    data: HashSet<(&'c str, &'c str)>,
}

/// Checks the references of a test assertion against the module it runs
/// on: what the module's own expressions may name, plus `output` and
/// `run`.
pub fn check_assertion_references(config: &Config, expr: &Expr) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    let scope = BodyScope {
        iterators: vec!["output".into(), "run".into()],
        ..Default::default()
    };
    ReferenceChecker::new(config).check(expr, &scope, &mut diagnostics);
    diagnostics
}

impl<'c> ReferenceChecker<'c> {
    fn new(config: &'c Config) -> Self {
        ReferenceChecker {
            config,
            variables: config.variables.iter().map(|v| v.name.as_str()).collect(),
            locals: config.locals.iter().map(|l| l.name.as_str()).collect(),
            modules: config.modules.iter().map(|m| m.name.as_str()).collect(),
            managed: config
                .resources
                .iter()
                .filter(|r| r.mode == Mode::Managed)
                .map(|r| (r.type_name.as_str(), r.name.as_str()))
                .collect(),
            data: config
                .resources
                .iter()
                .filter(|r| r.mode == Mode::Data)
                .map(|r| (r.type_name.as_str(), r.name.as_str()))
                .collect(),
        }
    }

    fn check_variable_condition(&self, expr: &Expr, own_name: &str, diagnostics: &mut Diagnostics) {
        self.check(expr, &BodyScope::default(), diagnostics);
        let _ = own_name;
    }

    fn check(&self, expr: &Expr, scope: &BodyScope, diagnostics: &mut Diagnostics) {
        let mut bound: Vec<String> = Vec::new();
        self.check_expr(expr, scope, &mut bound, diagnostics);
    }

    fn check_expr(
        &self,
        expr: &Expr,
        scope: &BodyScope,
        bound: &mut Vec<String>,
        diagnostics: &mut Diagnostics,
    ) {
        match &expr.kind {
            ExprKind::Variable(_) | ExprKind::GetAttr(..) | ExprKind::Index(..) => {
                if let Some((root, steps)) = expr.as_traversal() {
                    self.check_reference(root, &steps, expr.span, scope, bound, diagnostics);
                    for step in &steps {
                        if let TraversalStep::Index(key) = step {
                            self.check_expr(key, scope, bound, diagnostics);
                        }
                    }
                    return;
                }
                // A chain from something other than a name: its keys and
                // its start are checked once, not from every link.
                let mut current = expr;
                loop {
                    match &current.kind {
                        ExprKind::GetAttr(inner, _) => current = inner,
                        ExprKind::Index(inner, key) => {
                            self.check_expr(key, scope, bound, diagnostics);
                            current = inner;
                        }
                        _ => break,
                    }
                }
                if !std::ptr::eq(current, expr) {
                    self.check_expr(current, scope, bound, diagnostics);
                }
            }
            ExprKind::Literal(_) | ExprKind::SplatItem => {}
            ExprKind::Template(parts) => self.check_parts(parts, scope, bound, diagnostics),
            ExprKind::TemplateWrap(e) | ExprKind::Parens(e) | ExprKind::Unary(_, e) => {
                self.check_expr(e, scope, bound, diagnostics)
            }
            ExprKind::Splat { source, each } => {
                self.check_expr(source, scope, bound, diagnostics);
                self.check_expr(each, scope, bound, diagnostics);
            }
            ExprKind::Binary(_, a, b) => {
                self.check_expr(a, scope, bound, diagnostics);
                self.check_expr(b, scope, bound, diagnostics);
            }
            ExprKind::Conditional(a, b, c) => {
                self.check_expr(a, scope, bound, diagnostics);
                self.check_expr(b, scope, bound, diagnostics);
                self.check_expr(c, scope, bound, diagnostics);
            }
            ExprKind::Tuple(items) => items
                .iter()
                .for_each(|e| self.check_expr(e, scope, bound, diagnostics)),
            ExprKind::Object(items) => {
                for (k, v) in items {
                    if let crate::ast::ObjectKey::Expr(k) = k {
                        self.check_expr(k, scope, bound, diagnostics);
                    }
                    self.check_expr(v, scope, bound, diagnostics);
                }
            }
            ExprKind::Call(call) => {
                if let Some(d) = crate::functions::check_call(
                    &call.name,
                    call.args.len(),
                    call.expand_final,
                    call.name_span,
                    expr.span,
                ) {
                    diagnostics.push(d);
                }
                call.args
                    .iter()
                    .for_each(|e| self.check_expr(e, scope, bound, diagnostics));
            }
            ExprKind::For(f) => {
                self.check_expr(&f.collection, scope, bound, diagnostics);
                let mark = bound.len();
                bound.extend(f.key_var.iter().cloned());
                bound.push(f.value_var.clone());
                if let Some(k) = &f.key_expr {
                    self.check_expr(k, scope, bound, diagnostics);
                }
                self.check_expr(&f.value_expr, scope, bound, diagnostics);
                if let Some(c) = &f.condition {
                    self.check_expr(c, scope, bound, diagnostics);
                }
                bound.truncate(mark);
            }
        }
    }

    fn check_parts(
        &self,
        parts: &[TemplatePart],
        scope: &BodyScope,
        bound: &mut Vec<String>,
        diagnostics: &mut Diagnostics,
    ) {
        for part in parts {
            match part {
                TemplatePart::Literal(_) => {}
                TemplatePart::Interpolation(e) => self.check_expr(e, scope, bound, diagnostics),
                TemplatePart::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    self.check_expr(condition, scope, bound, diagnostics);
                    self.check_parts(then, scope, bound, diagnostics);
                    self.check_parts(otherwise, scope, bound, diagnostics);
                }
                TemplatePart::For {
                    key,
                    value,
                    collection,
                    body,
                } => {
                    self.check_expr(collection, scope, bound, diagnostics);
                    let mark = bound.len();
                    bound.extend(key.iter().cloned());
                    bound.push(value.clone());
                    self.check_parts(body, scope, bound, diagnostics);
                    bound.truncate(mark);
                }
            }
        }
    }

    fn check_reference(
        &self,
        root: &str,
        steps: &[TraversalStep<'_>],
        span: Span,
        scope: &BodyScope,
        bound: &[String],
        diagnostics: &mut Diagnostics,
    ) {
        if bound.iter().any(|b| b == root) || scope.iterators.iter().any(|i| i == root) {
            return;
        }
        let first = steps.first().and_then(|s| {
            if let TraversalStep::Attr(n, sp) = s {
                Some((*n, *sp))
            } else {
                None
            }
        });
        let second = steps.get(1).and_then(|s| {
            if let TraversalStep::Attr(n, _) = s {
                Some(*n)
            } else {
                None
            }
        });
        let mut error = |code: &'static str, summary: &str, detail: String| {
            diagnostics.push(Diagnostic::error(code, summary, detail, span));
        };
        match root {
            "var" => match first {
                Some((name, _)) if self.variables.contains(name) => {}
                Some((name, _)) => error(
                    strata_types::codes::UNDECLARED_REFERENCE,
                    "Reference to undeclared input variable",
                    format!(
                        "An input variable with the name \"{name}\" has not been declared.{} Declare it with a variable \"{name}\" {{ … }} block.",
                        did_you_mean(name, self.variables.iter().copied())
                    ),
                ),
                None => error(strata_types::codes::INVALID_REFERENCE, "Invalid reference", "The \"var\" object cannot be accessed directly. Instead, access one of its attributes, such as var.name.".into()),
            },
            "local" => match first {
                Some((name, _)) if self.locals.contains(name) => {}
                Some((name, _)) => error(
                    strata_types::codes::UNDECLARED_REFERENCE,
                    "Reference to undeclared local value",
                    format!("A local value with the name \"{name}\" has not been declared.{}", did_you_mean(name, self.locals.iter().copied())),
                ),
                None => error(strata_types::codes::INVALID_REFERENCE, "Invalid reference", "The \"local\" object cannot be accessed directly. Instead, access one of its attributes.".into()),
            },
            "module" => match first {
                Some((name, _)) if self.modules.contains(name) => {}
                Some((name, _)) => error(
                    strata_types::codes::UNDECLARED_REFERENCE,
                    "Reference to undeclared module",
                    format!("No module call named \"{name}\" is declared in the root module.{}", did_you_mean(name, self.modules.iter().copied())),
                ),
                None => error(strata_types::codes::INVALID_REFERENCE, "Invalid reference", "The \"module\" object cannot be accessed directly. Instead, access one of its attributes.".into()),
            },
            "data" => match (first, second) {
                (Some((t, _)), Some(n)) if self.data.contains(&(t, n)) => {}
                (Some((t, _)), Some(n)) => error(
                    strata_types::codes::UNDECLARED_REFERENCE,
                    "Reference to undeclared resource",
                    format!("A data resource \"{t}\" \"{n}\" has not been declared in the root module."),
                ),
                _ => error(strata_types::codes::INVALID_REFERENCE, "Invalid reference", "A reference to a data source must be followed by at least one attribute access, specifying the resource type and name.".into()),
            },
            "count" => {
                if first.map(|f| f.0) != Some("index") {
                    error(strata_types::codes::INVALID_SPECIAL_ATTRIBUTE, "Invalid \"count\" attribute", "The \"count\" object does not have an attribute with that name. The only supported attribute is count.index.".into());
                } else if !scope.count {
                    error(
                        strata_types::codes::ITERATION_CONTEXT_MISSING,
                        "Reference to \"count\" in non-counted context",
                        "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".into(),
                    );
                }
            }
            "each" => {
                if !matches!(first.map(|f| f.0), Some("key") | Some("value")) {
                    error(strata_types::codes::INVALID_SPECIAL_ATTRIBUTE, "Invalid \"each\" attribute", "The \"each\" object does not have an attribute with that name. The supported attributes are each.key and each.value.".into());
                } else if !scope.each {
                    error(
                        strata_types::codes::ITERATION_CONTEXT_MISSING,
                        "Reference to \"each\" in context without for_each",
                        "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".into(),
                    );
                }
            }
            "self" => {
                if !scope.self_allowed {
                    error(
                        strata_types::codes::INVALID_SELF_REFERENCE,
                        "Invalid \"self\" reference",
                        "The \"self\" object is not available in this context. It can be used only in provisioner and connection blocks and in postconditions.".into(),
                    );
                }
            }
            "path" => {
                if !matches!(first.map(|f| f.0), Some("module") | Some("root") | Some("cwd")) {
                    error(strata_types::codes::INVALID_SPECIAL_ATTRIBUTE, "Invalid \"path\" attribute", "The \"path\" object has the attributes path.module, path.root and path.cwd.".into());
                }
            }
            "terraform" => {
                if first.map(|f| f.0) != Some("workspace") {
                    error(strata_types::codes::INVALID_SPECIAL_ATTRIBUTE, "Invalid \"terraform\" attribute", "The \"terraform\" object has only the attribute terraform.workspace.".into());
                }
            }
            resource_type => match first {
                Some((name, _)) => {
                    if !self.managed.contains(&(resource_type, name)) {
                        let candidates: Vec<String> = self.config.resources.iter().filter(|r| r.mode == Mode::Managed).map(|r| r.address()).collect();
                        let given = format!("{resource_type}.{name}");
                        error(
                            strata_types::codes::UNDECLARED_REFERENCE,
                            "Reference to undeclared resource",
                            format!(
                                "A managed resource \"{resource_type}\" \"{name}\" has not been declared in the root module.{}",
                                did_you_mean(&given, candidates.iter().map(String::as_str))
                            ),
                        );
                    }
                }
                None => {
                    let roots = ["var", "local", "module", "data", "path", "terraform", "count", "each", "self"];
                    error(
                        strata_types::codes::INVALID_REFERENCE_NAME,
                        "Invalid reference",
                        format!(
                            "A reference to a resource type must be followed by at least one attribute access, specifying the resource name.{}",
                            did_you_mean(resource_type, roots.iter().copied())
                        ),
                    )
                }
            },
        }
    }
}
