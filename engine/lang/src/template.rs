//! Rendering of standalone templates (`templatefile`, `templatestring`).

use crate::eval::{evaluate, EvalContext};
use crate::functions::FunctionEnv;
use crate::parser::parse_template;
use std::collections::{BTreeMap, HashMap};
use strata_types::{Kind, Value};

/// Parses `text` as a template and renders it with `vars` in scope.
/// Errors are returned as one message, as Terraform reports them from
/// inside a function call.
pub fn render_template_text(
    text: &str,
    vars: BTreeMap<String, Value>,
    env: &FunctionEnv,
) -> Result<Value, String> {
    let parsed = parse_template(text, u32::MAX);
    if let Some(d) = parsed.diagnostics.iter().next() {
        return Err(format!("{}: {}", d.summary, d.detail));
    }
    let mut variables = HashMap::new();
    for (k, v) in vars {
        variables.insert(k, v);
    }
    let ctx = EvalContext {
        variables: &variables,
        overlay: None,
        env,
    };
    let value =
        evaluate(&parsed.value, &ctx).map_err(|d| format!("{}: {}", d.summary, d.detail))?;
    Ok(match value.kind {
        Kind::String(_) | Kind::Unknown(_) => value,
        _ => crate::convert::convert(&value, &strata_types::Type::String).map_err(|e| {
            format!(
                "template must produce a string, but produced {}",
                e.describe()
            )
        })?,
    })
}

impl Default for crate::functions::FunctionEnv {
    /// Paths relative to the working directory, the current time for
    /// `plantimestamp()`, and this module's renderer for templates.
    fn default() -> Self {
        FunctionEnv {
            base_dir: ".".into(),
            plan_timestamp: crate::functions::time::now_rfc3339(),
            in_template: false,
            render_template: render_template_text,
            provider_functions: Default::default(),
        }
    }
}
