//! What a plan says beyond its resources: the root module's outputs
//! (before and after) and the `check` blocks' assertions.

use super::*;
use crate::plan::CheckStatus;

/// The changes to the root module's outputs, from their values in `roots`
/// and in the prior state.
pub(super) fn output_changes(
    stack: &LoadedStack,
    roots: &HashMap<String, Value>,
    env: &FunctionEnv,
    prior_outputs: &BTreeMap<String, strata_state::OutputState>,
    destroy: bool,
    diagnostics: &mut Diagnostics,
    checks: &mut Vec<crate::plan::CheckResult>,
) -> Vec<OutputChange> {
    let mut outputs = Vec::new();
    for o in &stack.config.outputs {
        let Some(expr) = &o.value else { continue };
        if !destroy {
            diagnostics
                .0
                .extend(output_preconditions(o, roots, env, (&[], "output"), checks));
        }
        let after = if destroy {
            None
        } else {
            match evaluate(
                expr,
                &EvalContext {
                    variables: roots,
                    overlay: None,
                    env,
                },
            ) {
                Ok(v) => {
                    if v.contains_sensitive() && !o.sensitive {
                        diagnostics.push(Diagnostic::error(
                            strata_types::codes::OUTPUT_REFERS_TO_SENSITIVE_VALUES,
                            "Output refers to sensitive values",
                            "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Strata requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent. Add sensitive = true to the output block.",
                            expr.span,
                        ));
                    }
                    Some(v)
                }
                Err(d) => {
                    diagnostics.push(d);
                    None
                }
            }
        };
        let before = prior_outputs.get(&o.name).and_then(|s| s.value());
        let action = match (&before, &after) {
            (None, None) => Action::NoOp,
            (None, Some(_)) => Action::Create,
            (Some(_), None) => Action::Delete,
            (Some(b), Some(a)) => {
                if a.is_wholly_known() && strata_lang::eval::equals(b, a) == Some(true) {
                    Action::NoOp
                } else {
                    Action::Update
                }
            }
        };
        outputs.push(OutputChange {
            name: o.name.clone(),
            action,
            before: before.as_ref().map(EncodedValue::encode),
            after: after
                .as_ref()
                .map(|v| EncodedValue::encode(&v.clone().mark_sensitive(o.sensitive))),
            sensitive: o.sensitive,
        });
    }
    for (name, prior) in prior_outputs
        .iter()
        .filter(|(n, _)| !stack.config.outputs.iter().any(|o| &o.name == *n))
    {
        // What it was, as Terraform shows an output going away.
        outputs.push(OutputChange {
            name: name.clone(),
            action: Action::Delete,
            before: prior.value().as_ref().map(EncodedValue::encode),
            after: None,
            sensitive: prior.sensitive,
        });
    }
    outputs
}

/// The failed `precondition` blocks of an output of the module instance
/// `module` (`shown` names it, as `output.NAME` or `module.CALL.NAME`),
/// with what they came to recorded in `checks`. Unknown conditions pass
/// here: apply decides them.
pub(crate) fn output_preconditions(
    o: &strata_lang::config::Output,
    roots: &HashMap<String, Value>,
    env: &FunctionEnv,
    (module, shown): (&[ModuleStep], &str),
    checks: &mut Vec<crate::plan::CheckResult>,
) -> Vec<Diagnostic> {
    let ctx = EvalContext {
        variables: roots,
        overlay: None,
        env,
    };
    let what = format!("{shown}.{}", o.name);
    let mut conditions = crate::eval_body::Conditions::default();
    for block in o.body.blocks_of("precondition") {
        conditions.add(crate::eval_body::condition_outcome(
            block,
            &ctx,
            "Module output value precondition failed",
            &what,
        ));
    }
    if let Some(status) = conditions.status {
        crate::plan::record_check(
            checks,
            crate::plan::CheckResult {
                kind: crate::plan::CheckKind::OutputValue,
                module: module.to_vec(),
                name: o.name.clone(),
                resource: None,
                status,
                problems: conditions.problems,
            },
        );
    }
    conditions.errors
}

/// Evaluates the `check` blocks' assertions: a failed one is a warning,
/// as in Terraform.
pub(super) fn check_blocks(
    stack: &LoadedStack,
    roots: &HashMap<String, Value>,
    env: &FunctionEnv,
    diagnostics: &mut Diagnostics,
    checks: &mut Vec<crate::plan::CheckResult>,
) {
    for block in stack.config.other.iter().filter(|b| b.type_name == "check") {
        let name = block
            .labels
            .first()
            .map(|l| l.value.clone())
            .unwrap_or_default();
        for assert in block.body.blocks_of("assert") {
            let Some(condition) = assert.body.attribute("condition") else {
                continue;
            };
            let ctx = EvalContext {
                variables: roots,
                overlay: None,
                env,
            };
            let status = match evaluate(&condition.expr, &ctx) {
                Ok(v) if v.is_unknown() => CheckStatus::Unknown,
                Ok(v) if v.as_bool() == Some(false) => CheckStatus::Fail,
                Ok(_) => CheckStatus::Pass,
                Err(_) => CheckStatus::Error,
            };
            let mut problems = Vec::new();
            if status >= CheckStatus::Fail {
                let message = assert
                    .body
                    .attribute("error_message")
                    .and_then(|m| evaluate(&m.expr, &ctx).ok())
                    .and_then(|m| {
                        if m.sensitive {
                            None
                        } else {
                            m.as_str().map(str::to_string)
                        }
                    })
                    .unwrap_or_else(|| "The assertion is false.".into());
                diagnostics.push(Diagnostic::warning(
                    strata_types::codes::CHECK_ASSERTION_FAILED,
                    "Check block assertion failed",
                    format!("check.{name}: {message}"),
                    condition.expr.span,
                ));
                problems.push(message);
            }
            crate::plan::record_check(
                checks,
                crate::plan::CheckResult {
                    kind: crate::plan::CheckKind::Check,
                    module: Vec::new(),
                    name: name.clone(),
                    resource: None,
                    status,
                    problems,
                },
            );
        }
    }
}

/// Root variables with validation rules: a plan is only made when none
/// failed, so each passed, or waits on a value not known yet.
pub(super) fn variable_checks(
    stack: &LoadedStack,
    evaluated: &strata_lang::stack::EvaluatedStack,
    checks: &mut Vec<crate::plan::CheckResult>,
) {
    for v in stack
        .config
        .variables
        .iter()
        .filter(|v| !v.validations.is_empty())
    {
        let known = evaluated
            .variables
            .get("var")
            .and_then(|vars| strata_provider::attr(vars, &v.name))
            .is_some_and(|value| value.is_wholly_known());
        checks.push(crate::plan::CheckResult {
            kind: crate::plan::CheckKind::Var,
            module: Vec::new(),
            name: v.name.clone(),
            resource: None,
            status: if known {
                CheckStatus::Pass
            } else {
                CheckStatus::Unknown
            },
            problems: Vec::new(),
        });
    }
}
