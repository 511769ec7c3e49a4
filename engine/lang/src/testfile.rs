//! Test files (`*.tftest.hcl`, `*.tftest.json`) lowered into typed
//! blocks: file-level `variables`, `run` blocks (`command`, `variables`,
//! `module`, `assert`, `expect_failures`, `plan_options`), and the
//! overrides (`override_resource`, `override_data`, `override_module`)
//! of the file and of each run.

use crate::ast::{literal_string, Attribute, Block, Body, Expr};
use crate::config::{check_body, decode_source, literal_bool, parse_file};
use std::path::{Path, PathBuf};
use strata_types::{codes, Diagnostic, Diagnostics, SourceMap, Span};

#[derive(Debug)]
pub struct TestFile {
    /// The file's path as shown: relative to the stack's directory.
    pub path: String,
    pub variables: Vec<Attribute>,
    pub runs: Vec<Run>,
    pub overrides: Vec<Override>,
    pub mocks: Vec<MockProvider>,
    /// `provider` blocks: they configure the providers of every run in
    /// place of the stack's blocks of the same name and alias.
    pub providers: Vec<Block>,
}

/// `mock_provider "NAME" { … }`: the provider answers without calling
/// anything; `mock_resource` / `mock_data` give values by type.
#[derive(Debug)]
pub struct MockProvider {
    pub name: String,
    pub span: Span,
    pub during_plan: bool,
    /// (type, `defaults` expression) of each `mock_resource`.
    pub resources: Vec<(String, Option<Expr>)>,
    pub data: Vec<(String, Option<Expr>)>,
    pub overrides: Vec<Override>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Plan,
    Apply,
}

#[derive(Debug)]
pub struct Run {
    pub name: String,
    pub span: Span,
    pub command: Command,
    pub variables: Vec<Attribute>,
    /// `module { source = … }`: a module to run instead of the stack.
    pub module: Option<RunModule>,
    /// `state_key`: the name of the state the run plans and applies
    /// against; by default the module's source (the stack's is "").
    pub state_key: Option<String>,
    pub asserts: Vec<Assert>,
    /// References to checkable objects (`var.x`, `aws_s3_bucket.b`,
    /// `output.o`, `check.c`).
    pub expect_failures: Vec<Expr>,
    pub refresh_only: bool,
    pub refresh: bool,
    pub replace: Vec<Expr>,
    pub target: Vec<Expr>,
    pub overrides: Vec<Override>,
    /// `providers = { aws = aws.west }`: the configurations the run's
    /// module gets, by its names, from the test file's provider blocks.
    pub providers: Option<Expr>,
}

/// A run's `module` block: a local path or a registry address (with
/// `version`), installed by `strata init` under [`RunModule::key`].
#[derive(Debug)]
pub struct RunModule {
    pub source: String,
    pub call: crate::config::CallSource,
}

impl RunModule {
    /// The key `strata init` installs the module under, as Terraform
    /// keys it: `test.tests.setup.NAME` for run NAME of
    /// `tests/setup.tftest.hcl`.
    pub fn key(file: &str, run: &str) -> String {
        crate::modules::module_key(&RunModule::file_key(file), run)
    }

    /// The key the runs of a test file are installed under (`test.FILE`).
    pub fn file_key(file: &str) -> String {
        let stem = file
            .strip_suffix(".tftest.hcl")
            .or_else(|| file.strip_suffix(".tftest.json"))
            .unwrap_or(file);
        format!("test.{}", stem.replace(['/', '\\'], "."))
    }
}

#[derive(Debug)]
pub struct Assert {
    pub condition: Expr,
    pub error_message: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverrideKind {
    Resource,
    Data,
    Module,
}

/// `override_resource` / `override_data` / `override_module`: the object
/// at `target` is not planned or read; it takes `values` (or `outputs`).
#[derive(Debug, Clone)]
pub struct Override {
    pub kind: OverrideKind,
    pub target: Expr,
    pub values: Option<Expr>,
    /// `override_during = plan`: the values are known when planning.
    pub during_plan: bool,
    pub span: Span,
}

/// The test files of a stack in Terraform's order: those in the stack's
/// directory, then those in `test_dir` under it, each set by name.
pub fn discover(dir: &Path, test_dir: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for base in [dir.to_path_buf(), dir.join(test_dir)] {
        let entries = match std::fs::read_dir(&base) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && base != dir => continue,
            Err(e) => return Err(e),
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".tftest.hcl") || n.ends_with(".tftest.json"))
            })
            .collect();
        names.sort();
        found.extend(names);
    }
    Ok(found)
}

