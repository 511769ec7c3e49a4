//! The CLI verbs.

use crate::args::VarArgs;
use crate::environment::load;
use crate::render::{render, to_json, Style};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use strata_lang::eval::{evaluate, EvalContext};
use strata_lang::parser::parse_expression;
use strata_types::{Diagnostic, SourceMap};

#[derive(Parser)]
#[command(
    name = "strata",
    version,
    about = "Declarative infrastructure as code for ML platforms"
)]
struct Cli {
    /// Switch to this directory before doing anything else.
    #[arg(long, global = true)]
    chdir: Option<PathBuf>,
    /// Never use colour in output.
    #[arg(long, global = true)]
    no_color: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    #[command(flatten)]
    vars: VarArgs,
    /// Print Terraform's machine-readable UI: one JSON object a line.
    #[arg(long)]
    json: bool,
    /// The state file (default strata.tfstate).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Limit the operation to these resources and what they depend on.
    #[arg(long = "target")]
    targets: Vec<String>,
    /// Leave these resources out.
    #[arg(long = "exclude")]
    excludes: Vec<String>,
    /// Replace these instances even if nothing changed.
    #[arg(long = "replace")]
    replace: Vec<String>,
    /// Read the real objects before planning (--refresh=false to skip).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    refresh: bool,
    /// Only record what changed outside Strata.
    #[arg(long)]
    refresh_only: bool,
    /// How many operations may run at once.
    #[arg(long, default_value_t = 10)]
    parallelism: usize,
    /// Take the state lock (--lock=false to skip).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    lock: bool,
    /// Wait this long for a lock another process holds (30s, 2m; default 0s).
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    lock_timeout: std::time::Duration,
    /// Prices for the plan's cost estimate (default: the catalog built
    /// into Strata; also STRATA_PRICE_CATALOG).
    #[arg(long, value_name = "FILE")]
    price_catalog: Option<PathBuf>,
    /// Rego policies (a file or a directory of .rego files) checked
    /// against the plan; a `deny` stops it (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    policies: Vec<PathBuf>,
}

/// Durations as Terraform's flags take them: `0`, `500ms`, `30s`, `5m`, `1h`.
/// `--max-chars`: a part holds its marker, a heading and at least a
/// shortened change, so smaller limits cannot be kept and are refused
/// rather than silently exceeded.
fn parse_max_chars(text: &str) -> Result<usize, String> {
    let n: usize = text
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number of characters"))?;
    if n < crate::markdown::MIN_PART_CHARS {
        return Err(format!(
            "{n} is too small: a comment part needs at least {} characters",
            crate::markdown::MIN_PART_CHARS
        ));
    }
    Ok(n)
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 30s or 5m"))?;
    let too_long = || format!("{text:?} is longer than any wait this flag can mean");
    Ok(match unit {
        "ms" => std::time::Duration::from_millis(n),
        "s" | "" => std::time::Duration::from_secs(n),
        "m" => std::time::Duration::from_secs(n.checked_mul(60).ok_or_else(too_long)?),
        "h" => std::time::Duration::from_secs(n.checked_mul(3600).ok_or_else(too_long)?),
        _ => return Err(format!("{text:?} is not a duration such as 30s or 5m")),
    })
}

impl RunArgs {
    /// These flags as another `strata plan` takes them (every one but
    /// `--state`, which names one stack's file), paths made absolute
    /// against `cwd`.
    fn to_flags(&self, cwd: &Path) -> Vec<String> {
        let workflow = self.workflow(false);
        let absolute = |p: &Path| cwd.join(p).display().to_string();
        let mut flags = self.vars.to_flags(cwd);
        flags.extend(self.targets.iter().map(|t| format!("--target={t}")));
        flags.extend(self.excludes.iter().map(|t| format!("--exclude={t}")));
        flags.extend(self.replace.iter().map(|t| format!("--replace={t}")));
        flags.push(format!("--refresh={}", self.refresh));
        if self.refresh_only {
            flags.push("--refresh-only".into());
        }
        flags.push(format!("--parallelism={}", self.parallelism));
        flags.push(format!("--lock={}", self.lock));
        flags.push(format!(
            "--lock-timeout={}ms",
            self.lock_timeout.as_millis()
        ));
        flags.extend(
            workflow
                .policies
                .iter()
                .map(|p| format!("--policy={}", absolute(p))),
        );
        if let Some(c) = &workflow.price_catalog {
            flags.push(format!("--price-catalog={}", absolute(c)));
        }
        flags
    }

