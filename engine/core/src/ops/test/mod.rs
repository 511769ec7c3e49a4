//! `strata test`: Terraform's test framework. Each test file runs its
//! `run` blocks in order on states of its own (one for the stack, one per
//! alternate module a run names, or one per `state_key`); a run plans or applies, then its
//! `assert` conditions are evaluated against the planned or applied
//! values, `output.NAME` and earlier runs' outputs (`run.NAME.OUTPUT`).
//! `expect_failures` turns the listed objects' failed conditions into the
//! expected outcome. After the last run, every state a run applied to is
//! destroyed, the most recently applied first.
//!
//! Statuses follow Terraform: a failed assertion fails the run and the
//! file goes on; an error (the configuration, plan or apply failed, or an
//! expected failure did not happen) fails the run and skips the rest of
//! the file.

mod doubles;

use super::{current_state, Session, SessionInputs};
use crate::planner::PlanOptions;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use strata_lang::ast::{Attribute, Block, Expr, TraversalStep};
use strata_lang::config::resolve_call;
use strata_lang::eval::{evaluate, EvalContext};
use strata_lang::functions::FunctionEnv;
use strata_lang::stack::VariableSource;
use strata_lang::testfile::{Command, Run, RunModule, TestFile};
use strata_provider::Registry;
use strata_state::Store;
use strata_types::{codes, Diagnostic, Diagnostics, Severity, SourceMap, Span, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Skip,
    Pass,
    Fail,
    Error,
}

impl Status {
    /// Terraform's name in JSON (`error` shows as "fail" to people).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Skip => "skip",
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

/// Progress and results, in the order they happen.
pub enum TestEvent<'a> {
    FileStarting(&'a str),
    RunStarting {
        file: &'a str,
        run: &'a str,
    },
    RunComplete {
        file: &'a str,
        run: &'a str,
        status: Status,
    },
    /// With [`TestContext::verbose`]: the run's plan or applied state.
    RunDetails {
        file: &'a str,
        run: &'a str,
        details: &'a Details,
    },
    /// Diagnostics of a run (or of the file, when `run` is `None`), with
    /// the sources their spans point into.
    Diagnostics {
        file: &'a str,
        run: Option<&'a str>,
        diagnostics: &'a [Diagnostic],
        sources: &'a SourceMap,
    },
    FileTeardown(&'a str),
    RunTeardown {
        file: &'a str,
        run: &'a str,
    },
    FileComplete {
        file: &'a str,
        status: Status,
    },
}

/// What the runner needs from its caller.
pub struct TestContext<'a> {
    /// The stack's directory.
    pub dir: PathBuf,
    pub cwd: PathBuf,
    /// `-var` and `-var-file` values, the lowest precedence.
    pub variables: Vec<VariableSource>,
    /// A fresh set of providers for each session.
    pub providers: &'a (dyn Fn() -> Arc<Registry> + Sync),
    /// A store for a state of a test file, by a name unique in the run.
    pub store: &'a (dyn Fn(&str) -> Arc<dyn Store> + Sync),
    /// Report each run's plan or state ([`TestEvent::RunDetails`]).
    pub verbose: bool,
}

/// What a run planned or applied, for `-verbose`.
pub enum Details {
    Plan(Box<crate::plan::Plan>),
    State(Box<strata_state::State>),
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn status(&self) -> Status {
        if self.errored > 0 {
            Status::Error
        } else if self.failed > 0 {
            Status::Fail
        } else if self.passed > 0 {
            Status::Pass
        } else {
            Status::Skip
        }
    }