/// Reads and lowers one test file, its text added to `sources` as `shown`.
pub fn load_test_file(
    path: &Path,
    shown: String,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
) -> std::io::Result<TestFile> {
    let text = decode_source(std::fs::read(path)?);
    let body = parse_file(sources, shown.clone(), text, diagnostics);
    Ok(lower(shown, &body, diagnostics))
}

const OVERRIDES: &[&str] = &["override_resource", "override_data", "override_module"];

fn lower(path: String, body: &Body, diagnostics: &mut Diagnostics) -> TestFile {
    check_body(
        body,
        "a test file",
        &[],
        &[
            "run",
            "variables",
            "provider",
            "mock_provider",
            "override_resource",
            "override_data",
            "override_module",
        ],
        diagnostics,
    );
    let mut file = TestFile {
        path,
        variables: Vec::new(),
        runs: Vec::new(),
        overrides: Vec::new(),
        mocks: Vec::new(),
        providers: Vec::new(),
    };
    for block in &body.blocks {
        match block.type_name.as_str() {
            "variables" => {
                no_blocks(&block.body, diagnostics);
                file.variables.extend(block.body.attributes.iter().cloned());
            }
            "run" => {
                if let Some(run) = lower_run(block, diagnostics) {
                    if file.runs.iter().any(|r| r.name == run.name) {
                        diagnostics.push(Diagnostic::error(
                            codes::DUPLICATE_DECLARATION,
                            "Duplicate \"run\" block names",
                            format!("This test file already has a run block named \"{}\"; each run block needs its own name.", run.name),
                            block.labels[0].span,
                        ));
                        continue;
                    }
                    file.runs.push(run);
                }
            }
            name if OVERRIDES.contains(&name) => {
                if let Some(o) = lower_override(block, diagnostics) {
                    file.overrides.push(o);
                }
            }
            "mock_provider" => {
                if let Some(m) = lower_mock(block, diagnostics) {
                    file.mocks.push(m);
                }
            }
            "provider" if one_label(block, "provider", diagnostics).is_some() => {
                file.providers.push(block.clone());
            }
            _ => {}
        }
    }
    file
}

/// A `variables` block: any names, as values; no blocks inside.
fn no_blocks(body: &Body, diagnostics: &mut Diagnostics) {
    for block in &body.blocks {
        diagnostics.push(Diagnostic::error(
            codes::UNSUPPORTED_BLOCK_TYPE,
            "Unsupported block type",
            format!("A variables block holds only values (name = value); write {} = {{ … }} for an object.", block.type_name),
            block.type_span,
        ));
    }
}

fn one_label(block: &Block, what: &str, diagnostics: &mut Diagnostics) -> Option<String> {
    match block.labels.as_slice() {
        [label] => Some(label.value.clone()),
        _ => {
            diagnostics.push(Diagnostic::error(
                codes::BLOCK_LABELS,
                "Missing name for block",
                format!("A {what} block needs exactly one name: {what} \"NAME\" {{ … }}."),
                block.type_span,
            ));
            None
        }
    }
}

fn keyword(attribute: &Attribute) -> Option<&str> {
    match attribute.expr.as_traversal() {
        Some((name, steps)) if steps.is_empty() => Some(name),
        _ => None,
    }
}

