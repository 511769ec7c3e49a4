//! A session: one stack loaded from one directory, with the providers it
//! runs against. Every operation takes one; nothing here is shared
//! between sessions, so several can run in one process (`plan --all`).

use crate::context::Stack;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use strata_lang::config::{load_directory, load_installed, LoadedStack};
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
    /// For a module another stack installed what it calls for (a test
    /// run's module): that stack's directory and the module's key in its
    /// manifest. `None` reads the manifest under `dir`.
    pub installed_by: Option<(PathBuf, String)>,
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
    /// Resources answered by stand-ins (`strata test` overrides).
    pub overrides: crate::context::Overrides,
}

impl Session {
    /// Reads and evaluates the stack in `inputs.dir`. Fails only when the
    /// directory cannot be read; configuration errors are in
    /// [`Session::diagnostics`].
    pub fn load(inputs: SessionInputs, registry: Arc<Registry>) -> Result<Session, Diagnostic> {
        let _span = tracing::info_span!("load").entered();
        let dir = inputs.dir;
        let loaded = match &inputs.installed_by {
            Some((root, key)) => load_installed(&dir, root, key),
            None => load_directory(&dir),
        };
        let mut stack = loaded.map_err(|e| {
            Diagnostic::global(
                strata_types::codes::READ_FAILED,
                "Failed to read configuration",
                format!("Cannot read the configuration in {}: {e}.", dir.display()),
            )
        })?;
        let env = FunctionEnv {
            base_dir: dir.clone(),
            provider_functions: RegistryFunctions::handle(&stack, &registry),
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
            overrides: Default::default(),
        })
    }

    /// The configuration as Terraform's plan JSON shows it.
    pub fn config_view(&self) -> crate::config_json::ConfigView<'_> {
        crate::config_json::ConfigView {
            stack: &self.stack,
            registry: &self.registry,
        }
    }

    /// The stack as the planner and apply see it.
    pub fn view(&self) -> Stack<'_> {
        Stack {
            loaded: &self.stack,
            evaluated: &self.evaluated,
            env: &self.env,
            registry: &self.registry,
            on_wait: None,
            overrides: Some(&self.overrides),
        }
    }

    /// Loading's diagnostics and the whole-stack checks of the language
    /// (what a plan checks first; it checks each resource against its
    /// schema as it plans it).
    pub fn validate(&self) -> Diagnostics {
        let mut diagnostics = self.diagnostics.clone();
        diagnostics.extend(strata_lang::stack::validate(
            &self.stack,
            &self.evaluated,
            &self.env,
        ));
        if !diagnostics.has_errors() {
            diagnostics.extend(self.check_names());
        }
        diagnostics
    }

    /// Every resource, in the root and child modules, whatever its
    /// `count`: its type is one a provider offers, and its arguments and
    /// blocks are names the schema has (nothing evaluated).
    fn check_names(&self) -> Diagnostics {
        let configs = self.stack.configs();
        let resources = configs.iter().flat_map(|c| &c.resources);
        let mut schemas = std::collections::HashMap::new();
        let mut diagnostics = Diagnostics::default();
        for r in resources {
            let mode = crate::context::resource_addr(r).mode;
            let found = schemas
                .entry((mode, r.type_name.as_str()))
                .or_insert_with(|| {
                    crate::context::provider_for(&self.registry, mode, &r.type_name, r.span)
                        .map(|(_, schema)| schema)
                });
            match found {
                Ok(schema) => crate::eval_body::check_names(&r.body, schema, &mut diagnostics),
                Err(d) => diagnostics.push(Diagnostic {
                    span: Some(r.span),
                    ..d.clone()
                }),
            }
        }
        diagnostics
    }

    /// `strata validate`: [`Session::validate`], then each resource's
    /// type, arguments and blocks checked against its provider's schema,
    /// whatever `count` it has, and every module's configuration graph
    /// for cycles (a plan finds those as it plans each module).
    pub fn validate_with_schemas(&self) -> Diagnostics {
        let mut diagnostics = self.validate();
        if !diagnostics.has_errors() {
            diagnostics.extend(self.check_schemas());
        }
        if !diagnostics.has_errors() {
            diagnostics.extend(crate::planner::configuration_cycles(&self.stack));
        }
        diagnostics
    }

    /// Resource types the providers offer, and arguments and blocks their
    /// schemas have (names, required arguments, configurable attributes,
    /// value types), with input variables unknown.
    fn check_schemas(&self) -> Diagnostics {
        use strata_types::codes;
        const SCHEMA_CODES: &[&str] = &[
            codes::UNSUPPORTED_ARGUMENT,
            codes::UNSUPPORTED_BLOCK_TYPE,
            codes::MISSING_REQUIRED_ARGUMENT,
            codes::VALUE_FOR_UNCONFIGURABLE_ATTRIBUTE,
            codes::WRONG_NUMBER_OF_BLOCKS,
            codes::INCORRECT_ATTRIBUTE_VALUE_TYPE,
        ];
        let roots = strata_lang::stack::with_unknown_variables(
            &self.stack.config,
            &self.evaluated,
            &self.env,
        )
        .variables;
        let ctx = crate::context::Context::new(&self.stack, &self.env, &self.registry);
        let mut diagnostics = Diagnostics::default();
        for r in &self.stack.config.resources {
            let addr = crate::context::resource_addr(r);
            let schema =
                match crate::context::provider_for(&self.registry, addr.mode, &r.type_name, r.span)
                {
                    Ok((_, schema)) => schema,
                    Err(d) => {
                        diagnostics.push(d);
                        continue;
                    }
                };
            let scope = crate::eval_body::BodyScope::for_validation(&r.body);
            if let Err(found) =
                crate::eval_body::body_to_config(&ctx, &r.body, &schema, &roots, &scope)
            {
                for d in found.0 {
                    if SCHEMA_CODES.contains(&d.code) {
                        diagnostics.push(d);
                    }
                }
            }
        }
        diagnostics
    }
}

