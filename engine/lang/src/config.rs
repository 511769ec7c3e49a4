//! A stack's configuration: the `.tf` files of one directory lowered into
//! typed blocks (variables, locals, resources, outputs, …) with their
//! spans, plus structural checks (unknown blocks and arguments, duplicate
//! names, misplaced meta-arguments).
//!
//! Lowering never stops at the first problem; every diagnostic is kept.

use crate::ast::{Attribute, Block, Body, Expr, ExprKind};
use crate::modules::{module_key, Manifest};
use crate::parser::parse_body;
use crate::suggest::did_you_mean;
use crate::types::{parse_type_constraint, TypeConstraint};
use std::collections::BTreeMap;
use std::path::Path;
use strata_types::{Diagnostic, Diagnostics, SourceMap, Span};

#[derive(Debug, Default)]
pub struct Config {
    pub variables: Vec<Variable>,
    pub locals: Vec<Attribute>,
    pub resources: Vec<Resource>,
    pub modules: Vec<ModuleCall>,
    pub outputs: Vec<Output>,
    pub providers: Vec<Block>,
    pub terraform: Vec<Block>,
    /// `moved`, `import`, `removed` and `check` blocks.
    pub other: Vec<Block>,
}

#[derive(Debug)]
pub struct Variable {
    pub name: String,
    pub span: Span,
    pub constraint: Option<TypeConstraint>,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
}

#[derive(Debug)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Managed,
    Data,
}

#[derive(Debug)]
pub struct Resource {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    pub span: Span,
    pub body: Body,
}

impl Resource {
    pub fn address(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.type_name, self.name),
            Mode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }
}

#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
    pub span: Span,
    pub body: Body,
}

#[derive(Debug)]
pub struct Output {
    pub name: String,
    pub span: Span,
    pub value: Option<Expr>,
    pub sensitive: bool,
    pub body: Body,
}

pub struct LoadedStack {
    pub sources: SourceMap,
    pub config: Config,
    pub diagnostics: Diagnostics,
    /// The directory the root module was read from.
    pub dir: std::path::PathBuf,
    /// Child modules with local sources, by the name of their call.
    pub children: BTreeMap<String, ChildModule>,
}

impl LoadedStack {
    /// Every module's configuration: the root's, then each call's
    /// followed by its own calls' (by call name, however deep).
    pub fn configs(&self) -> Vec<&Config> {
        fn walk<'a>(children: &'a BTreeMap<String, ChildModule>, out: &mut Vec<&'a Config>) {
            for child in children.values() {
                out.push(&child.config);
                walk(&child.children, out);
            }
        }
        let mut out = vec![&self.config];
        walk(&self.children, &mut out);
        out
    }
}

/// A module called from another, read from its local source directory.
#[derive(Debug)]
pub struct ChildModule {
    pub dir: std::path::PathBuf,
    pub config: Config,
    pub children: BTreeMap<String, ChildModule>,
}

/// Calls nested deeper than this are reported as a likely cycle.
const MAX_MODULE_DEPTH: usize = 16;

/// The names of the `*.tf` and `*.tf.json` files of `dir`, sorted.
fn configuration_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| (n.ends_with(".tf") || n.ends_with(".tf.json")) && !n.starts_with('.'))
        .collect();
    names.sort();
    Ok(names)
}

/// Reads every `*.tf` and `*.tf.json` file of `dir` (sorted by name).
pub fn load_directory(dir: &Path) -> std::io::Result<LoadedStack> {
    load_installed(dir, dir, "")
}

/// Reads the module in `dir` as a root module whose own calls were
/// installed by the stack in `root` under `key` (a test run's module:
/// `strata init` of the stack installs what it calls).
pub fn load_installed(dir: &Path, root: &Path, key: &str) -> std::io::Result<LoadedStack> {
    let names = configuration_files(dir)?;
    let mut files = Vec::new();
    for name in names {
        let text = decode_source(std::fs::read(dir.join(&name))?);
        files.push((name, text));
    }
    let mut stack = load_decoded(files);
    stack.dir = dir.to_path_buf();
    let calls = module_calls(&stack.config);
    let manifest = Manifest::read(root);
    stack.children = load_children(
        root,
        dir,
        key,
        &manifest,
        &calls,
        &mut stack.sources,
        &mut stack.diagnostics,
        1,
    )?;
    Ok(stack)
}