    fn count(&mut self, status: Status) {
        match status {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::Error => self.errored += 1,
            Status::Skip => self.skipped += 1,
        }
    }
}

/// A state a test file's runs applied to: the last run that did, with
/// what it was given, so teardown destroys with the same configuration.
struct Applied {
    target: Target,
    run: String,
    given: BTreeMap<String, Value>,
}

/// What a run plans and where its state is.
#[derive(Clone)]
struct Target {
    /// The state's name: `state_key`, or the module's source ("" for the
    /// stack).
    state: String,
    dir: PathBuf,
    /// For a run's module: the stack and the key its calls were
    /// installed under.
    installed_by: Option<(PathBuf, String)>,
}

struct FileRunner<'a> {
    ctx: &'a TestContext<'a>,
    file: &'a TestFile,
    sources: &'a SourceMap,
    /// File-level variables, evaluated.
    variables: BTreeMap<String, Value>,
    /// Outputs of finished runs, by run name.
    runs: BTreeMap<String, Value>,
    applied: Vec<Applied>,
    env: FunctionEnv,
    /// The providers of every run: the caller's, with the file's mock
    /// providers in place of the real ones.
    registry: Arc<Registry>,
    /// The last run's plan or state, with `verbose`.
    details: Option<Details>,
}

/// Runs one test file; `sources` holds the file's text.
pub async fn run_file(
    ctx: &TestContext<'_>,
    file: &TestFile,
    sources: &SourceMap,
    summary: &mut Summary,
    on_event: &(dyn Fn(TestEvent) + Sync),
) -> Status {
    on_event(TestEvent::FileStarting(&file.path));
    let mut runner = FileRunner {
        ctx,
        file,
        sources,
        variables: BTreeMap::new(),
        runs: BTreeMap::new(),
        applied: Vec::new(),
        env: FunctionEnv {
            base_dir: ctx.dir.clone(),
            ..FunctionEnv::default()
        },
        registry: (ctx.providers)(),
        details: None,
    };
    let mut file_status = Status::Pass;
    let mut diagnostics = Diagnostics::default();
    for a in &file.variables {
        match runner.eval(&a.expr) {
            Ok(v) => {
                runner.variables.insert(a.name.clone(), v);
            }
            Err(d) => diagnostics.0.extend(d),
        }
    }
    let eval = |e: &Expr| runner.eval(e);
    match doubles::mocked_registry((ctx.providers)(), &file.mocks, &eval) {
        Ok(registry) => runner.registry = registry,
        Err(d) => diagnostics.0.extend(d),
    }
    let mut errored = diagnostics.has_errors();
    if errored {
        file_status = Status::Error;
        on_event(TestEvent::Diagnostics {
            file: &file.path,
            run: None,
            diagnostics: &diagnostics.0,
            sources,
        });
    }
    for run in &file.runs {
        if errored {
            on_event(TestEvent::RunComplete {
                file: &file.path,
                run: &run.name,
                status: Status::Skip,
            });
            summary.count(Status::Skip);
            continue;
        }
        on_event(TestEvent::RunStarting {
            file: &file.path,
            run: &run.name,
        });
        let report = runner.run_inner(run).await;
        let status = report.status;
        on_event(TestEvent::RunComplete {
            file: &file.path,
            run: &run.name,
            status,
        });
        if let Some(details) = runner.details.take() {
            on_event(TestEvent::RunDetails {
                file: &file.path,
                run: &run.name,
                details: &details,
            });
        }
        for (diagnostics, sources) in &report.batches {
            if !diagnostics.is_empty() {
                on_event(TestEvent::Diagnostics {
                    file: &file.path,
                    run: Some(&run.name),
                    diagnostics,
                    sources,
                });
            }
        }
        summary.count(status);
        file_status = file_status.max(status);
        errored = status == Status::Error;
    }
    on_event(TestEvent::FileTeardown(&file.path));
    if !runner.teardown(on_event).await {
        file_status = Status::Error;
    }
    on_event(TestEvent::FileComplete {
        file: &file.path,
        status: file_status,
    });
    file_status
}

/// What a run reports: its status and the diagnostics with their sources.
struct Report {
    status: Status,
    batches: Vec<(Vec<Diagnostic>, SourceMap)>,
}

