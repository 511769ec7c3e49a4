//! The one place the CLI reads its process surroundings — environment
//! variables, the working directory, the selected workspace, the
//! encryption key — and wires the providers Strata is built with; the
//! commands get what they need from here as values.

use crate::args::{VarArgs, VarFlag};
use crate::render::Style;
use crate::report::{global_failure, report};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use strata_core::ops::{Session, SessionInputs};
use strata_lang::stack::VariableSource;
use strata_provider::Registry;
use strata_types::{Diagnostic, SourceMap};

/// Where the selected workspace's name is kept.
pub(crate) const WORKSPACE_FILE: &str = ".strata/environment";

/// The selected workspace: TF_WORKSPACE, or the one `workspace select`
/// recorded, or "default".
pub fn current_workspace() -> String {
    if let Ok(w) = std::env::var("TF_WORKSPACE") {
        return w;
    }
    std::fs::read_to_string(WORKSPACE_FILE)
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into())
}

/// The cipher for state and plan files, from STRATA_STATE_KEY (base64 of
/// 32 bytes) or STRATA_STATE_PASSPHRASE; none when neither is set.
pub(crate) fn cipher(
) -> Result<Option<Arc<strata_state::crypt::Cipher>>, strata_state::crypt::CryptError> {
    static CIPHER: std::sync::OnceLock<
        Result<Option<Arc<strata_state::crypt::Cipher>>, strata_state::crypt::CryptError>,
    > = std::sync::OnceLock::new();
    CIPHER
        .get_or_init(|| {
            let cipher = if let Ok(key) = std::env::var("STRATA_STATE_KEY") {
                strata_state::crypt::Cipher::from_key_base64(&key)?
            } else if let Ok(passphrase) = std::env::var("STRATA_STATE_PASSPHRASE") {
                strata_state::crypt::Cipher::from_passphrase(&passphrase)?
            } else {
                return Ok(None);
            };
            let accept_plaintext = std::env::var("STRATA_STATE_ACCEPT_PLAINTEXT")
                .is_ok_and(|v| matches!(v.as_str(), "1" | "true"));
            Ok(Some(Arc::new(if accept_plaintext {
                cipher.accepting_plaintext()
            } else {
                cipher
            })))
        })
        .clone()
}

/// The providers of `dir`, or the built-ins alone when its plugins
/// cannot be loaded (for reading schemas, where a missing plugin only
/// means less is known).
pub fn providers_or_builtin(dir: &Path) -> Arc<Registry> {
    providers(dir).unwrap_or_else(|_| Arc::new(crate::plugins::builtin_registry()))
}

/// Every provider a stack in `dir` runs with, unconfigured: the built-ins
/// and the plugins `strata init` installed there. Each session gets its
/// own, so the providers one stack configures are not another's.
pub fn providers(dir: &Path) -> Result<Arc<Registry>, Diagnostic> {
    crate::plugins::registry_for(dir)
        .map(Arc::new)
        .map_err(|ds| ds.0.into_iter().next().expect("an error"))
}

/// The configuration files of the current directory, parsed (not
/// evaluated).
pub(crate) fn read_stack_files(
    style: &Style,
) -> Result<strata_lang::config::LoadedStack, ExitCode> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    strata_lang::config::load_directory(&cwd).map_err(|e| {
        global_failure(
            Diagnostic::global(
                strata_types::codes::READ_FAILED,
                "Failed to read configuration",
                format!("Cannot read the configuration in {}: {e}.", cwd.display()),
            ),
            style,
        )
    })
}

pub(crate) fn variable_sources(
    vars: &VarArgs,
    dir: &Path,
) -> Result<Vec<VariableSource>, Diagnostic> {
    let mut sources = Vec::new();
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix("TF_VAR_").map(|n| (n.to_string(), v)))
        .collect();
    env.sort();
    sources.extend(
        env.into_iter()
            .map(|(k, v)| VariableSource::Environment(k, v)),
    );
    let mut auto: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    let mut files: Vec<String> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|s| s.to_string())
        .filter(|f| dir.join(f).is_file())
        .collect();
    files.extend(auto);
    for f in files {
        let text = std::fs::read_to_string(dir.join(&f)).map_err(|e| {
            Diagnostic::global(
                strata_types::codes::READ_FAILED,
                "Failed to read variables file",
                format!("Cannot read {f}: {e}."),
            )
        })?;
        sources.push(VariableSource::File(f, text));
    }
    // -var and -var-file apply in command-line order.
    for flag in &vars.ordered() {
        match flag {
            VarFlag::Var(raw) => {
                let Some((name, value)) = raw.split_once('=') else {
                    return Err(Diagnostic::global(
                        strata_types::codes::INVALID_VAR_OPTION,
                        "Invalid -var option",
                        format!("The given -var option \"{raw}\" is not correctly specified. Variables must be given as name=value."),
                    ));
                };
                sources.push(VariableSource::CommandLine(
                    name.trim().to_string(),
                    value.to_string(),
                ));
            }
            VarFlag::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Diagnostic::global(
                        strata_types::codes::READ_FAILED,
                        "Failed to read variables file",
                        format!(
                            "Given variables file {} does not exist or cannot be read: {e}.",
                            path.display()
                        ),
                    )
                })?;
                sources.push(VariableSource::File(path.display().to_string(), text));
            }
        }
    }
    Ok(sources)
}