#[allow(clippy::too_many_arguments)]
fn load_children(
    root: &Path,
    dir: &Path,
    parent_key: &str,
    manifest: &Manifest,
    calls: &[CallSource],
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    depth: usize,
) -> std::io::Result<BTreeMap<String, ChildModule>> {
    let mut children = BTreeMap::new();
    for call in calls {
        let (name, span) = (&call.name, &call.span);
        let Some(source) = &call.source else { continue };
        let key = module_key(parent_key, name);
        let Some(child_dir) = resolve_call(root, dir, &key, manifest, call, diagnostics) else {
            continue;
        };
        if depth > MAX_MODULE_DEPTH {
            diagnostics.push(Diagnostic::error(strata_types::codes::MODULE_CALLS_NESTED_TOO_DEEPLY, "Module calls nested too deeply", format!("Module calls are nested more than {MAX_MODULE_DEPTH} deep here; check for a module that calls itself."), *span));
            continue;
        }
        if !child_dir.is_dir() {
            let text = literal_string(source).unwrap_or_default();
            diagnostics.push(Diagnostic::error(strata_types::codes::MODULE_NOT_FOUND, "Module not found", format!("There is no directory at {text:?} (relative to the calling module) for module \"{name}\"."), source.span));
            continue;
        }
        let config = load_module_dir(root, &child_dir, sources, diagnostics)?;
        let calls = module_calls(&config);
        let grandchildren = load_children(
            root,
            &child_dir,
            &key,
            manifest,
            &calls,
            sources,
            diagnostics,
            depth + 1,
        )?;
        children.insert(
            name.clone(),
            ChildModule {
                dir: child_dir,
                config,
                children: grandchildren,
            },
        );
    }
    Ok(children)
}

/// What loading needs of a module call.
#[derive(Clone, Debug)]
pub struct CallSource {
    pub name: String,
    pub source: Option<Expr>,
    pub version: Option<Expr>,
    pub span: Span,
}

/// Each module call's name, source and version expressions and span.
pub fn module_calls(config: &Config) -> Vec<CallSource> {
    config
        .modules
        .iter()
        .map(|m| CallSource {
            name: m.name.clone(),
            source: m.body.attribute("source").map(|a| a.expr.clone()),
            version: m.body.attribute("version").map(|a| a.expr.clone()),
            span: m.span,
        })
        .collect()
}