/// Provider-defined functions from the session's providers, by the local
/// names the stack's `required_providers` give them.
struct RegistryFunctions {
    registry: Arc<Registry>,
    /// Local name → the provider's name in the registry.
    names: std::collections::BTreeMap<String, String>,
}

impl RegistryFunctions {
    fn handle(
        stack: &LoadedStack,
        registry: &Arc<Registry>,
    ) -> strata_lang::functions::provider::Handle {
        let offers = |name: &str| {
            registry
                .get(name)
                .is_some_and(|p| !p.functions().is_empty())
        };
        // Local names from the modules' required_providers blocks only
        // (no walk over resources): a function is called by that name.
        let mut names = std::collections::BTreeMap::new();
        for config in stack.configs() {
            for (local, (source, _)) in strata_lang::requirements::module_requirements(config) {
                if offers(&source.type_name) {
                    names.insert(local, source.type_name);
                }
            }
        }
        if names.is_empty() {
            return Default::default();
        }
        strata_lang::functions::provider::Handle(Some(Arc::new(RegistryFunctions {
            registry: registry.clone(),
            names,
        })))
    }
}

impl strata_lang::functions::provider::ProviderFunctions for RegistryFunctions {
    fn signature(
        &self,
        provider: &str,
        name: &str,
    ) -> Option<strata_lang::functions::provider::Signature> {
        let p = self.registry.get(self.names.get(provider)?)?;
        p.functions().remove(name)
    }

    fn call(
        &self,
        provider: &str,
        name: &str,
        args: Vec<Value>,
    ) -> Result<Value, (String, Option<usize>)> {
        let Some(p) = self.names.get(provider).and_then(|n| self.registry.get(n)) else {
            return Err((
                format!("no provider has the local name \"{provider}\""),
                None,
            ));
        };
        p.call_function(name, args)
    }
}
