//! `strata output`.

use super::*;

pub fn output_command(
    state_path: Option<PathBuf>,
    name: Option<&str>,
    json: bool,
    raw: bool,
    style: &Style,
) -> ExitCode {
    let store = match open_store(state_path.as_deref(), None, style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let state = match store.read() {
        Ok(s) => s.unwrap_or_else(State::fresh),
        Err(e) => return state_error(e, style),
    };
    match name {
        Some(name) => {
            let Some(o) = state.outputs.get(name) else {
                report(
                    &[Diagnostic::global(strata_types::codes::OUTPUT_NOT_FOUND, "Output not found", format!("The output variable requested could not be found in the state file. If you recently added an output named \"{name}\", run strata apply first."))],
                    &SourceMap::default(),
                    style,
                );
                return ExitCode::from(1);
            };
            if json {
                println!("{}", serde_json::to_string(&o.value).unwrap_or_default());
            } else if raw {
                let v = output_value(o);
                match v.as_str() {
                    Some(s) => print!("{s}"),
                    None if matches!(
                        v.kind,
                        strata_types::Kind::Number(_) | strata_types::Kind::Bool(_)
                    ) =>
                    {
                        print!("{}", strata_lang::format::format_value(&v, 0))
                    }
                    None => {
                        report(&[Diagnostic::global(strata_types::codes::UNSUPPORTED_VALUE_FOR_RAW_OUTPUT, "Unsupported value for raw output", "The -raw option only supports strings, numbers, and boolean values; use --json for this value.")], &SourceMap::default(), style);
                        return ExitCode::from(1);
                    }
                }
            } else {
                println!("{}", output_text(o, true));
            }
        }
        None => {
            if json {
                let all: serde_json::Map<String, serde_json::Value> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| (k.clone(), serde_json::json!({ "sensitive": o.sensitive, "type": o.ty, "value": o.value })))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::Value::Object(all))
                        .unwrap_or_default()
                );
            } else {
                for (name, o) in &state.outputs {
                    println!("{name} = {}", output_text(o, false));
                }
            }
        }
    }
    ExitCode::SUCCESS
}