/// The directory a module call's code is in: beside the caller for a
/// local source, where `strata init` installed it otherwise (checked
/// against the manifest: the source and version it was installed for).
pub fn resolve_call(
    root: &Path,
    dir: &Path,
    key: &str,
    manifest: &Manifest,
    call: &CallSource,
    diagnostics: &mut Diagnostics,
) -> Option<std::path::PathBuf> {
    use strata_types::codes;
    let source = call.source.as_ref()?;
    let constraint = match &call.version {
        None => None,
        Some(expr) => match literal_string(expr).map(|t| crate::versions::Constraint::parse(&t)) {
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => {
                diagnostics.push(Diagnostic::error(
                    codes::INVALID_VERSION_CONSTRAINT,
                    "Invalid version constraint",
                    format!("The module's version constraint is not valid: {e}."),
                    expr.span,
                ));
                return None;
            }
            None => {
                diagnostics.push(Diagnostic::error(
                    codes::INVALID_VERSION_CONSTRAINT,
                    "Invalid version constraint",
                    "A module's version must be a literal string, such as \"~> 5.0\".",
                    expr.span,
                ));
                return None;
            }
        },
    };
    let Some(text) = literal_string(source) else {
        diagnostics.push(Diagnostic::error(
            codes::INVALID_MODULE_SOURCE,
            "Invalid module source",
            "The module source must be a literal string, such as \"./modules/vpc\".",
            source.span,
        ));
        return None;
    };
    if crate::modules::is_local(&text) {
        if let (Some(_), Some(expr)) = (&constraint, &call.version) {
            diagnostics.push(Diagnostic::error(codes::INVALID_VERSION_CONSTRAINT, "Invalid version constraint", "A version constraint applies only to modules from a registry; a local module has no versions. Remove the version argument.", expr.span));
            return None;
        }
        return Some(crate::modules::lexical(&dir.join(&text)));
    }
    let run_init = "Run \"strata init\" to install all modules required by this configuration.";
    let Some(entry) = manifest.entry(key) else {
        diagnostics.push(Diagnostic::error(
            codes::MODULE_NOT_INSTALLED,
            "Module not installed",
            format!("Module \"{key}\" ({text}) is not yet installed. {run_init}"),
            source.span,
        ));
        return None;
    };
    if !crate::modules::same_source(&entry.source, &text) {
        diagnostics.push(Diagnostic::error(
            codes::MODULE_SOURCE_CHANGED,
            "Module source has changed",
            format!(
                "The source address of module \"{key}\" was changed since it was installed (from {:?} to {text:?}). {run_init}",
                entry.source
            ),
            source.span,
        ));
        return None;
    }
    if let Some(constraint) = &constraint {
        let acceptable = entry
            .version
            .as_deref()
            .and_then(crate::versions::Version::parse)
            .is_some_and(|v| constraint.allows(&v));
        if !acceptable {
            diagnostics.push(Diagnostic::error(
                codes::MODULE_VERSION_CHANGED,
                "Module version requirements have changed",
                format!(
                    "The version requirements of module \"{key}\" have changed since it was installed, and the installed version ({}) is no longer acceptable. {run_init}",
                    entry.version.as_deref().unwrap_or("none")
                ),
                call.version.as_ref().map_or(source.span, |e| e.span),
            ));
            return None;
        }
    }
    let installed = Manifest::dir_of(root, entry);
    if !installed.is_dir() {
        diagnostics.push(Diagnostic::error(
            codes::MODULE_NOT_INSTALLED,
            "Module not installed",
            format!("Module \"{key}\" is listed as installed in {}, but its directory is missing. {run_init}", entry.dir),
            source.span,
        ));
        return None;
    }
    Some(installed)
}

/// Reads and lowers the `*.tf` and `*.tf.json` files of one module's
/// directory, naming them relative to the root module's directory.
pub fn load_module_dir(
    root: &Path,
    dir: &Path,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
) -> std::io::Result<Config> {
    let names = configuration_files(dir)?;
    let mut parsed = Vec::new();
    for file_name in names {
        let text = decode_source(std::fs::read(dir.join(&file_name))?);
        let shown = dir.join(&file_name);
        let shown = shown
            .strip_prefix(root)
            .unwrap_or(&shown)
            .to_string_lossy()
            .replace("/./", "/");
        let is_override = crate::overrides::is_override_file(&file_name);
        parsed.push((is_override, parse_file(sources, shown, text, diagnostics)));
    }
    Ok(lower_module(parsed, diagnostics))
}

/// Parses and lowers the given files.
/// A configuration file's text as read: a UTF-8 byte-order mark is
/// dropped (Terraform accepts one), and each run of bytes that is not
/// UTF-8 becomes U+FFFD, its offset in the text kept so that
/// [`check_encoding`] can accept it in a comment and refuse it anywhere
/// else.
pub struct Decoded {
    pub text: String,
    pub invalid: Vec<usize>,
}

pub fn decode_source(bytes: Vec<u8>) -> Decoded {
    decode_with(&bytes, |text, _| text.push(char::REPLACEMENT_CHARACTER))
}

/// Drops a byte-order mark and lets `invalid_run` write each run of bytes
/// that is not UTF-8, recording where each run starts in the text.
fn decode_with(bytes: &[u8], mut invalid_run: impl FnMut(&mut String, &[u8])) -> Decoded {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut text = String::with_capacity(bytes.len());
    let mut invalid = Vec::new();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            invalid.push(text.len());
            invalid_run(&mut text, chunk.invalid());
        }
    }
    Decoded { text, invalid }
}

/// A file's bytes as text that `fmt` can lay out and write back byte for
/// byte: each byte that is not UTF-8 (Terraform keeps them in comments)
/// stands as one private-use character of a block the file does not use,
/// and [`Lossless::restore`] turns those characters back into the bytes.
pub struct Lossless {
    pub decoded: Decoded,
    base: u32,
}