impl FileRunner<'_> {
    /// Evaluates a test file expression: `var.*` are the file's
    /// variables, `run.*` earlier runs' outputs.
    fn eval(&self, expr: &Expr) -> Result<Value, Vec<Diagnostic>> {
        let mut roots = HashMap::new();
        roots.insert("var".to_string(), Value::object(self.variables.clone()));
        roots.insert("run".to_string(), Value::object(self.runs.clone()));
        let ctx = EvalContext {
            variables: &roots,
            overlay: None,
            env: &self.env,
        };
        evaluate(expr, &ctx).map_err(|d| vec![d])
    }

    /// The configuration a run plans: the stack, or its `module` (a
    /// local directory, or what `strata init` installed for the run),
    /// and the state it runs on.
    fn target(&self, run: &Run) -> Result<Target, Vec<Diagnostic>> {
        let Some(module) = &run.module else {
            return Ok(Target {
                state: run.state_key.clone().unwrap_or_default(),
                dir: self.ctx.dir.clone(),
                installed_by: None,
            });
        };
        if let Some(refused) = super::modules::unsupported_in_runs(module) {
            return Err(vec![refused]);
        }
        let root = &self.ctx.dir;
        let key = RunModule::key(&self.file.path, &run.name);
        let mut found = Diagnostics::default();
        let manifest = strata_lang::modules::Manifest::read(root);
        let resolved = resolve_call(root, root, &key, &manifest, &module.call, &mut found);
        match resolved {
            Some(dir) if dir.is_dir() => Ok(Target {
                state: run
                    .state_key
                    .clone()
                    .unwrap_or_else(|| module.source.clone()),
                dir,
                installed_by: Some((root.clone(), key)),
            }),
            Some(_) => Err(vec![Diagnostic::error(
                codes::MODULE_NOT_FOUND,
                "Module not found",
                format!(
                    "There is no directory at {:?} (relative to the stack) for run \"{}\".",
                    module.source, run.name
                ),
                module.call.source.as_ref().map_or(run.span, |s| s.span),
            )]),
            None => Err(found.0),
        }
    }

    fn given(&self, run: &Run, dir: &Path) -> Result<BTreeMap<String, Value>, Vec<Diagnostic>> {
        // Only the module's own files: its variables are all that matter
        // here (loading the session reads the module calls).
        let declared: Vec<String> = strata_lang::config::load_module_dir(
            dir,
            dir,
            &mut SourceMap::default(),
            &mut Diagnostics::default(),
        )
        .map(|c| c.variables.iter().map(|v| v.name.clone()).collect())
        .unwrap_or_default();
        let mut given: BTreeMap<String, Value> = self
            .variables
            .iter()
            .filter(|(k, _)| declared.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut errors = Vec::new();
        for a in &run.variables {
            match self.eval(&a.expr) {
                Ok(v) => {
                    if declared.contains(&a.name) {
                        given.insert(a.name.clone(), v);
                    }
                }
                Err(d) => errors.extend(d),
            }
        }
        if errors.is_empty() {
            Ok(given)
        } else {
            Err(errors)
        }
    }

    fn load(&self, target: &Target, given: BTreeMap<String, Value>) -> Result<Session, Diagnostic> {
        Session::load(
            SessionInputs {
                dir: target.dir.clone(),
                installed_by: target.installed_by.clone(),
                cwd: self.ctx.cwd.clone(),
                workspace: "default".into(),
                variables: self.ctx.variables.clone(),
                given,
                require_variables: true,
            },
            self.registry.clone(),
        )
    }

    /// Puts the test file's `provider` blocks in place of the stack's
    /// blocks of the same provider and alias — or, when the run maps them
    /// (`providers = { aws = aws.west }`), gives the module exactly the
    /// mapped ones. The file's text joins the session's sources, so what
    /// configuring them reports points into it.
    fn use_test_providers(&self, run: &Run, session: &mut Session) -> Result<(), Vec<Diagnostic>> {
        let Some(first) = self.file.providers.first() else {
            return match &run.providers {
                Some(expr) => Err(vec![Diagnostic::error(
                    codes::INVALID_PROVIDER_REFERENCE_IN_CONFIG,
                    "Invalid providers argument",
                    "The run maps providers, but the test file has no provider blocks to map them to.",
                    expr.span,
                )]),
                None => Ok(()),
            };
        };
        let Some(file) = self.sources.get(first.span.file) else {
            return Ok(());
        };
        let (name, text) = (file.name.clone(), file.text.clone());
        let id = session.stack.sources.add(name.clone(), text.clone());
        let parsed = if name.ends_with(".json") {
            strata_lang::json_config::parse_json_body(&text, id)
        } else {
            strata_lang::parser::parse_body(&text, id)
        };
        if parsed.diagnostics.has_errors() {
            return Err(parsed.diagnostics.0);
        }
        let blocks: Vec<Block> = parsed
            .value
            .blocks
            .into_iter()
            .filter(|b| b.type_name == "provider")
            .collect();
        let providers = &mut session.stack.config.providers;
        match &run.providers {
            None => {
                for block in blocks {
                    providers.retain(|p| provider_name(p) != provider_name(&block));
                    providers.push(block);
                }
            }
            Some(expr) => {
                let mut mapped = Vec::new();
                for (key, value) in provider_mapping(expr)? {
                    let Some(found) = blocks.iter().find(|b| provider_name(b) == value) else {
                        return Err(vec![Diagnostic::error(
                            codes::INVALID_PROVIDER_REFERENCE_IN_CONFIG,
                            "Invalid provider reference",
                            format!(
                                "The test file has no provider block for {}.",
                                shown_provider(&value)
                            ),
                            expr.span,
                        )]);
                    };
                    let mut block = found.clone();
                    block.body.attributes.retain(|a| a.name != "alias");
                    if let Some(alias) = &key.1 {
                        let span = block.span;
                        block.body.attributes.push(Attribute {
                            name: "alias".into(),
                            name_span: span,
                            expr: Expr {
                                kind: strata_lang::ast::ExprKind::Literal(Value::string(
                                    alias.clone(),
                                )),
                                span,
                            },
                            span,
                        });
                    }
                    mapped.push(block);
                }
                *providers = mapped;
            }
        }
        Ok(())
    }

    fn store(&self, key: &str) -> Arc<dyn Store> {
        (self.ctx.store)(&format!("{}\u{0}{key}", self.file.path))
    }

    async fn run_inner(&mut self, run: &Run) -> Report {
        let test_sources = self.sources.clone();
        let mine = |status, diagnostics: Vec<Diagnostic>| Report {
            status,
            batches: vec![(diagnostics, test_sources.clone())],
        };
        let target = match self.target(run) {
            Ok(found) => found,
            Err(d) => return mine(Status::Error, d),
        };
        let given = match self.given(run, &target.dir) {
            Ok(g) => g,
            Err(d) => return mine(Status::Error, d),
        };
        let mut session = match self.load(&target, given.clone()) {
            Ok(s) => s,
            Err(d) => return mine(Status::Error, vec![d]),
        };
        if let Err(d) = self.use_test_providers(run, &mut session) {
            return mine(Status::Error, d);
        }
        let eval = |e: &Expr| self.eval(e);
        let overrides = doubles::overrides(self.file, &run.overrides);
        match doubles::stand_ins(
            &session.stack,
            &session.registry,
            &overrides,
            self.sources,
            &eval,
        ) {
            Ok(found) => session.overrides = found,
            Err(d) => return mine(Status::Error, d),
        }
        let mut expected = Expected::new(run, &session);
        let mut found = session.diagnostics.clone();
        let mut applied = false;
        let outcome = if found.has_errors() {
            None
        } else {
            self.operate(run, &session, &target.state, &mut found, &mut applied)
                .await
        };
        if applied {
            self.applied.retain(|a| a.target.state != target.state);
            self.applied.push(Applied {
                target,
                run: run.name.clone(),
                given,
            });
        }
        let unexpected = expected.take_matches(found);
        let mut status = Status::Pass;
        let mut own = Vec::new();
        if unexpected.iter().any(|d| d.severity == Severity::Error) {
            status = Status::Error;
        } else {
            for object in expected.0.iter().filter(|o| !o.seen) {
                status = Status::Error;
                own.push(Diagnostic::error(
                    codes::MISSING_EXPECTED_FAILURE,
                    "Missing expected failure",
                    format!(
                        "The checkable object, {}, was expected to report an error but did not.",
                        object.name
                    ),
                    object.span,
                ));
            }
        }
        if let (Some(scope), Status::Pass) = (&outcome, status) {
            let (assert_status, failures) = self.assertions(run, scope, &session);
            status = assert_status;
            own.extend(failures);
        }
        if let Some(scope) = &outcome {
            self.runs.insert(run.name.clone(), scope.outputs.clone());
        }
        Report {
            status,
            batches: vec![
                (unexpected, session.stack.sources.clone()),
                (own, self.sources.clone()),
            ],
        }
    }

    /// Plans (and applies) the run; the values assertions see, or `None`
    /// when the operation failed (its diagnostics are in `found`).
    async fn operate(
        &mut self,
        run: &Run,
        session: &Session,
        key: &str,
        found: &mut Diagnostics,
        applied: &mut bool,
    ) -> Option<Scope> {
        let store = self.store(key);
        let warnings = std::sync::Mutex::new(Vec::new());
        let on_event = |e: super::OpEvent| {
            if let super::OpEvent::Warning(d) = e {
                warnings.lock().expect("warnings").push(d);
            }
        };
        let mut options = PlanOptions {
            refresh: run.refresh,
            refresh_only: run.refresh_only,
            keep_scope: true,
            ..PlanOptions::default()
        };
        match self
            .addresses(&run.replace)
            .and_then(|r| Ok((r, self.addresses(&run.target)?)))
        {
            Ok((replace, targets)) => {
                options.replace = replace;
                options.targets = targets;
            }
            Err(d) => {
                found.push(d);
                return None;
            }
        }
        if !options.targets.is_empty() {
            found.push(Diagnostic::global(codes::RESOURCE_TARGETING, "Resource targeting is in effect", "This run plans only the targeted resources and what they depend on; the plan may not show every change the configuration calls for.").into_warning());
        }
        let planned = plan_once(session, &*store, &options, &on_event).await;
        found
            .0
            .extend(std::mem::take(&mut *warnings.lock().expect("warnings")));
        let (plan, scope) = match planned {
            Ok(done) => done,
            Err(ds) => {
                found.0.extend(ds);
                return None;
            }
        };
        if run.command == Command::Plan {
            if self.ctx.verbose {
                self.details = Some(Details::Plan(Box::new(plan)));
            }
            return Some(scope);
        }
        // Whatever happens now, the state may hold objects to destroy.
        *applied = true;
        let result = super::apply(
            session,
            store.clone(),
            plan,
            &crate::apply::ApplyOptions::default(),
            &on_event,
        )
        .await;
        found.0.extend(result.diagnostics.0);
        found
            .0
            .extend(std::mem::take(&mut *warnings.lock().expect("warnings")));
        if self.ctx.verbose {
            self.details = Some(Details::State(Box::new(result.state)));
        }
        if found.has_errors() {
            return None;
        }
        // What the stack's expressions see now: a plan of the applied
        // state, without refreshing it.
        let after = PlanOptions {
            refresh: false,
            keep_scope: true,
            ..PlanOptions::default()
        };
        match plan_once(session, &*store, &after, &|_| {}).await {
            Ok((_, scope)) => Some(scope),
            Err(ds) => {
                found.0.extend(ds);
                None
            }
        }
    }

    fn addresses(&self, exprs: &[Expr]) -> Result<Vec<crate::addr::InstanceAddr>, Diagnostic> {
        exprs
            .iter()
            .map(|e| {
                let text = self
                    .sources
                    .get(e.span.file)
                    .map(|f| f.text[e.span.start as usize..e.span.end as usize].to_string())
                    .unwrap_or_default();
                crate::addr::InstanceAddr::parse(text.trim()).ok_or_else(|| {
                    Diagnostic::error(codes::INVALID_ADDRESS, "Invalid address", format!("{text:?} is not a resource address (such as aws_s3_bucket.data or module.net.aws_vpc.main[0])."), e.span)
                })
            })
            .collect()
    }

    /// Evaluates the run's assertions against `scope`.
    fn assertions(&self, run: &Run, scope: &Scope, session: &Session) -> (Status, Vec<Diagnostic>) {
        let (config, env) = (&session.stack.config, &session.env);
        let mut roots = scope.roots.clone();
        roots.insert("output".into(), scope.outputs.clone());
        roots.insert("run".into(), Value::object(self.runs.clone()));
        let ctx = EvalContext {
            variables: &roots,
            overlay: None,
            env,
        };
        let mut status = Status::Pass;
        let mut out = Vec::new();
        for assert in &run.asserts {
            let undeclared =
                strata_lang::stack::check_assertion_references(config, &assert.condition);
            if undeclared.has_errors() {
                out.extend(undeclared.0);
                status = Status::Error;
                continue;
            }
            let condition = match evaluate(&assert.condition, &ctx) {
                Ok(v) => v,
                Err(d) => {
                    out.push(d);
                    status = Status::Error;
                    continue;
                }
            };
            if !condition.is_wholly_known() {
                status = Status::Error;
                out.push(Diagnostic::error(codes::UNKNOWN_CONDITION_VALUE, "Unknown condition value", "The condition could not be evaluated at this time: this run has command = plan, and a value the condition depends on is known only after apply. Remove that value from the condition, or apply in this run.", assert.condition.span));
                continue;
            }
            match condition.unmark_deep().0.as_bool() {
                Some(true) => {}
                Some(false) => {
                    status = status.max(Status::Fail);
                    let message = evaluate(&assert.error_message, &ctx)
                        .ok()
                        .and_then(|m| m.unmark_deep().0.as_str().map(str::to_string))
                        .unwrap_or_else(|| {
                            "The assertion's error message could not be evaluated.".into()
                        });
                    out.push(Diagnostic::error(
                        codes::TEST_ASSERTION_FAILED,
                        "Test assertion failed",
                        message,
                        assert.condition.span,
                    ));
                }
                None => {
                    status = Status::Error;
                    out.push(Diagnostic::error(
                        codes::INVALID_CONDITION_RESULT,
                        "Invalid condition result",
                        "An assertion's condition must be true or false.",
                        assert.condition.span,
                    ));
                }
            }
        }
        (status, out)
    }

    /// Destroys every state a run applied to, the most recent first.
    async fn teardown(&mut self, on_event: &(dyn Fn(TestEvent) + Sync)) -> bool {
        let mut ok = true;
        while let Some(applied) = self.applied.pop() {
            let store = self.store(&applied.target.state);
            let holds_objects = match store.read() {
                Ok(state) => state.is_some_and(|s| s.instance_count() > 0),
                Err(_) => true,
            };
            if !holds_objects {
                continue;
            }
            on_event(TestEvent::RunTeardown {
                file: &self.file.path,
                run: &applied.run,
            });
            let session = match self.load(&applied.target, applied.given.clone()) {
                Ok(s) => s,
                Err(d) => {
                    ok = false;
                    self.report_teardown(&[d], &SourceMap::default(), on_event);
                    continue;
                }
            };
            let options = PlanOptions {
                destroy: true,
                ..PlanOptions::default()
            };
            let failed = match plan_once(&session, &*store, &options, &|_| {}).await {
                Ok((plan, _)) => {
                    let result = super::apply(
                        &session,
                        store,
                        plan,
                        &crate::apply::ApplyOptions::default(),
                        &|_| {},
                    )
                    .await;
                    result
                        .diagnostics
                        .0
                        .into_iter()
                        .filter(|d| d.severity == Severity::Error)
                        .collect()
                }
                Err(ds) => ds,
            };
            if !failed.is_empty() {
                ok = false;
                let mut all = vec![Diagnostic::global(codes::TEST_CLEANUP_FAILED, "Failed to clean up after tests", format!("Strata could not destroy what run \"{}\" created; the objects may still exist and must be destroyed by hand.", applied.run))];
                all.extend(failed);
                self.report_teardown(&all, &session.stack.sources, on_event);
            }
        }
        ok
    }

    fn report_teardown(
        &self,
        diagnostics: &[Diagnostic],
        sources: &SourceMap,
        on_event: &(dyn Fn(TestEvent) + Sync),
    ) {
        on_event(TestEvent::Diagnostics {
            file: &self.file.path,
            run: None,
            diagnostics,
            sources,
        });
    }
}

