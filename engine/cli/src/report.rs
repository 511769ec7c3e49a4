//! How the CLI reports failures and what an operation says on the way:
//! diagnostics on stderr, store errors with what to do next, one exit
//! code per kind of failure.

use crate::render::Style;
use std::io::Write;
use std::process::ExitCode;
use strata_core::ops::{OpError, OpEvent};
use strata_state::StateError;
use strata_types::{Diagnostic, SourceMap};

pub(crate) fn report(diagnostics: &[Diagnostic], sources: &SourceMap, style: &Style) {
    if style.json {
        crate::ui_json::diagnostics(diagnostics, sources, &serde_json::json!({}));
        return;
    }
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(err, "{}", crate::render::render(d, sources, style));
    }
}

/// Reports a diagnostic with no source position and fails.
pub(crate) fn global_failure(d: Diagnostic, style: &Style) -> ExitCode {
    report(&[d], &SourceMap::default(), style);
    ExitCode::from(1)
}

pub(crate) fn state_error(e: StateError, style: &Style) -> ExitCode {
    let (summary, detail) = match &e {
        StateError::Locked(_) => (
            "Error acquiring the state lock",
            format!("{e}. Wait for that operation to finish, or if it is gone, release the lock with strata force-unlock ID."),
        ),
        StateError::Corrupt(_) => ("Invalid state", format!("{e}. The file is left as it is; `strata state history` lists the earlier versions kept, and `strata state rollback SERIAL` makes one current again.")),
        StateError::Journal(_) => ("Invalid journal", format!("{e}. Nothing was settled or changed.")),
        StateError::Io(_) => ("State error", e.to_string()),
        StateError::Crypt(_) => ("Cannot decrypt the state", e.to_string()),
    };
    report(
        &[Diagnostic::global(
            strata_types::codes::STATE_ERROR,
            summary,
            detail,
        )],
        &SourceMap::default(),
        style,
    );
    ExitCode::from(1)
}

/// Reports why an operation stopped; the exit code is 1.
pub(crate) fn op_error(e: OpError, sources: &SourceMap, style: &Style) -> ExitCode {
    match e {
        OpError::State(e) => state_error(e, style),
        OpError::Failed(diagnostics) => {
            report(&diagnostics, sources, style);
            ExitCode::from(1)
        }
    }
}

/// Renders what an operation reports on the way: recovery from an
/// interrupted apply and warnings on stderr, long waits on stdout
/// ("data.aws_ami.gpu: Still reading... [10s elapsed]", as Terraform).
pub(crate) fn op_events<'a>(
    sources: &'a SourceMap,
    style: &'a Style,
) -> impl Fn(OpEvent) + Sync + 'a {
    move |event| match event {
        OpEvent::Recovered {
            journal_of,
            actions,
        } if style.json => crate::ui_json::log(&format!(
            "Recovered from an interrupted apply (journal of {journal_of}): {}",
            actions.join("; ")
        )),
        OpEvent::Waiting(w) if style.json => {
            crate::ui_json::apply_progress(&w.what, w.elapsed.as_secs())
        }
        OpEvent::Recovered {
            journal_of,
            actions,
        } => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "Recovered from an interrupted apply (journal of {journal_of}):"
            );
            for m in &actions {
                let _ = writeln!(err, "  - {m}");
            }
            let _ = writeln!(err);
        }
        OpEvent::Warning(d) => report(&[d], sources, style),
        OpEvent::Change(_) => {}
        OpEvent::Waiting(w) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{} [{}s elapsed]", w.what, w.elapsed.as_secs());
            let _ = out.flush();
        }
    }
}