impl Lossless {
    pub fn decode(bytes: &[u8]) -> Lossless {
        // Supplementary Private Use Area-B, one 256-character block per
        // candidate, from the top down; a file cannot use all of them.
        let mut base = 0x10_FF00;
        if bytes.utf8_chunks().any(|c| !c.invalid().is_empty()) {
            let used: std::collections::HashSet<u32> = String::from_utf8_lossy(bytes)
                .chars()
                .map(|c| u32::from(c) & !0xFF)
                .collect();
            while used.contains(&base) {
                base -= 0x100;
            }
        }
        let decoded = decode_with(bytes, |text, run| {
            text.extend(run.iter().map(|b| placeholder(base, *b)));
        });
        Lossless { decoded, base }
    }

    pub fn restore(&self, text: &str) -> Vec<u8> {
        if self.decoded.invalid.is_empty() {
            return text.as_bytes().to_vec();
        }
        let mut out = Vec::with_capacity(text.len());
        let mut buf = [0; 4];
        for c in text.chars() {
            match u32::from(c).checked_sub(self.base) {
                Some(b @ 0..=0xFF) => out.push(b as u8),
                _ => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
            }
        }
        out
    }
}

fn placeholder(base: u32, byte: u8) -> char {
    char::from_u32(base + u32::from(byte)).expect("private-use code points are chars")
}

/// Bytes that were not UTF-8 are an error outside comments (in a string
/// they would silently become U+FFFD), as in Terraform. `text` is the
/// decoded text as added to the source map as `file`.
pub fn check_encoding(file: u32, text: &str, json: bool, invalid: &[usize]) -> Option<Diagnostic> {
    let first = *invalid.first()?;
    let outside = if json {
        Some(first)
    } else {
        // Tokens are slices of `text`: their offsets follow from that.
        let comments: Vec<std::ops::Range<usize>> = crate::lexer::tokenize(text)
            .iter()
            .filter(|t| t.kind == crate::lexer::TokenKind::Comment)
            .map(|t| {
                let start = t.text.as_ptr() as usize - text.as_ptr() as usize;
                start..start + t.text.len()
            })
            .collect();
        invalid
            .iter()
            .copied()
            .find(|i| !comments.iter().any(|c| c.contains(i)))
    }?;
    Some(Diagnostic::error(
        strata_types::codes::INVALID_CHARACTER_ENCODING,
        "Invalid character encoding",
        "All input files must be UTF-8 encoded; this is not. Ensure that UTF-8 encoding is selected in your editor.",
        Span::new(file, outside, outside + text[outside..].chars().next().map_or(1, char::len_utf8)),
    ))
}

/// Adds a file to `sources` and parses it as native syntax or JSON by its
/// name.
pub(crate) fn parse_file(
    sources: &mut SourceMap,
    name: String,
    Decoded { text, invalid }: Decoded,
    diagnostics: &mut Diagnostics,
) -> Body {
    let json = name.ends_with(".json");
    let file = sources.add(name, text);
    let text = &sources.get(file).expect("just added").text;
    if let Some(d) = check_encoding(file, text, json, &invalid) {
        diagnostics.push(d);
        return Body::default();
    }
    let parsed = if json {
        crate::json_config::parse_json_body(text, file)
    } else {
        parse_body(text, file)
    };
    diagnostics.extend(parsed.diagnostics);
    parsed.value
}

pub fn load_sources(files: Vec<(String, String)>) -> LoadedStack {
    load_decoded(
        files
            .into_iter()
            .map(|(name, text)| {
                (
                    name,
                    Decoded {
                        text,
                        invalid: Vec::new(),
                    },
                )
            })
            .collect(),
    )
}

fn load_decoded(files: Vec<(String, Decoded)>) -> LoadedStack {
    let mut sources = SourceMap::default();
    let mut diagnostics = Diagnostics::default();
    let mut parsed = Vec::new();
    for (name, decoded) in files {
        let is_override = crate::overrides::is_override_file(&name);
        parsed.push((
            is_override,
            parse_file(&mut sources, name, decoded, &mut diagnostics),
        ));
    }
    let config = lower_module(parsed, &mut diagnostics);
    LoadedStack {
        sources,
        config,
        diagnostics,
        dir: std::path::PathBuf::from("."),
        children: BTreeMap::new(),
    }
}

