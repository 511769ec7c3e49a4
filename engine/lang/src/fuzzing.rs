//! Entry points shared by the fuzz targets (`engine/lang/fuzz`) and the
//! regression tests that replay what the fuzzers found
//! (`tests/fuzz_regressions`): each runs a piece of the front end on
//! arbitrary text and checks the properties that must always hold.

use crate::eval::{evaluate, EvalContext};
use crate::functions::FunctionEnv;
use std::collections::HashMap;

/// Parses as a file and as an expression, tokenizes, lowers; a file that
/// parses must still parse after formatting, and formatting it again must
/// change nothing.
pub fn parse_everything(text: &str) {
    crate::parser::on_deep_stack(|| parse_everything_here(text))
}

fn parse_everything_here(text: &str) {
    let parsed = crate::parser::parse_body(text, 0);
    let _ = crate::parser::parse_expression(text, 0);
    let _ = crate::lexer::tokenize(text);
    let _ = crate::config::load_sources(vec![("main.tf".into(), text.to_string())]);
    if !parsed.diagnostics.has_errors() {
        let formatted = crate::fmt::format_source(text);
        let reparsed = crate::parser::parse_body(&formatted, 0);
        assert!(
            !reparsed.diagnostics.has_errors(),
            "formatting broke a valid file:\n{text:?}\n->\n{formatted:?}"
        );
        assert_eq!(
            crate::fmt::format_source(&formatted),
            formatted,
            "formatting is not idempotent for {text:?}"
        );
    }
}

/// Evaluates the text as an expression with no variables.
pub fn evaluate_expression(text: &str) {
    crate::parser::on_deep_stack(|| evaluate_expression_here(text))
}

fn evaluate_expression_here(text: &str) {
    let parsed = crate::parser::parse_expression(text, 0);
    if parsed.diagnostics.has_errors() {
        return;
    }
    let variables = HashMap::new();
    let env = FunctionEnv {
        base_dir: std::env::temp_dir().join("strata-fuzz-nonexistent"),
        plan_timestamp: "2024-01-01T00:00:00Z".into(),
        ..FunctionEnv::default()
    };
    let ctx = EvalContext {
        variables: &variables,
        overlay: None,
        env: &env,
    };
    if let Ok(v) = evaluate(&parsed.value, &ctx) {
        let _ = crate::format::format_value(&v, 0);
    }
}
