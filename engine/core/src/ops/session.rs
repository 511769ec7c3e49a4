//! A session: one stack loaded from one directory, with the providers it
//! runs against. Every operation takes one; nothing here is shared
//! between sessions, so several can run in one process (`plan --all`).

use crate::context::Stack;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use strata_lang::config::{load_directory, LoadedStack};
use strata_lang::functions::FunctionEnv;
use strata_lang::stack::{prepare, EvaluatedStack, StackInputs, VariableSource};
use strata_provider::Registry;
use strata_types::{Diagnostic, Diagnostics, Value};

/// Where a session's stack is and what it is given.
pub struct SessionInputs {
    /// The stack's directory (the root module).
    pub dir: PathBuf,
    /// The working directory, for `path.cwd`.
    pub cwd: PathBuf,
    pub workspace: String,
    /// Variable values in precedence order, lowest first.
    pub variables: Vec<VariableSource>,
    /// Values that take precedence over every other source (a saved
    /// plan's variables).
    pub given: BTreeMap<String, Value>,
    /// When false, a required variable without a value is unknown
    /// (validate); when true it is an error (plan, apply, console).
    pub require_variables: bool,
}

pub struct Session {
    pub stack: LoadedStack,
    pub evaluated: EvaluatedStack,
    pub env: FunctionEnv,
    /// The providers this session configures and calls; its own.
    pub registry: Arc<Registry>,
    /// What loading found that is not fatal (and, when it has errors,
    /// why nothing else should run).
    pub diagnostics: Diagnostics,
    pub workspace: String,
}

impl Session {
    /// Reads and evaluates the stack in `inputs.dir`. Fails only when the
    /// directory cannot be read; configuration errors are in
    /// [`Session::diagnostics`].
    pub fn load(inputs: SessionInputs, registry: Arc<Registry>) -> Result<Session, Diagnostic> {
        let dir = inputs.dir;
        let mut stack = load_directory(&dir).map_err(|e| {
            Diagnostic::global(
                strata_types::codes::READ_FAILED,
                "Failed to read configuration",
                format!("Cannot read the configuration in {}: {e}.", dir.display()),
            )
        })?;
        let env = FunctionEnv {
            base_dir: dir.clone(),
            ..FunctionEnv::default()
        };
        let mut variables = inputs.variables;
        variables.extend(
            inputs
                .given
                .into_iter()
                .map(|(k, v)| VariableSource::Given(k, v)),
        );
        let stack_inputs = StackInputs {
            module_dir: dir.clone(),
            root_dir: dir,
            cwd: inputs.cwd,
            workspace: inputs.workspace.clone(),
            variables,
            require_variables: inputs.require_variables,
            env: env.clone(),
        };
        let mut diagnostics = std::mem::take(&mut stack.diagnostics);
        let evaluated = prepare(&mut stack, &stack_inputs);
        diagnostics.extend(evaluated.diagnostics.clone());
        Ok(Session {
            stack,
            evaluated,
            env,
            registry,
            diagnostics,
            workspace: inputs.workspace,
        })
    }

    /// The stack as the planner and apply see it.
    pub fn view(&self) -> Stack<'_> {
        Stack {
            loaded: &self.stack,
            evaluated: &self.evaluated,
            env: &self.env,
            registry: &self.registry,
        }
    }

    /// Loading's diagnostics and the whole-stack checks (`validate`).
    pub fn validate(&self) -> Diagnostics {
        let mut diagnostics = self.diagnostics.clone();
        diagnostics.extend(strata_lang::stack::validate(
            &self.stack,
            &self.evaluated,
            &self.env,
        ));
        diagnostics
    }
}