const TOP_LEVEL: &[&str] = &[
    "terraform",
    "provider",
    "variable",
    "locals",
    "resource",
    "data",
    "module",
    "output",
    "moved",
    "import",
    "removed",
    "check",
];

/// "A" or "An" before a word, capitalized for the start of a sentence.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "An"
    } else {
        "A"
    }
}

fn labels_required(
    block: &Block,
    count: usize,
    names: &str,
    diagnostics: &mut Diagnostics,
) -> bool {
    if block.labels.len() != count {
        let detail = if block.labels.len() < count {
            format!("{} \"{}\" block requires {count} label(s): {names}. Add the missing label in quotes after the block type.", article(&block.type_name), block.type_name)
        } else {
            format!(
                "{} \"{}\" block takes only {count} label(s): {names}. Remove the extra labels.",
                article(&block.type_name),
                block.type_name
            )
        };
        let summary = if block.labels.len() < count {
            "Missing name for block"
        } else {
            "Extraneous label for block"
        };
        diagnostics.push(Diagnostic::error(
            strata_types::codes::BLOCK_LABELS,
            summary,
            detail,
            block.type_span,
        ));
        return false;
    }
    true
}

pub(crate) fn check_body(
    body: &Body,
    context: &str,
    arguments: &[&str],
    blocks: &[&str],
    diagnostics: &mut Diagnostics,
) {
    for attribute in &body.attributes {
        if !arguments.contains(&attribute.name.as_str()) {
            let suggestion = did_you_mean(&attribute.name, arguments.iter().copied());
            let detail = if blocks.contains(&attribute.name.as_str()) {
                format!("\"{}\" is a block in {context}, not an argument. Write it as {} {{ … }} without the equals sign.", attribute.name, attribute.name)
            } else {
                format!(
                    "An argument named \"{}\" is not expected in {context}.{suggestion}",
                    attribute.name
                )
            };
            diagnostics.push(Diagnostic::error(
                strata_types::codes::UNSUPPORTED_ARGUMENT,
                "Unsupported argument",
                detail,
                attribute.name_span,
            ));
        }
    }
    for block in &body.blocks {
        if !blocks.contains(&block.type_name.as_str()) {
            let suggestion = did_you_mean(&block.type_name, blocks.iter().copied());
            let detail = if arguments.contains(&block.type_name.as_str()) {
                format!("\"{}\" is an argument in {context}, not a block. Set it with an equals sign: {} = …", block.type_name, block.type_name)
            } else {
                format!(
                    "Blocks of type \"{}\" are not expected in {context}.{suggestion}",
                    block.type_name
                )
            };
            diagnostics.push(Diagnostic::error(
                strata_types::codes::UNSUPPORTED_BLOCK_TYPE,
                "Unsupported block type",
                detail,
                block.type_span,
            ));
        }
    }
}

pub(crate) fn literal_bool(
    attribute: Option<&Attribute>,
    diagnostics: &mut Diagnostics,
) -> Option<bool> {
    let attribute = attribute?;
    match &attribute.expr.kind {
        ExprKind::Literal(v) if v.as_bool().is_some() => v.as_bool(),
        _ => {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::INVALID_VALUE,
                "Invalid value",
                format!(
                    "The \"{}\" argument requires a literal true or false here.",
                    attribute.name
                ),
                attribute.expr.span,
            ));
            None
        }
    }
}

pub use crate::ast::literal_string;

const META_RESOURCE: &[&str] = &["count", "for_each", "depends_on", "provider"];

/// A module's configuration from its parsed files (whether each is an
/// override file, and its body, in name order): override files are merged
/// into the primary files' blocks before anything is lowered.
fn lower_module(parsed: Vec<(bool, Body)>, diagnostics: &mut Diagnostics) -> Config {
    let (overrides, primary): (Vec<_>, Vec<_>) = parsed.into_iter().partition(|(o, _)| *o);
    let mut primary: Vec<Body> = primary.into_iter().map(|(_, b)| b).collect();
    let overrides = overrides.into_iter().map(|(_, b)| b).collect();
    crate::overrides::merge(&mut primary, overrides, diagnostics);
    let mut config = Config::default();
    for body in primary {
        lower_file(body, &mut config, diagnostics);
    }
    check_duplicates(&config, diagnostics);
    // Kept for the whole run: no spare room (see the parser's bodies).
    config.resources.shrink_to_fit();
    config.locals.shrink_to_fit();
    config
}