/// A provider configuration's name and alias.
type ProviderName = (String, Option<String>);

fn provider_name(block: &Block) -> ProviderName {
    (
        block
            .labels
            .first()
            .map(|l| l.value.clone())
            .unwrap_or_default(),
        block
            .body
            .attribute("alias")
            .and_then(|a| strata_lang::ast::literal_string(&a.expr)),
    )
}

fn shown_provider((name, alias): &ProviderName) -> String {
    match alias {
        Some(a) => format!("{name}.{a}"),
        None => name.clone(),
    }
}

/// `{ aws = aws.west, aws.main = aws }`: (the module's name, the test
/// file's name) pairs.
fn provider_mapping(expr: &Expr) -> Result<Vec<(ProviderName, ProviderName)>, Vec<Diagnostic>> {
    let bad = |span: Span| {
        vec![Diagnostic::error(
            codes::INVALID_PROVIDER_REFERENCE_IN_CONFIG,
            "Invalid providers argument",
            "A run's providers argument maps provider configurations, such as { aws = aws.west }.",
            span,
        )]
    };
    let name_of = |e: &Expr| -> Option<ProviderName> {
        let (root, steps) = e.as_traversal()?;
        match steps.as_slice() {
            [] => Some((root.to_string(), None)),
            [TraversalStep::Attr(alias, _)] => Some((root.to_string(), Some(alias.to_string()))),
            _ => None,
        }
    };
    let strata_lang::ast::ExprKind::Object(items) = &expr.kind else {
        return Err(bad(expr.span));
    };
    items
        .iter()
        .map(|(key, value)| {
            let key = match key {
                strata_lang::ast::ObjectKey::Name(n) => Some((n.clone(), None)),
                strata_lang::ast::ObjectKey::Expr(e) => name_of(e),
            }
            .ok_or_else(|| bad(value.span))?;
            let value = name_of(value).ok_or_else(|| bad(value.span))?;
            Ok((key, value))
        })
        .collect()
}

