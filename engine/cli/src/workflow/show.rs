//! `strata show`: a saved plan, or the state, for people, as JSON or as
//! a pull-request comment.

use super::*;

/// How `show` prints.
pub enum ShowFormat {
    Text,
    Json,
    /// A pull-request comment, in parts of at most this many characters.
    Markdown(usize),
}

pub fn show_command(
    plan_file: Option<&Path>,
    format: ShowFormat,
    state_path: Option<PathBuf>,
    style: &Style,
) -> ExitCode {
    let json = matches!(format, ShowFormat::Json);
    if matches!(format, ShowFormat::Markdown(_)) && plan_file.is_none() {
        return global_failure(
            Diagnostic::global(
                strata_types::codes::NO_PLAN_TO_RENDER,
                "No plan to render",
                "--format markdown renders a saved plan: strata plan --out PLANFILE, then strata show --format markdown PLANFILE.",
            ),
            style,
        );
    }
    match plan_file {
        Some(path) => {
            let plan = match read_plan(path) {
                Ok(p) => p,
                Err(d) => return global_failure(d, style),
            };
            if let ShowFormat::Markdown(max_chars) = format {
                print!("{}", markdown_comment(&plan, max_chars).join("\n"));
            } else if json {
                let dir = crate::environment::cwd();
                let registry = crate::environment::providers_or_builtin(&dir);
                let shown = strata_core::ops::plan_document(&plan, &dir, &registry);
                println!("{}", serde_json::to_string(&shown).unwrap_or_default());
            } else {
                print_plan(&plan, false, style);
            }
        }
        None => {
            let store = match open_store(state_path.as_deref(), None, style) {
                Ok(s) => s,
                Err(code) => return code,
            };
            match store.read() {
                Ok(Some(state)) => {
                    if json {
                        // Terraform's JSON state representation; the state
                        // file itself is `strata state pull`.
                        let registry =
                            crate::environment::providers_or_builtin(&crate::environment::cwd());
                        let shown = strata_core::plan::state_json(
                            &state,
                            Some(&registry),
                            env!("CARGO_PKG_VERSION"),
                        );
                        println!("{}", serde_json::to_string(&shown).unwrap_or_default());
                    } else {
                        print_state(&state);
                    }
                }
                Ok(None) if json => println!("{{\"format_version\":\"1.0\"}}"),
                Ok(None) => println!("No state."),
                Err(e) => return state_error(e, style),
            }
        }
    }
    ExitCode::SUCCESS
}
