//! Where a stack's state lives. The `backend` block of the `terraform`
//! block names the backend (`local`, `pg`, `s3`) with Terraform's argument
//! names; `strata init` merges `--backend-config` values into it, checks
//! that it opens, moves state with `--migrate-state`, and records the
//! result in `.strata/backend.json`. Every later command opens the
//! recorded backend, after checking that the block has not changed since.
//!
//! The local backend needs no `init`: a stack without a backend block (or
//! with `backend "local"`) works from the first command.
//!
//! The backends themselves — each kind's arguments and how one is opened
//! — are `strata_state::backends`; this module reads them from HCL and
//! the command line.

use std::path::Path;
use strata_lang::ast::{Body, Expr};
use strata_lang::config::LoadedStack;
use strata_state::backends::{arguments, check_value, Args, Kind, Spec};
use strata_types::{Diagnostic, Span};

pub(crate) const BACKEND_FILE: &str = ".strata/backend.json";

fn unknown_argument(kind: &str, name: &str) -> String {
    let names = arguments(kind).unwrap_or_default().iter().map(|(n, _)| *n);
    format!(
        "The backend \"{kind}\" has no argument named {name:?}.{}",
        strata_lang::suggest::did_you_mean(name, names)
    )
}

/// A literal argument value; backends are opened before any variable is
/// known, so references are refused as Terraform refuses them.
fn literal(expr: &Expr, span: Span) -> Result<serde_json::Value, Diagnostic> {
    let mut refers = false;
    expr.walk(&mut |e| refers |= e.as_traversal().is_some());
    if refers {
        return Err(Diagnostic::error(
            strata_types::codes::BACKEND_VARIABLES_NOT_ALLOWED,
            "Variables not allowed",
            "A backend block cannot refer to variables, locals or resources: it is read before any of them exist. Write the value literally, or pass it with `strata init --backend-config NAME=VALUE`.",
            span,
        ));
    }
    strata_lang::eval::evaluate_constant(expr).map(|v| strata_types::json::value_to_json(&v))
}

/// Reads the arguments of a backend block (or of a `--backend-config`
/// file) into `args`, checking each against the backend's arguments.
fn read_body(kind: &str, body: &Body, args: &mut Args) -> Vec<Diagnostic> {
    let known = arguments(kind).unwrap_or_default();
    let mut diagnostics = Vec::new();
    for attribute in &body.attributes {
        let Some((_, arg_kind)) = known.iter().find(|(n, _)| *n == attribute.name) else {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::UNSUPPORTED_BACKEND_ARGUMENT,
                "Unsupported backend argument",
                unknown_argument(kind, &attribute.name),
                attribute.name_span,
            ));
            continue;
        };
        match literal(&attribute.expr, attribute.expr.span) {
            Ok(value) => match check_value(*arg_kind, &value) {
                Ok(()) => {
                    args.insert(attribute.name.clone(), value);
                }
                Err(expected) => diagnostics.push(Diagnostic::error(
                    strata_types::codes::INVALID_BACKEND_ARGUMENT,
                    "Invalid backend argument",
                    format!("The argument {:?} must be {expected}.", attribute.name),
                    attribute.expr.span,
                )),
            },
            Err(d) => diagnostics.push(d),
        }
    }
    for block in &body.blocks {
        let is_map = known
            .iter()
            .any(|(n, k)| *n == block.type_name && *k == Kind::Map);
        if !is_map {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::UNSUPPORTED_BACKEND_ARGUMENT,
                "Unsupported backend block",
                unknown_argument(kind, &block.type_name),
                block.type_span,
            ));
            continue;
        }
        let mut inner = serde_json::Map::new();
        for attribute in &block.body.attributes {
            match literal(&attribute.expr, attribute.expr.span) {
                Ok(serde_json::Value::String(s)) => {
                    inner.insert(attribute.name.clone(), s.into());
                }
                Ok(_) => diagnostics.push(Diagnostic::error(
                    strata_types::codes::INVALID_BACKEND_ARGUMENT,
                    "Invalid backend argument",
                    format!("{}.{} must be a string.", block.type_name, attribute.name),
                    attribute.expr.span,
                )),
                Err(d) => diagnostics.push(d),
            }
        }
        args.insert(block.type_name.clone(), inner.into());
    }
    diagnostics
}

/// The backend block of the stack, if it has one.
pub(crate) fn from_stack(stack: &LoadedStack) -> Result<Option<Spec>, Vec<Diagnostic>> {
    let blocks: Vec<_> = stack
        .config
        .terraform
        .iter()
        .flat_map(|t| t.body.blocks_of("backend"))
        .collect();
    let mut diagnostics = Vec::new();
    if let Some(cloud) = stack
        .config
        .terraform
        .iter()
        .flat_map(|t| t.body.blocks_of("cloud"))
        .next()
    {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::INVALID_BACKEND_BLOCK,
            "Unsupported cloud block",
            "Strata does not connect to HCP Terraform; use a backend block (local, pg or s3) instead.",
            cloud.type_span,
        ));
    }
    let Some(block) = blocks.first() else {
        return if diagnostics.is_empty() {
            Ok(None)
        } else {
            Err(diagnostics)
        };
    };
    for extra in &blocks[1..] {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::INVALID_BACKEND_BLOCK,
            "Duplicate backend configuration",
            format!(
                "A stack has one backend; another was already declared (backend \"{}\").",
                block.labels.first().map(|l| l.value.as_str()).unwrap_or("")
            ),
            extra.type_span,
        ));
    }
    let Some(label) = block.labels.first().filter(|_| block.labels.len() == 1) else {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::INVALID_BACKEND_BLOCK,
            "Invalid backend block",
            "A backend block has one label, the backend type: backend \"local\", backend \"pg\" or backend \"s3\".",
            block.type_span,
        ));
        return Err(diagnostics);
    };
    if arguments(&label.value).is_none() {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::UNSUPPORTED_BACKEND_TYPE,
            "Unsupported backend type",
            format!(
                "There is no backend named {:?}; Strata has local, pg and s3.{}",
                label.value,
                strata_lang::suggest::did_you_mean(
                    &label.value,
                    strata_state::backends::KINDS.iter().copied()
                )
            ),
            label.span,
        ));
        return Err(diagnostics);
    }
    let mut block_args = Args::new();
    diagnostics.extend(read_body(&label.value, &block.body, &mut block_args));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(Some(Spec {
        kind: label.value.clone(),
        config: block_args.clone(),
        block: block_args,
    }))
}