/// What a run's assertions see.
struct Scope {
    roots: HashMap<String, Value>,
    /// The root module's outputs, as an object.
    outputs: Value,
}

/// Plans under the state's lock, so a journal an interrupted apply of an
/// earlier run left is settled first.
async fn plan_once(
    session: &Session,
    store: &dyn Store,
    options: &PlanOptions,
    on_event: &(dyn Fn(super::OpEvent) + Sync),
) -> Result<(crate::plan::Plan, Scope), Vec<Diagnostic>> {
    let state_error = |e: strata_state::StateError| {
        vec![Diagnostic::global(
            codes::STATE_ERROR,
            "State error",
            e.to_string(),
        )]
    };
    let lock = super::lock_state(store, "test", std::time::Duration::from_secs(10))
        .map_err(state_error)?;
    let prior = current_state(session, store, Some(&lock), true, on_event)
        .await
        .map_err(|e| match e {
            super::OpError::Failed(ds) => ds,
            super::OpError::State(e) => vec![Diagnostic::global(
                codes::STATE_ERROR,
                "State error",
                e.to_string(),
            )],
        })?;
    let result = crate::planner::plan(&session.view(), prior, options).await;
    let warnings: Vec<Diagnostic> = result.diagnostics.0;
    let Some(plan) = result.plan else {
        return Err(warnings);
    };
    for w in warnings {
        on_event(super::OpEvent::Warning(w));
    }
    let outputs = Value::object(
        plan.outputs
            .iter()
            .filter_map(|o| Some((o.name.clone(), o.after.as_ref()?.decode())))
            .collect::<strata_types::Fields>(),
    );
    let roots = result.scope.unwrap_or_default();
    Ok((plan, Scope { roots, outputs }))
}