pub(crate) fn load(vars: &VarArgs, require_variables: bool) -> Result<Session, Diagnostic> {
    load_with(vars, require_variables, None)
}

/// Loads the stack in the current directory with its own providers;
/// `given` values (a saved plan's) take precedence over every other
/// source.
pub(crate) fn load_with(
    vars: &VarArgs,
    require_variables: bool,
    given: Option<std::collections::BTreeMap<String, strata_types::Value>>,
) -> Result<Session, Diagnostic> {
    let cwd = std::env::current_dir().map_err(|e| {
        Diagnostic::global(
            strata_types::codes::READ_FAILED,
            "Cannot read the working directory",
            e.to_string(),
        )
    })?;
    let inputs = SessionInputs {
        variables: variable_sources(vars, &cwd)?,
        dir: cwd.clone(),
        cwd,
        workspace: crate::environment::current_workspace(),
        given: given.unwrap_or_default(),
        require_variables,
        installed_by: None,
    };
    let registry = providers(&inputs.dir)?;
    Session::load(inputs, registry)
}

/// Reports a malformed STRATA_STATE_KEY or passphrase before any state is
/// read or written, so nothing is ever written in the clear by mistake.
pub fn check_cipher(style: &Style) -> Result<(), ExitCode> {
    cipher().map(|_| ()).map_err(|e| {
        report(
            &[Diagnostic::global(
                strata_types::codes::INVALID_ENCRYPTION_KEY,
                "Invalid encryption key",
                format!("{e}. Fix STRATA_STATE_KEY or STRATA_STATE_PASSPHRASE."),
            )],
            &SourceMap::default(),
            style,
        );
        ExitCode::from(1)
    })
}

/// The error for a backend that does not open.
pub(crate) fn cannot_open_backend(kind: &str, e: String) -> Diagnostic {
    Diagnostic::global(
        strata_types::codes::CANNOT_OPEN_BACKEND,
        "Cannot open the backend",
        format!("The \"{kind}\" backend: {e}."),
    )
}

/// Opens the backend `spec` names, with the state key from the
/// environment and the environment's `PG_*`/`AWS_*` defaults.
pub(crate) fn open_backend(
    spec: &strata_state::backends::Spec,
    cipher: Option<Arc<strata_state::crypt::Cipher>>,
) -> Result<Box<dyn strata_state::Backend>, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    strata_state::backends::open(spec, cipher, &env)
}

/// What fetches module packages: registry tokens from `TF_TOKEN_…`
/// variables and the CLI configuration's `credentials` blocks (the
/// variables win), and S3 objects through the AWS environment
/// (credentials, profile) for `s3::` sources.
pub(crate) fn fetcher() -> strata_fetch::Fetcher {
    let mut tokens = cli_config_tokens();
    for (name, value) in std::env::vars() {
        if let Some(rest) = name.strip_prefix("TF_TOKEN_") {
            let host = rest
                .replace("__", "\u{0}")
                .replace('_', ".")
                .replace('\u{0}', "-");
            tokens.insert(host.to_ascii_lowercase(), value);
        }
    }
    strata_fetch::Fetcher::new(tokens).with_s3(|region, endpoint| {
        let mut config = strata_aws_client::Config {
            region: region.to_string(),
            ..Default::default()
        };
        config.endpoints.insert("s3".into(), endpoint.to_string());
        strata_aws_client::Client::new(config).map_err(|e| e.to_string())
    })
}

/// `credentials "HOST" { token = "…" }` of the CLI configuration file
/// (`TF_CLI_CONFIG_FILE`, else `~/.terraformrc`). A file that cannot be
/// read or parsed gives no tokens.
fn cli_config_tokens() -> std::collections::BTreeMap<String, String> {
    let Ok(config) = crate::plugins::cli_config(&mut SourceMap::default()) else {
        return Default::default();
    };
    config
        .blocks
        .iter()
        .filter(|b| b.type_name == "credentials")
        .filter_map(|b| {
            let host = b.labels.first()?.value.to_ascii_lowercase();
            let token = strata_lang::ast::literal_string(&b.body.attribute("token")?.expr)?;
            Some((host, token))
        })
        .collect()
}

/// The working directory (`.` when it cannot be read).
pub(crate) fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}