/// Merges one `--backend-config` value: `NAME=VALUE`, or a file of
/// `NAME = VALUE` lines.
pub(crate) fn merge_option(spec: &mut Spec, option: &str) -> Result<(), Diagnostic> {
    let global = |detail: String| {
        Diagnostic::global(
            strata_types::codes::INVALID_BACKEND_CONFIG,
            "Invalid --backend-config",
            detail,
        )
    };
    if let Some((name, value)) = option
        .split_once('=')
        .filter(|_| !Path::new(option).is_file())
    {
        let name = name.trim();
        let Some((_, kind)) = arguments(&spec.kind)
            .unwrap_or_default()
            .iter()
            .find(|(n, _)| *n == name)
        else {
            return Err(global(unknown_argument(&spec.kind, name)));
        };
        let value = match kind {
            Kind::Text => serde_json::Value::String(value.to_string()),
            Kind::Flag => match value {
                "true" => true.into(),
                "false" => false.into(),
                _ => return Err(global(format!("{name} must be true or false, not {value:?}."))),
            },
            Kind::Number => value
                .parse::<u64>()
                .map(Into::into)
                .map_err(|_| global(format!("{name} must be a number, not {value:?}.")))?,
            Kind::TextList | Kind::Map => serde_json::from_str(value).map_err(|_| {
                global(format!(
                    "{name} takes a structured value; give it in a file (--backend-config FILE) or as JSON."
                ))
            })?,
        };
        check_value(*kind, &value)
            .map_err(|expected| global(format!("{name} must be {expected}.")))?;
        spec.config.insert(name.to_string(), value);
        return Ok(());
    }
    let text = std::fs::read_to_string(option).map_err(|e| {
        global(format!(
            "{option:?} is neither NAME=VALUE nor a readable file: {e}."
        ))
    })?;
    let parsed = strata_lang::parser::parse_body(&text, 0);
    let mut args = Args::new();
    let mut problems: Vec<Diagnostic> = parsed.diagnostics.0.clone();
    problems.extend(read_body(&spec.kind, &parsed.value, &mut args));
    if let Some(d) = problems.iter().find(|d| d.is_error()) {
        let line = d
            .span
            .map(|s| {
                text[..(s.start as usize).min(text.len())]
                    .matches('\n')
                    .count()
                    + 1
            })
            .unwrap_or(1);
        return Err(global(format!(
            "{option}:{line}: {}: {}",
            d.summary, d.detail
        )));
    }
    spec.config.extend(args);
    Ok(())
}

/// What `init` recorded, if anything.
pub(crate) fn recorded() -> Result<Option<Spec>, Diagnostic> {
    match std::fs::read(BACKEND_FILE) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Diagnostic::global(
                strata_types::codes::BACKEND_RECORD,
                "Invalid backend record",
                format!("{BACKEND_FILE} is not valid ({e}); run `strata init --reconfigure` to write it again."),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Diagnostic::global(
            strata_types::codes::BACKEND_RECORD,
            "Cannot read the backend record",
            format!("{BACKEND_FILE}: {e}"),
        )),
    }
}

pub(crate) fn record(spec: &Spec) -> std::io::Result<()> {
    std::fs::create_dir_all(".strata")?;
    // It may hold a PostgreSQL connection string with its password.
    strata_state::write_privately(
        Path::new(BACKEND_FILE),
        &serde_json::to_vec_pretty(spec).expect("backend spec serializes"),
    )
}

/// The backend every command but `init` uses: the recorded one, when the
/// stack's block still matches it.
pub(crate) fn resolve(stack: &LoadedStack) -> Result<Spec, Vec<Diagnostic>> {
    let block = from_stack(stack)?;
    let saved = recorded().map_err(|d| vec![d])?;
    let init_needed = |why: String| {
        vec![Diagnostic::global(
            strata_types::codes::BACKEND_INIT_REQUIRED,
            "Backend initialization required",
            format!("{why} Run `strata init` (with --migrate-state to move existing state, or --reconfigure to start over)."),
        )]
    };
    match (block, saved) {
        (None, None) => Ok(Spec::default_local()),
        (Some(b), None) if b.kind == "local" => Ok(b),
        (Some(b), None) => Err(init_needed(format!(
            "The stack uses the \"{}\" backend, which has not been initialized.",
            b.kind
        ))),
        (None, Some(s)) if s.kind == "local" && s.block.is_empty() => Ok(s),
        (None, Some(s)) => Err(init_needed(format!(
            "The backend block (\"{}\") was removed since `strata init`.",
            s.kind
        ))),
        (Some(b), Some(s)) if b.kind == s.kind && b.block == s.block => Ok(s),
        (Some(b), Some(s)) => Err(init_needed(format!(
            "The backend configuration changed since `strata init` (it was \"{}\", it is now \"{}\").",
            s.kind, b.kind
        ))),
    }
}