/// The objects a run expects to fail, in `expect_failures` order.
struct Expected(Vec<ExpectedObject>);

struct ExpectedObject {
    /// As written: `var.x`, `output.o`, `aws_s3_bucket.b`.
    name: String,
    /// Where the test file names it.
    span: Span,
    /// The root module's block it names (none when it has no such block).
    block: Option<Span>,
    /// Whether a diagnostic came from inside that block.
    seen: bool,
}

impl Expected {
    fn new(run: &Run, session: &Session) -> Expected {
        let config = &session.stack.config;
        let mut expected = Expected(Vec::new());
        for expr in &run.expect_failures {
            let Some((root, steps)) = expr.as_traversal() else {
                continue;
            };
            let attrs: Vec<&str> = steps
                .iter()
                .filter_map(|s| match s {
                    TraversalStep::Attr(name, _) => Some(*name),
                    _ => None,
                })
                .collect();
            let first = attrs.first().copied().unwrap_or("");
            let (name, block) = match root {
                "var" => (
                    format!("var.{first}"),
                    config
                        .variables
                        .iter()
                        .find(|v| v.name == first)
                        .map(|v| v.span),
                ),
                "output" => (
                    format!("output.{first}"),
                    config
                        .outputs
                        .iter()
                        .find(|o| o.name == first)
                        .map(|o| o.span),
                ),
                "check" => (
                    format!("check.{first}"),
                    config
                        .other
                        .iter()
                        .find(|b| {
                            b.type_name == "check"
                                && b.labels.first().is_some_and(|l| l.value == first)
                        })
                        .map(|b| b.span),
                ),
                "data" => {
                    let second = attrs.get(1).copied().unwrap_or("");
                    (
                        format!("data.{first}.{second}"),
                        config
                            .resources
                            .iter()
                            .find(|r| {
                                r.mode == strata_lang::config::Mode::Data
                                    && r.type_name == first
                                    && r.name == second
                            })
                            .map(|r| r.span),
                    )
                }
                type_name => (
                    format!("{type_name}.{first}"),
                    config
                        .resources
                        .iter()
                        .find(|r| {
                            r.mode == strata_lang::config::Mode::Managed
                                && r.type_name == type_name
                                && r.name == first
                        })
                        .map(|r| r.span),
                ),
            };
            expected.0.push(ExpectedObject {
                name,
                span: expr.span,
                block,
                seen: false,
            });
        }
        expected
    }

    /// Marks the objects `found` has diagnostics from; returns the rest.
    fn take_matches(&mut self, found: Diagnostics) -> Vec<Diagnostic> {
        let mut rest = Vec::new();
        for d in found.0 {
            let inside = |b: &Span| {
                d.span
                    .is_some_and(|s| s.file == b.file && b.start <= s.start && s.end <= b.end)
            };
            let mut hit = false;
            for object in &mut self.0 {
                if object.block.as_ref().is_some_and(inside) {
                    object.seen = true;
                    hit = true;
                }
            }
            if !hit {
                rest.push(d);
            }
        }
        rest
    }
}