    fn workflow(&self, destroy: bool) -> crate::workflow::WorkflowArgs {
        crate::workflow::WorkflowArgs {
            vars: self.vars.clone(),
            state: self.state.clone(),
            targets: self.targets.clone(),
            excludes: self.excludes.clone(),
            replace: self.replace.clone(),
            refresh: self.refresh,
            refresh_only: self.refresh_only,
            destroy,
            parallelism: self.parallelism,
            lock: self.lock,
            lock_timeout: self.lock_timeout,
            policies: self.policies.clone(),
            price_catalog: self
                .price_catalog
                .clone()
                .or_else(|| std::env::var_os("STRATA_PRICE_CATALOG").map(PathBuf::from)),
        }
    }
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Evaluate the policies against PLAN_JSON; a `deny` exits with 1.
    Check {
        /// Rego policies (a file or a directory of .rego files; repeatable).
        #[arg(long = "policy", value_name = "PATH", required = true)]
        policies: Vec<PathBuf>,
        plan_json: PathBuf,
    },
}

#[derive(Subcommand)]
enum WorkspaceCommand {
    /// List workspaces; the selected one is marked with *.
    List,
    /// Print the selected workspace.
    Show,
    /// Create a workspace and select it.
    New { name: String },
    /// Select a workspace.
    Select { name: String },
    /// Delete a workspace (it must be empty unless --force).
    Delete {
        name: String,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum StateCommand {
    /// List the instances in the state (optionally those matching addresses).
    List { addresses: Vec<String> },
    /// Show one instance's attributes (sensitive ones masked).
    Show { address: String },
    /// Stop tracking instances without destroying them.
    Rm {
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Move an instance or resource to another address, or into another state file.
    Mv {
        source: String,
        destination: String,
        /// Move into this state file instead of within the same state.
        #[arg(long)]
        state_out: Option<PathBuf>,
    },
    /// Print the state.
    Pull,
    /// List the earlier versions kept, newest first.
    History,
    /// Make an earlier version current again (as a new serial).
    Rollback { serial: u64 },
    /// Replace the state with a file ("-" for standard input), checking lineage and serial.
    Push {
        file: PathBuf,
        /// Push even when lineage or serial disagree.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum ProvidersCommand {
    /// The schemas of the providers the stack uses, in Terraform's JSON
    /// format (requires -json).
    Schema {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Check the configuration for errors without accessing any remote service.
    Validate {
        /// Print diagnostics as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Run the stack's tests (*.tftest.hcl here and in tests/).
    Test {
        /// Run only this test file (repeatable), as its path is shown.
        #[arg(long = "filter", value_name = "FILE")]
        filter: Vec<String>,
        /// Print progress and results as Terraform's JSON lines.
        #[arg(long)]
        json: bool,
        /// Print each run's plan or applied state after its result.
        #[arg(long)]
        verbose: bool,
        /// Where test files are besides the stack's directory.
        #[arg(long = "test-directory", default_value = "tests")]
        test_directory: String,
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Install the modules the stack calls into .terraform/modules.
    Get {
        /// Fetch remote modules again, at the newest versions allowed.
        #[arg(long)]
        update: bool,
        /// Where test files are besides the stack's directory: their
        /// runs' modules are installed too.
        #[arg(long = "test-directory", default_value = "tests")]
        test_directory: String,
    },
    /// Evaluate expressions read from standard input, one per line.
    Console {
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Prepare the directory: install the modules the stack calls, check
    /// and record the stack's backend, moving state to it with
    /// --migrate-state.
    Init {
        /// Fetch remote modules again, at the newest versions their
        /// constraints allow.
        #[arg(long)]
        upgrade: bool,
        /// A backend argument, NAME=VALUE, or a file of them (repeatable).
        #[arg(long = "backend-config", value_name = "NAME=VALUE|FILE")]
        backend_config: Vec<String>,
        /// Copy the state of every workspace from the previous backend.
        #[arg(long)]
        migrate_state: bool,
        /// Use the backend as configured, leaving any previous state behind.
        #[arg(long)]
        reconfigure: bool,
        /// With --migrate-state, replace a different state already in the new backend.
        #[arg(long)]
        force_copy: bool,
        /// Accepted for Terraform's scripts; init never asks questions.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        input: bool,
        /// Where test files are besides the stack's directory: their
        /// runs' modules are installed too, and the files checked.
        #[arg(long = "test-directory", default_value = "tests")]
        test_directory: String,
    },
    /// Show what apply would change.
    Plan {
        #[command(flatten)]
        run: RunArgs,
        /// Save the plan to this file, for `strata apply FILE` (with --all,
        /// a directory for every stack's plan).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Plan to destroy everything.
        #[arg(long)]
        destroy: bool,
        /// Exit 0 for no changes, 2 for changes, 1 for errors.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Also write the plan as a pull-request comment in Markdown.
        #[arg(long)]
        markdown_out: Option<PathBuf>,
        /// The most characters a comment part may have (at least 1,200).
        #[arg(long, default_value_t = 65536, value_parser = parse_max_chars)]
        max_chars: usize,
        /// Plan every stack under the current directory (each in its own
        /// directory), with one combined --markdown-out comment.
        #[arg(long)]
        all: bool,
        /// With --all: only stacks with files changed since this git ref.
        #[arg(long, value_name = "REF", requires = "all")]
        changed_since: Option<String>,
    },
    /// Apply a saved plan, or plan and apply after confirmation.
    Apply {
        #[command(flatten)]
        run: RunArgs,
        /// Skip the interactive confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// Plan to destroy everything.
        #[arg(long)]
        destroy: bool,
        /// A plan saved with `strata plan --out`.
        plan_file: Option<PathBuf>,
    },
    /// Destroy everything the state records.
    Destroy {
        #[command(flatten)]
        run: RunArgs,
        #[arg(long)]
        auto_approve: bool,
    },
    /// Destroy the fleets that are past their ttl, idle or done, and
    /// nothing else (run it from cron or a scheduled CI job).
    Reap {
        #[command(flatten)]
        run: RunArgs,
        /// Skip the interactive confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// Show what would be reaped, and why; destroy nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show a saved plan, or the state.
    Show {
        /// Terraform's JSON layout.
        #[arg(long)]
        json: bool,
        /// `markdown`: a saved plan as a pull-request comment.
        #[arg(long, value_parser = ["text", "json", "markdown"])]
        format: Option<String>,
        /// With --format markdown: the most characters a comment part may have (at least 1,200).
        #[arg(long, default_value_t = 65536, value_parser = parse_max_chars)]
        max_chars: usize,
        /// The state file (default strata.tfstate).
        #[arg(long)]
        state: Option<PathBuf>,
        plan_file: Option<PathBuf>,
    },
    /// Print the execution graph of a plan in DOT.
    Graph {
        #[command(flatten)]
        run: RunArgs,
        /// A saved plan to draw (default: plan now).
        #[arg(long)]
        plan: Option<PathBuf>,
        /// plan (dependencies between resources), apply (the plan's
        /// execution graph) or destroy.
        #[arg(long = "type", default_value = "apply")]
        graph_type: String,
    },
    /// List the providers the stack needs, with their resource types.
    Providers {
        /// Print the schemas as JSON.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        what: Option<ProvidersCommand>,
    },
    /// Inspect and edit the state: list, show, rm, mv, pull, push.
    State {
        #[command(subcommand)]
        verb: StateCommand,
        /// The state file (default strata.tfstate).
        #[arg(long, global = true)]
        state: Option<PathBuf>,
    },
    /// Check Rego policies against a plan's JSON (`strata show -json
    /// PLAN`, or Terraform's `terraform show -json PLAN`).
    Policy {
        #[command(subcommand)]
        verb: PolicyCommand,
    },
    /// Manage workspaces: separate states for one configuration.
    Workspace {
        #[command(subcommand)]
        verb: WorkspaceCommand,
    },
    /// Bring an existing object under management at ADDR, by its id.
    Import {
        #[command(flatten)]
        run: RunArgs,
        address: String,
        id: String,
    },
    /// Release a lock that a crashed operation left behind.
    ForceUnlock {
        /// The lock ID the error message named.
        id: String,
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Print output values from the state.
    Output {
        #[arg(long)]
        json: bool,
        /// Print a string without quotes.
        #[arg(long)]
        raw: bool,
        #[arg(long)]
        state: Option<PathBuf>,
        name: Option<String>,
    },
    /// Rewrite configuration files to Terraform's canonical layout.
    Fmt {
        /// Only check; exit with status 3 when a file needs formatting.
        #[arg(long)]
        check: bool,
        /// Show the changes as a unified diff.
        #[arg(long)]
        diff: bool,
        /// Also process files in subdirectories.
        #[arg(long)]
        recursive: bool,
        /// List the files whose formatting changed (--list=false to silence).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        list: bool,
        /// Write the result to the files (--write=false to leave them).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        write: bool,
        /// Files or directories (default: the current directory); "-" formats standard input to standard output.
        paths: Vec<PathBuf>,
    },
    /// Print the version.
    Version,
}

/// Exit codes: 0 success, 1 an error in the configuration or the
/// operation, 2 usage errors (from clap).
pub fn run(argv: Vec<String>) -> ExitCode {
    let mut cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match &mut cli.command {
        Command::Validate { vars, .. } | Command::Console { vars } | Command::Test { vars, .. } => {
            vars.record_order(&argv)
        }
        Command::Plan { run, .. }
        | Command::Apply { run, .. }
        | Command::Destroy { run, .. }
        | Command::Reap { run, .. }
        | Command::Graph { run, .. }
        | Command::Import { run, .. } => run.vars.record_order(&argv),
        _ => {}
    }
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            eprintln!("Error: cannot change to directory {}: {e}", dir.display());
            return ExitCode::from(1);
        }
    }
    let color =
        !cli.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
    let json = match &cli.command {
        Command::Plan { run, .. }
        | Command::Apply { run, .. }
        | Command::Destroy { run, .. }
        | Command::Reap { run, .. } => run.json,
        _ => false,
    };
    let style = Style {
        color: color && !json,
        json,
    };
    if json {
        crate::ui_json::version();
    }
    let touches_state = !matches!(
        cli.command,
        Command::Validate { .. }
            | Command::Console { .. }
            | Command::Fmt { .. }
            | Command::Version
            | Command::Providers { .. }
    );
    if touches_state {
        if let Err(code) = crate::environment::check_cipher(&style) {
            return code;
        }
    }
    match cli.command {
        Command::Validate { json, vars } => validate_command(json, &vars, &style),
        Command::Test {
            filter,
            json,
            verbose,
            test_directory,
            vars,
        } => crate::workflow::test_command(
            &crate::workflow::TestOptions {
                filter,
                json,
                verbose,
                test_directory,
                vars,
            },
            &style,
        ),
        Command::Get {
            update,
            test_directory,
        } => match crate::workflow::install_modules(update, &test_directory, &style) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(code) => code,
        },
        Command::Init {
            upgrade,
            backend_config,
            migrate_state,
            reconfigure,
            force_copy,
            input: _,
            test_directory,
        } => crate::workflow::init_command(
            &crate::workflow::InitOptions {
                upgrade,
                backend_config,
                migrate_state,
                reconfigure,
                force_copy,
                test_directory,
            },
            &style,
        ),
        Command::Console { vars } => console_command(&vars, &style),
        Command::Plan {
            run,
            out,
            markdown_out,
            max_chars,
            all: true,
            changed_since,
            destroy,
            detailed_exitcode,
        } => crate::multi::plan_all(
            &crate::multi::AllOptions {
                changed_since: changed_since.as_deref(),
                out_dir: out.as_deref(),
                markdown_out: markdown_out.as_deref().map(|p| (p, max_chars)),
                detailed_exitcode,
                pass: {
                    // Each stack's plan runs in its own directory: paths
                    // are made absolute first.
                    let cwd = std::env::current_dir().unwrap_or_default();
                    let mut pass = run.to_flags(&cwd);
                    if destroy {
                        pass.push("--destroy".into());
                    }
                    pass
                },
            },
            &style,
        ),
        Command::Plan {
            run,
            out,
            destroy,
            detailed_exitcode,
            markdown_out,
            max_chars,
            ..
        } => crate::workflow::plan_command(
            &run.workflow(destroy),
            out.as_deref(),
            detailed_exitcode,
            markdown_out.as_deref().map(|p| (p, max_chars)),
            &style,
        ),
        Command::Apply {
            run,
            auto_approve,
            destroy,
            plan_file,
        } => crate::workflow::apply_command(
            &run.workflow(destroy),
            plan_file.as_deref(),
            auto_approve,
            &style,
        ),
        Command::Destroy { run, auto_approve } => {
            crate::workflow::apply_command(&run.workflow(true), None, auto_approve, &style)
        }
        Command::Reap {
            run,
            auto_approve,
            dry_run,
        } => crate::workflow::reap_command(&run.workflow(true), dry_run, auto_approve, &style),
        Command::Show {
            json,
            format,
            max_chars,
            state,
            plan_file,
        } => {
            let format = match (format.as_deref(), json) {
                (Some("markdown"), _) => crate::workflow::ShowFormat::Markdown(max_chars),
                (Some("json"), _) | (None, true) => crate::workflow::ShowFormat::Json,
                _ => crate::workflow::ShowFormat::Text,
            };
            crate::workflow::show_command(plan_file.as_deref(), format, state, &style)
        }
        Command::Graph {
            run,
            plan,
            graph_type,
        } => crate::workflow::graph_command(
            &run.workflow(graph_type == "destroy"),
            plan.as_deref(),
            &graph_type,
            &style,
        ),
        Command::Providers {
            what: Some(ProvidersCommand::Schema { json }),
            ..
        } => crate::workflow::providers_schema_command(json, &style),
        Command::Providers { json, what: None } => crate::workflow::providers_command(json, &style),
        Command::State { verb, state } => {
            use crate::workflow::StateVerb;
            let verb = match verb {
                StateCommand::List { addresses } => StateVerb::List(addresses),
                StateCommand::Show { address } => StateVerb::Show(address),
                StateCommand::Rm { addresses } => StateVerb::Rm(addresses),
                StateCommand::Mv {
                    source,
                    destination,
                    state_out,
                } => StateVerb::Mv(source, destination, state_out),
                StateCommand::Pull => StateVerb::Pull,
                StateCommand::History => StateVerb::History,
                StateCommand::Rollback { serial } => StateVerb::Rollback(serial),
                StateCommand::Push { file, force } => StateVerb::Push(file, force),
            };
            crate::workflow::state_command(verb, state, &style)
        }
        Command::Policy {
            verb:
                PolicyCommand::Check {
                    policies,
                    plan_json,
                },
        } => crate::workflow::policy_check_command(&policies, &plan_json, &style),
        Command::Workspace { verb } => {
            use crate::workflow::WorkspaceVerb;
            let verb = match verb {
                WorkspaceCommand::List => WorkspaceVerb::List,
                WorkspaceCommand::Show => WorkspaceVerb::Show,
                WorkspaceCommand::New { name } => WorkspaceVerb::New(name),
                WorkspaceCommand::Select { name } => WorkspaceVerb::Select(name),
                WorkspaceCommand::Delete { name, force } => WorkspaceVerb::Delete(name, force),
            };
            crate::workflow::workspace_command(verb, &style)
        }
        Command::Import { run, address, id } => {
            crate::workflow::import_command(&run.workflow(false), &address, &id, &style)
        }
        Command::ForceUnlock { id, state } => {
            crate::workflow::force_unlock_command(&id, state, &style)
        }
        Command::Output {
            json,
            raw,
            state,
            name,
        } => crate::workflow::output_command(state, name.as_deref(), json, raw, &style),
        Command::Fmt {
            check,
            diff,
            recursive,
            list,
            write,
            paths,
        } => {
            let options = crate::fmt::Options {
                check,
                diff,
                recursive,
                list,
                write: write && !check,
            };
            crate::fmt::run(&options, &paths, &style)
        }
        Command::Version => {
            println!("Strata v{}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
    }
}

fn print_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap, style: &Style) {
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(err, "{}", render(d, sources, style));
    }
}

fn validate_command(json: bool, vars: &VarArgs, style: &Style) -> ExitCode {
    let loaded = match load(vars, false) {
        Ok(l) => l,
        Err(d) => {
            print_diagnostics(&[d], &SourceMap::default(), style);
            return ExitCode::from(1);
        }
    };
    let diagnostics = loaded.validate_with_schemas();
    let sources = &loaded.stack.sources;
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.0.len() - errors;
    if json {
        let out = serde_json::json!({
            "format_version": "1.0",
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": warnings,
            "diagnostics": to_json(&diagnostics.0, sources),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        print_diagnostics(&diagnostics.0, sources, style);
        if errors == 0 {
            println!("Success! The configuration is valid.");
        }
    }
    // The process ends here; freeing a large syntax tree piece by piece
    // would only cost time.
    std::mem::forget(loaded);
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Splits console input into expressions: one per line, except that an
/// open heredoc or open brackets continue onto the next lines.
fn console_inputs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut heredoc: Option<String> = None;
    for line in text.lines() {
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line);
        if let Some(delimiter) = &heredoc {
            if line.trim() == delimiter {
                heredoc = None;
            } else {
                continue;
            }
        } else if let Some(pos) = line.find("<<") {
            let rest = line[pos + 2..].trim_start_matches('-');
            let delimiter: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !delimiter.is_empty() && rest.len() == delimiter.len() {
                heredoc = Some(delimiter);
                continue;
            }
        }
        if bracket_depth(&current) > 0 {
            continue;
        }
        if !current.trim().is_empty() {
            out.push(std::mem::take(&mut current));
        } else {
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

fn bracket_depth(text: &str) -> i32 {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    depth
}

fn console_command(vars: &VarArgs, style: &Style) -> ExitCode {
    let mut loaded = match load(vars, true) {
        Ok(l) => l,
        Err(d) => {
            print_diagnostics(&[d], &SourceMap::default(), style);
            return ExitCode::from(1);
        }
    };
    if loaded.diagnostics.has_errors() {
        print_diagnostics(&loaded.diagnostics.0, &loaded.stack.sources, style);
        return ExitCode::from(1);
    }
    let mut input = String::new();
    if std::io::stdin().lock().read_to_string(&mut input).is_err() {
        eprintln!("Error: cannot read standard input");
        return ExitCode::from(1);
    }
    let _ = std::io::stdin().lock().lines();
    let mut failed = false;
    let stdout = std::io::stdout();
    for (n, expression) in console_inputs(&input).into_iter().enumerate() {
        let file = loaded
            .stack
            .sources
            .add(format!("<console-input {}>", n + 1), expression);
        let text = loaded
            .stack
            .sources
            .get(file)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        let parsed = parse_expression(&text, file);
        let result = if parsed.diagnostics.has_errors() {
            Err(parsed.diagnostics.0)
        } else {
            let ctx = EvalContext {
                variables: &loaded.evaluated.variables,
                overlay: None,
                env: &loaded.env,
            };
            evaluate(&parsed.value, &ctx).map_err(|d| vec![d])
        };
        match result {
            Ok(v) => {
                // type() results print as type expressions, not strings.
                let is_type_call = matches!(&parsed.value.kind, strata_lang::ast::ExprKind::Call(call) if call.name == "type");
                let text = match (is_type_call, v.as_str()) {
                    (true, Some(t)) if !v.sensitive => t.to_string(),
                    _ => strata_lang::format::format_value(&v, 0),
                };
                let _ = writeln!(stdout.lock(), "{text}");
            }
            Err(ds) => {
                failed = true;
                print_diagnostics(&ds, &loaded.stack.sources, style);
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