fn lower_file(body: Body, config: &mut Config, diagnostics: &mut Diagnostics) {
    for attribute in &body.attributes {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::UNSUPPORTED_ARGUMENT,
            "Unsupported argument",
            format!(
                "An argument named \"{}\" is not expected at the top level of a configuration file. Arguments belong inside a block such as locals {{ … }}.",
                attribute.name
            ),
            attribute.name_span,
        ));
    }
    for mut block in body.blocks {
        match block.type_name.as_str() {
            "terraform" => {
                if labels_required(&block, 0, "none", diagnostics) {
                    check_body(
                        &block.body,
                        "a terraform block",
                        &["required_version", "experiments", "language"],
                        &["required_providers", "backend", "cloud", "provider_meta"],
                        diagnostics,
                    );
                    config.terraform.push(block);
                }
            }
            "provider" => {
                if labels_required(&block, 1, "the provider name", diagnostics) {
                    config.providers.push(block);
                }
            }
            "variable" => {
                if labels_required(&block, 1, "the variable name", diagnostics) {
                    lower_variable(&block, config, diagnostics);
                }
            }
            "locals" => {
                if labels_required(&block, 0, "none", diagnostics) {
                    for nested in &block.body.blocks {
                        diagnostics.push(Diagnostic::error(
                            strata_types::codes::UNSUPPORTED_BLOCK_TYPE,
                            "Unsupported block type",
                            format!("Blocks of type \"{}\" are not expected in a locals block; it holds only name = value arguments.", nested.type_name),
                            nested.type_span,
                        ));
                    }
                    config.locals.extend(block.body.attributes);
                }
            }
            "resource" | "data" => {
                let mode = if block.type_name == "resource" {
                    Mode::Managed
                } else {
                    Mode::Data
                };
                if labels_required(
                    &block,
                    2,
                    "the resource type and the resource name",
                    diagnostics,
                ) {
                    check_resource_meta(&block, mode, diagnostics);
                    config.resources.push(Resource {
                        mode,
                        type_name: std::mem::take(&mut block.labels[0].value),
                        name: std::mem::take(&mut block.labels[1].value),
                        span: block.span,
                        body: block.body,
                    });
                }
            }
            "module" => {
                if labels_required(&block, 1, "the module name", diagnostics) {
                    if block.body.attribute("source").is_none() {
                        diagnostics.push(Diagnostic::error(
                            strata_types::codes::MISSING_REQUIRED_ARGUMENT,
                            "Missing required argument",
                            "The argument \"source\" is required in a module block: it says where the module's code is, such as \"./modules/vpc\".",
                            block.type_span,
                        ));
                    }
                    config.modules.push(ModuleCall {
                        name: std::mem::take(&mut block.labels[0].value),
                        span: block.span,
                        body: block.body,
                    });
                }
            }
            "output" => {
                if labels_required(&block, 1, "the output name", diagnostics) {
                    check_body(
                        &block.body,
                        "an output block",
                        &[
                            "value",
                            "description",
                            "sensitive",
                            "depends_on",
                            "ephemeral",
                        ],
                        &["precondition"],
                        diagnostics,
                    );
                    if block.body.attribute("value").is_none() {
                        diagnostics.push(Diagnostic::error(
                            strata_types::codes::MISSING_REQUIRED_ARGUMENT,
                            "Missing required argument",
                            "The argument \"value\" is required in an output block. Add value = <expression>.",
                            block.type_span,
                        ));
                    }
                    let sensitive = literal_bool(block.body.attribute("sensitive"), diagnostics)
                        .unwrap_or(false);
                    config.outputs.push(Output {
                        name: std::mem::take(&mut block.labels[0].value),
                        span: block.span,
                        value: block.body.attribute("value").map(|a| a.expr.clone()),
                        sensitive,
                        body: block.body,
                    });
                }
            }
            "moved" => {
                if labels_required(&block, 0, "none", diagnostics) {
                    check_body(
                        &block.body,
                        "a moved block",
                        &["from", "to"],
                        &[],
                        diagnostics,
                    );
                    config.other.push(block);
                }
            }
            "import" => {
                if labels_required(&block, 0, "none", diagnostics) {
                    check_body(
                        &block.body,
                        "an import block",
                        &["to", "id", "provider", "for_each", "identity"],
                        &[],
                        diagnostics,
                    );
                    config.other.push(block);
                }
            }
            "removed" => {
                if labels_required(&block, 0, "none", diagnostics) {
                    check_body(
                        &block.body,
                        "a removed block",
                        &["from"],
                        &["lifecycle", "provisioner"],
                        diagnostics,
                    );
                    config.other.push(block);
                }
            }
            "check" => {
                if labels_required(&block, 1, "the check name", diagnostics) {
                    check_body(
                        &block.body,
                        "a check block",
                        &[],
                        &["data", "assert"],
                        diagnostics,
                    );
                    config.other.push(block);
                }
            }
            other => {
                let suggestion = did_you_mean(other, TOP_LEVEL.iter().copied());
                diagnostics.push(Diagnostic::error(
                    strata_types::codes::UNSUPPORTED_BLOCK_TYPE,
                    "Unsupported block type",
                    format!("Blocks of type \"{other}\" are not expected here.{suggestion}"),
                    block.type_span,
                ));
            }
        }
    }
}