fn lower_run(block: &Block, diagnostics: &mut Diagnostics) -> Option<Run> {
    let name = one_label(block, "run", diagnostics)?;
    let body = &block.body;
    check_body(
        body,
        "a run block",
        &["command", "expect_failures", "providers", "state_key"],
        &[
            "variables",
            "module",
            "assert",
            "plan_options",
            "override_resource",
            "override_data",
            "override_module",
        ],
        diagnostics,
    );
    let command = match body.attribute("command") {
        None => Command::Apply,
        Some(a) => match keyword(a) {
            Some("apply") => Command::Apply,
            Some("plan") => Command::Plan,
            _ => {
                diagnostics.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    "Invalid value",
                    "The command argument is the keyword apply or plan (command = plan).",
                    a.expr.span,
                ));
                Command::Apply
            }
        },
    };
    let mut run = Run {
        name,
        span: block.span,
        command,
        variables: Vec::new(),
        module: None,
        state_key: None,
        asserts: Vec::new(),
        expect_failures: Vec::new(),
        refresh_only: false,
        refresh: true,
        replace: Vec::new(),
        target: Vec::new(),
        overrides: Vec::new(),
        providers: body.attribute("providers").map(|a| a.expr.clone()),
    };
    if let Some(a) = body.attribute("expect_failures") {
        run.expect_failures = list_items(a, diagnostics);
    }
    if let Some(a) = body.attribute("state_key") {
        match literal_string(&a.expr) {
            Some(key) => run.state_key = Some(key),
            None => diagnostics.push(Diagnostic::error(
                codes::INVALID_VALUE,
                "Invalid value",
                "The state_key argument is a literal string, such as state_key = \"shared\".",
                a.expr.span,
            )),
        }
    }
    for inner in &body.blocks {
        match inner.type_name.as_str() {
            "variables" => {
                no_blocks(&inner.body, diagnostics);
                run.variables.extend(inner.body.attributes.iter().cloned());
            }
            "assert" => {
                check_body(
                    &inner.body,
                    "an assert block",
                    &["condition", "error_message"],
                    &[],
                    diagnostics,
                );
                match (inner.body.attribute("condition"), inner.body.attribute("error_message")) {
                    (Some(c), Some(_)) if !refers_to_anything(&c.expr) => {
                        diagnostics.push(Diagnostic::error(
                            codes::INVALID_VALUE,
                            "Invalid assert expression",
                            "The condition expression must refer to at least one object from elsewhere in the configuration, or else its result would not be checking anything.",
                            c.expr.span,
                        ))
                    }
                    (Some(c), Some(m)) => run.asserts.push(Assert {
                        condition: c.expr.clone(),
                        error_message: m.expr.clone(),
                    }),
                    _ => diagnostics.push(Diagnostic::error(
                        codes::MISSING_REQUIRED_ARGUMENT,
                        "Missing required argument",
                        "An assert block needs both condition and error_message.",
                        inner.type_span,
                    )),
                }
            }
            "module" => {
                check_body(
                    &inner.body,
                    "a module block",
                    &["source", "version"],
                    &[],
                    diagnostics,
                );
                match inner.body.attribute("source") {
                    Some(s) => match literal_string(&s.expr) {
                        Some(text) => {
                            run.module = Some(RunModule {
                                source: text,
                                call: crate::config::CallSource {
                                    name: run.name.clone(),
                                    source: Some(s.expr.clone()),
                                    version: inner
                                        .body
                                        .attribute("version")
                                        .map(|v| v.expr.clone()),
                                    span: inner.type_span,
                                },
                            })
                        }
                        None => diagnostics.push(Diagnostic::error(
                            codes::INVALID_MODULE_SOURCE,
                            "Invalid module source",
                            "The module source must be a literal string, such as \"./testing/setup\".",
                            s.expr.span,
                        )),
                    },
                    None => diagnostics.push(Diagnostic::error(
                        codes::MISSING_REQUIRED_ARGUMENT,
                        "Missing required argument",
                        "A run's module block needs a source.",
                        inner.type_span,
                    )),
                }
            }
            "plan_options" => lower_plan_options(&mut run, &inner.body, diagnostics),
            name if OVERRIDES.contains(&name) => {
                if let Some(o) = lower_override(inner, diagnostics) {
                    run.overrides.push(o);
                }
            }
            _ => {}
        }
    }
    Some(run)
}

fn refers_to_anything(expr: &Expr) -> bool {
    let mut found = false;
    expr.walk(&mut |e| {
        if matches!(e.kind, crate::ast::ExprKind::Variable(_)) {
            found = true;
        }
    });
    found
}

fn lower_plan_options(run: &mut Run, body: &Body, diagnostics: &mut Diagnostics) {
    check_body(
        body,
        "a plan_options block",
        &["mode", "refresh", "replace", "target"],
        &[],
        diagnostics,
    );
    if let Some(a) = body.attribute("mode") {
        match keyword(a) {
            Some("normal") => {}
            Some("refresh-only") => run.refresh_only = true,
            _ => diagnostics.push(Diagnostic::error(
                codes::INVALID_VALUE,
                "Invalid value",
                "The mode argument is the keyword normal or refresh-only.",
                a.expr.span,
            )),
        }
    }
    if let Some(refresh) = literal_bool(body.attribute("refresh"), diagnostics) {
        run.refresh = refresh;
    }
    if let Some(a) = body.attribute("replace") {
        run.replace = list_items(a, diagnostics);
    }
    if let Some(a) = body.attribute("target") {
        run.target = list_items(a, diagnostics);
    }
}

fn list_items(attribute: &Attribute, diagnostics: &mut Diagnostics) -> Vec<Expr> {
    match &attribute.expr.kind {
        crate::ast::ExprKind::Tuple(items) => items.clone(),
        _ => {
            diagnostics.push(Diagnostic::error(
                codes::INVALID_VALUE,
                "Invalid value",
                format!(
                    "The {} argument is a list of references, such as [aws_s3_bucket.data].",
                    attribute.name
                ),
                attribute.expr.span,
            ));
            Vec::new()
        }
    }
}

fn lower_override(block: &Block, diagnostics: &mut Diagnostics) -> Option<Override> {
    let (kind, values) = match block.type_name.as_str() {
        "override_resource" => (OverrideKind::Resource, "values"),
        "override_data" => (OverrideKind::Data, "values"),
        _ => (OverrideKind::Module, "outputs"),
    };
    check_body(
        &block.body,
        &format!("an {} block", block.type_name),
        &["target", values, "override_during"],
        &[],
        diagnostics,
    );
    let during_plan = override_during(&block.body, diagnostics);
    let Some(target) = block.body.attribute("target") else {
        diagnostics.push(Diagnostic::error(
            codes::MISSING_REQUIRED_ARGUMENT,
            "Missing required argument",
            format!("An {} block needs a target.", block.type_name),
            block.type_span,
        ));
        return None;
    };
    Some(Override {
        kind,
        target: target.expr.clone(),
        values: block.body.attribute(values).map(|a| a.expr.clone()),
        during_plan,
        span: block.span,
    })
}

/// `override_during = plan | apply` (apply when absent).
fn override_during(body: &Body, diagnostics: &mut Diagnostics) -> bool {
    let Some(a) = body.attribute("override_during") else {
        return false;
    };
    match keyword(a) {
        Some("plan") => true,
        Some("apply") => false,
        _ => {
            diagnostics.push(Diagnostic::error(
                codes::INVALID_VALUE,
                "Invalid value",
                "override_during is the keyword plan or apply.",
                a.expr.span,
            ));
            false
        }
    }
}

fn lower_mock(block: &Block, diagnostics: &mut Diagnostics) -> Option<MockProvider> {
    let name = one_label(block, "mock_provider", diagnostics)?;
    let body = &block.body;
    check_body(
        body,
        "a mock_provider block",
        &["alias", "source", "override_during"],
        &[
            "mock_resource",
            "mock_data",
            "override_resource",
            "override_data",
        ],
        diagnostics,
    );
    if let Some(a) = body.attribute("alias") {
        diagnostics.push(Diagnostic::error(
            codes::UNSUPPORTED_ARGUMENT,
            "Unsupported argument",
            "Aliased mock providers are not supported yet; mock the default configuration.",
            a.name_span,
        ));
    }
    let mut mock = MockProvider {
        name,
        span: block.span,
        during_plan: override_during(body, diagnostics),
        resources: Vec::new(),
        data: Vec::new(),
        overrides: Vec::new(),
    };
    for inner in &body.blocks {
        match inner.type_name.as_str() {
            "mock_resource" | "mock_data" => {
                check_body(
                    &inner.body,
                    &format!("a {} block", inner.type_name),
                    &["defaults", "override_during"],
                    &[],
                    diagnostics,
                );
                let Some(type_name) = one_label(inner, &inner.type_name, diagnostics) else {
                    continue;
                };
                let defaults = inner.body.attribute("defaults").map(|a| a.expr.clone());
                if inner.type_name == "mock_resource" {
                    mock.resources.push((type_name, defaults));
                } else {
                    mock.data.push((type_name, defaults));
                }
            }
            "override_resource" | "override_data" => {
                if let Some(o) = lower_override(inner, diagnostics) {
                    mock.overrides.push(o);
                }
            }
            _ => {}
        }
    }
    Some(mock)
}