fn lower_variable(block: &Block, config: &mut Config, diagnostics: &mut Diagnostics) {
    let body = &block.body;
    check_body(
        body,
        "a variable block",
        &[
            "type",
            "default",
            "description",
            "sensitive",
            "nullable",
            "ephemeral",
        ],
        &["validation"],
        diagnostics,
    );
    let name = block.labels[0].value.clone();
    const RESERVED: &[&str] = &[
        "source",
        "version",
        "providers",
        "count",
        "for_each",
        "lifecycle",
        "depends_on",
        "locals",
    ];
    if RESERVED.contains(&name.as_str()) {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::INVALID_VARIABLE_NAME,
            "Invalid variable name",
            format!("The variable name \"{name}\" is reserved due to its special meaning inside module blocks. Choose another name."),
            block.labels[0].span,
        ));
    }
    let constraint = body.attribute("type").and_then(|a| {
        let parsed = parse_type_constraint(&a.expr);
        diagnostics.extend(parsed.diagnostics);
        parsed.value
    });
    let mut validations = Vec::new();
    for v in body.blocks_of("validation") {
        check_body(
            &v.body,
            "a validation block",
            &["condition", "error_message"],
            &[],
            diagnostics,
        );
        match (
            v.body.attribute("condition"),
            v.body.attribute("error_message"),
        ) {
            (Some(c), Some(m)) => validations.push(Validation {
                condition: c.expr.clone(),
                error_message: m.expr.clone(),
            }),
            _ => diagnostics.push(Diagnostic::error(
                strata_types::codes::MISSING_REQUIRED_ARGUMENT,
                "Missing required argument",
                "A validation block needs both \"condition\" and \"error_message\".",
                v.type_span,
            )),
        }
    }
    config.variables.push(Variable {
        name,
        span: block.span,
        constraint,
        default: body.attribute("default").map(|a| a.expr.clone()),
        description: body
            .attribute("description")
            .and_then(|a| literal_string(&a.expr)),
        sensitive: literal_bool(body.attribute("sensitive"), diagnostics).unwrap_or(false),
        nullable: literal_bool(body.attribute("nullable"), diagnostics).unwrap_or(true),
        validations,
    });
}

fn check_resource_meta(block: &Block, mode: Mode, diagnostics: &mut Diagnostics) {
    let body = &block.body;
    if body.attribute("count").is_some() && body.attribute("for_each").is_some() {
        let span = body
            .attribute("for_each")
            .map(|a| a.name_span)
            .unwrap_or(block.type_span);
        diagnostics.push(Diagnostic::error(
            strata_types::codes::COUNT_AND_FOR_EACH,
            "Invalid combination of \"count\" and \"for_each\"",
            "The \"count\" and \"for_each\" meta-arguments are mutually exclusive, only one should be used to be explicit about the number of resources to be created.",
            span,
        ));
    }
    // One lifecycle block: a second would silently decide nothing or
    // override the first.
    for extra in body.blocks_of("lifecycle").skip(1) {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::DUPLICATE_LIFECYCLE_BLOCK,
            "Duplicate lifecycle block",
            "This resource already has a lifecycle block. Merge the two into one.",
            extra.type_span,
        ));
    }
    for lifecycle in body.blocks_of("lifecycle") {
        let (arguments, blocks): (&[&str], &[&str]) = match mode {
            Mode::Managed => (
                &[
                    "create_before_destroy",
                    "prevent_destroy",
                    "ignore_changes",
                    "replace_triggered_by",
                ],
                &["precondition", "postcondition"],
            ),
            Mode::Data => (&[], &["precondition", "postcondition"]),
        };
        check_body(
            &lifecycle.body,
            "a lifecycle block",
            arguments,
            blocks,
            diagnostics,
        );
        for condition in lifecycle
            .body
            .blocks
            .iter()
            .filter(|b| b.type_name.ends_with("condition"))
        {
            check_body(
                &condition.body,
                &format!("a {} block", condition.type_name),
                &["condition", "error_message"],
                &[],
                diagnostics,
            );
        }
    }
    for dynamic in body.blocks_of("dynamic") {
        check_dynamic(dynamic, diagnostics);
    }
    let _ = META_RESOURCE;
}

fn check_dynamic(block: &Block, diagnostics: &mut Diagnostics) {
    if block.labels.len() != 1 {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::BLOCK_LABELS,
            "Missing name for block",
            "A dynamic block needs one label: the type of the nested block it generates, such as dynamic \"ingress\".",
            block.type_span,
        ));
    }
    check_body(
        &block.body,
        "a dynamic block",
        &["for_each", "iterator", "labels"],
        &["content"],
        diagnostics,
    );
    if block.body.attribute("for_each").is_none() {
        diagnostics.push(Diagnostic::error(
            strata_types::codes::MISSING_REQUIRED_ARGUMENT,
            "Missing required argument",
            "The argument \"for_each\" is required in a dynamic block: it gives the collection to generate blocks from.",
            block.type_span,
        ));
    }
    match block.body.blocks_of("content").count() {
        1 => {}
        0 => diagnostics.push(Diagnostic::error(
            strata_types::codes::MISSING_REQUIRED_ARGUMENT,
            "Missing content block",
            "A dynamic block needs exactly one nested content { … } block describing each generated block.",
            block.type_span,
        )),
        _ => diagnostics.push(Diagnostic::error(
            strata_types::codes::DUPLICATE_CONTENT_BLOCK,
            "Duplicate content block",
            "A dynamic block may contain only one content block.",
            block.type_span,
        )),
    }
    for content in block.body.blocks_of("content") {
        for nested in content.body.blocks_of("dynamic") {
            check_dynamic(nested, diagnostics);
        }
    }
}

fn check_duplicates(config: &Config, diagnostics: &mut Diagnostics) {
    fn dup(items: impl Iterator<Item = (String, Span)>, what: &str, diagnostics: &mut Diagnostics) {
        let mut seen: std::collections::HashMap<String, Span> = std::collections::HashMap::new();
        for (name, span) in items {
            if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(name.clone()) {
                slot.insert(span);
            } else {
                diagnostics.push(Diagnostic::error(
                    strata_types::codes::DUPLICATE_DECLARATION,
                    format!("Duplicate {what} declaration"),
                    format!("A {what} named \"{name}\" was already declared. Names must be unique within a module; rename or remove one of them."),
                    span,
                ));
            }
        }
    }
    dup(
        config.variables.iter().map(|v| (v.name.clone(), v.span)),
        "variable",
        diagnostics,
    );
    dup(
        config.locals.iter().map(|l| (l.name.clone(), l.name_span)),
        "local value",
        diagnostics,
    );
    dup(
        config.outputs.iter().map(|o| (o.name.clone(), o.span)),
        "output",
        diagnostics,
    );
    dup(
        config.modules.iter().map(|m| (m.name.clone(), m.span)),
        "module call",
        diagnostics,
    );
    dup(
        config.resources.iter().map(|r| (r.address(), r.span)),
        "resource",
        diagnostics,
    );
}
