//! Provider plugins: how the CLI configuration says to install them
//! (`provider_installation`, `plugin_cache_dir`, `TF_PLUGIN_CACHE_DIR`),
//! `strata init`'s provider step, and the registry a command runs with —
//! the built-in providers, with every plugin the lock file selects in
//! place of a built-in of the same name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use strata_core::ops::providers::{
    install_providers, locked_packages, InstallOptions, Installation, Method, MethodKind,
    ProviderEvent,
};
use strata_lang::ast::{literal_string, Block, ExprKind};
use strata_lang::requirements::SourceAddr;
use strata_provider::Registry;
use strata_provider_plugin::{cache, Package, PluginProvider, Timeouts};
use strata_types::{codes, Diagnostic, Diagnostics, SourceMap};

/// Where plugin schemas are cached, under the working directory.
const SCHEMA_CACHE: &str = ".terraform/strata/schemas";

/// The CLI configuration file: TF_CLI_CONFIG_FILE, else ~/.terraformrc.
pub(crate) fn cli_config_path() -> Option<PathBuf> {
    match std::env::var_os("TF_CLI_CONFIG_FILE") {
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".terraformrc")),
    }
}

/// The CLI configuration's top-level blocks and attributes, parsed; an
/// absent or unreadable file is an empty one.
pub(crate) fn cli_config(sources: &mut SourceMap) -> Result<strata_lang::ast::Body, Diagnostics> {
    let Some(path) = cli_config_path() else {
        return Ok(strata_lang::ast::Body::default());
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(strata_lang::ast::Body::default());
    };
    let file = sources.add(path.display().to_string(), text.clone());
    let parsed = strata_lang::parser::parse_body(&text, file);
    if parsed.diagnostics.has_errors() {
        return Err(parsed.diagnostics);
    }
    Ok(parsed.value)
}

fn strings(expr: &strata_lang::ast::Expr) -> Option<Vec<String>> {
    match &expr.kind {
        ExprKind::Tuple(items) => items.iter().map(literal_string).collect(),
        _ => None,
    }
}

fn invalid(span: strata_types::Span, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error(
        codes::INVALID_CLI_CONFIGURATION,
        "Invalid CLI configuration",
        detail,
        span,
    )
}

/// Terraform's implied local mirror directories, used when the CLI
/// configuration has no `provider_installation` block.
fn implied_mirrors(cwd: &Path) -> Vec<PathBuf> {
    let mut out = vec![cwd.join("terraform.d/plugins")];
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        out.push(home.join(".terraform.d/plugins"));
        match std::env::var_os("XDG_DATA_HOME") {
            Some(d) => out.push(PathBuf::from(d).join("terraform/plugins")),
            None => out.push(home.join(".local/share/terraform/plugins")),
        }
    }
    out.push(PathBuf::from("/usr/local/share/terraform/plugins"));
    out.push(PathBuf::from("/usr/share/terraform/plugins"));
    out
}

/// How providers are installed, from the CLI configuration.
pub(crate) fn installation(
    cwd: &Path,
    sources: &mut SourceMap,
) -> Result<Installation, Diagnostics> {
    let config = cli_config(sources)?;
    let mut diagnostics = Diagnostics::default();
    let mut out = Installation::default();
    if let Some(a) = config.attribute("plugin_cache_dir") {
        match literal_string(&a.expr) {
            Some(dir) => out.cache_dir = Some(PathBuf::from(dir)),
            None => diagnostics.push(invalid(a.expr.span, "plugin_cache_dir must be a string.")),
        }
    }
    if let Some(dir) = std::env::var_os("TF_PLUGIN_CACHE_DIR").filter(|d| !d.is_empty()) {
        out.cache_dir = Some(PathBuf::from(dir));
    }
    let blocks: Vec<&Block> = config.blocks_of("provider_installation").collect();
    if blocks.is_empty() {
        out.methods = implied_mirrors(cwd)
            .into_iter()
            .filter(|d| d.is_dir())
            .map(|d| Method {
                kind: MethodKind::FilesystemMirror(d),
                include: Vec::new(),
                exclude: Vec::new(),
            })
            .chain(std::iter::once(Method {
                kind: MethodKind::Direct { implied: true },
                include: Vec::new(),
                exclude: Vec::new(),
            }))
            .collect();
    }
    for block in blocks {
        for method in &block.body.blocks {
            let list = |name: &str, diagnostics: &mut Diagnostics| match method.body.attribute(name)
            {
                None => Vec::new(),
                Some(a) => strings(&a.expr).unwrap_or_else(|| {
                    diagnostics.push(invalid(
                        a.expr.span,
                        format!("{name} must be a list of strings."),
                    ));
                    Vec::new()
                }),
            };
            let include = list("include", &mut diagnostics);
            let exclude = list("exclude", &mut diagnostics);
            let kind = match method.type_name.as_str() {
                "filesystem_mirror" => match method
                    .body
                    .attribute("path")
                    .and_then(|a| literal_string(&a.expr))
                {
                    Some(p) => MethodKind::FilesystemMirror(PathBuf::from(p)),
                    None => {
                        diagnostics.push(invalid(
                            method.span,
                            "A filesystem_mirror needs path = \"DIR\".",
                        ));
                        continue;
                    }
                },
                "direct" => MethodKind::Direct { implied: false },
                "network_mirror" => match method
                    .body
                    .attribute("url")
                    .and_then(|a| literal_string(&a.expr))
                {
                    Some(url) => MethodKind::NetworkMirror(url),
                    None => {
                        diagnostics.push(invalid(
                            method.span,
                            "A network_mirror needs url = \"https://…/\".",
                        ));
                        continue;
                    }
                },
                "dev_overrides" => {
                    for a in &method.body.attributes {
                        dev_override(&a.name, &a.expr, &mut out, &mut diagnostics);
                    }
                    continue;
                }
                other => {
                    diagnostics.push(invalid(
                        method.type_span,
                        format!("\"{other}\" is not an installation method; use filesystem_mirror, network_mirror, direct or dev_overrides."),
                    ));
                    continue;
                }
            };
            out.methods.push(Method {
                kind,
                include,
                exclude,
            });
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(out)
}

fn dev_override(
    name: &str,
    expr: &strata_lang::ast::Expr,
    out: &mut Installation,
    diagnostics: &mut Diagnostics,
) {
    let source = match SourceAddr::parse(name) {
        Ok(s) => s,
        Err(e) => {
            diagnostics.push(invalid(expr.span, format!("{e}.")));
            return;
        }
    };
    match literal_string(expr) {
        Some(dir) => {
            out.dev_overrides.insert(source, PathBuf::from(dir));
        }
        None => diagnostics.push(invalid(
            expr.span,
            "A dev override is \"SOURCE\" = \"DIRECTORY\".",
        )),
    }
}

/// The providers built into Strata, unconfigured.
pub fn builtin_registry() -> Registry {
    let mut registry = Registry::default();
    strata_provider_builtin::register_all(&mut registry);
    registry.register(Arc::new(strata_provider_aws::AwsProvider::default()));
    registry.register(Arc::new(strata_provider_gpu::GpuProvider::default()));
    registry
}

/// Whether Strata has the provider at `source` built in.
pub(crate) fn is_builtin(builtins: &Registry, source: &SourceAddr) -> bool {
    builtins.get(&source.type_name).is_some()
        && source.to_string() == strata_provider::default_source(&source.type_name)
}

fn schema_cache_path(root: &Path, source: &SourceAddr, version: &str) -> PathBuf {
    root.join(SCHEMA_CACHE)
        .join(&source.host)
        .join(&source.namespace)
        .join(&source.type_name)
        .join(format!(
            "{version}_{}.pb",
            strata_fetch::providers::target()
        ))
}

fn plugin_failed(detail: impl Into<String>) -> Diagnostic {
    Diagnostic::global(
        codes::PROVIDER_PLUGIN_FAILED,
        "Failed to start the provider plugin",
        detail,
    )
}

/// The plugin's schema, from the cache or by starting it once in a
/// runtime of its own (the process then exits).
fn schema_of(
    package: &Package,
    cache_path: &Path,
) -> Result<strata_provider_plugin::RawSchema, Diagnostic> {
    if let Some(raw) = cache::load(cache_path, &package.executable) {
        return Ok(raw);
    }
    let runtime = crate::signals::runtime(Some(1)).map_err(|e| plugin_failed(e.to_string()))?;
    let raw = runtime
        .block_on(strata_provider_plugin::fetch_schema(
            package,
            Timeouts::default(),
        ))
        .map_err(|e| plugin_failed(e.to_string()))?;
    if let Err(e) = cache::store(cache_path, &package.executable, &raw) {
        // Only slower next time: the schema is read from the plugin again.
        let _ = e;
    }
    Ok(raw)
}

fn plugin(package: Package, cache_path: &Path) -> Result<PluginProvider, Diagnostic> {
    let raw = schema_of(&package, cache_path)?;
    PluginProvider::from_schema(package, raw, Timeouts::default())
        .map_err(|e| plugin_failed(e.to_string()))
}

/// The providers a command in `root` runs with: the built-ins, and the
/// plugins the lock file selects (installed by `strata init`) and the
/// development overrides, each in place of a built-in of the same name.
pub(crate) fn registry_for(root: &Path) -> Result<Registry, Diagnostics> {
    let mut registry = builtin_registry();
    let mut sources = SourceMap::default();
    let packages = locked_packages(root, &mut sources)?;
    // Installation settings matter to `strata init`, which reports their
    // problems; here only the development overrides are read.
    let overrides: BTreeMap<SourceAddr, PathBuf> = installation(root, &mut sources)
        .map(|i| i.dev_overrides)
        .unwrap_or_default();
    let mut diagnostics = Diagnostics::default();
    for (source, installed) in packages {
        if overrides.contains_key(&source) {
            continue;
        }
        let package = Package {
            name: source.type_name.clone(),
            source: source.to_string(),
            version: installed.version.clone(),
            executable: installed.executable,
        };
        match plugin(
            package,
            &schema_cache_path(root, &source, &installed.version),
        ) {
            Ok(p) => registry.register(Arc::new(p)),
            Err(d) => diagnostics.push(d),
        }
    }
    for (source, dir) in overrides {
        let Some(executable) = strata_fetch::providers::executable(&dir, &source.type_name) else {
            diagnostics.push(plugin_failed(format!(
                "The development override for {source} names {}, which holds no terraform-provider-{} executable.",
                dir.display(),
                source.type_name
            )));
            continue;
        };
        let package = Package {
            name: source.type_name.clone(),
            source: source.to_string(),
            version: "0.0.0-dev".into(),
            executable,
        };
        match plugin(package, &schema_cache_path(root, &source, "dev")) {
            Ok(p) => registry.register(Arc::new(p)),
            Err(d) => diagnostics.push(d),
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(registry)
}

/// `strata init`'s provider step: installs, locks, and starts each
/// installed plugin once to read (and cache) its schema, so a package that
/// is not a plugin is found now.
pub(crate) fn init_providers(
    root: &Path,
    stack: &strata_lang::config::LoadedStack,
    (upgrade, fetcher): (bool, &strata_fetch::Fetcher),
    style: &crate::render::Style,
) -> Result<(), std::process::ExitCode> {
    let mut sources = SourceMap::default();
    let fail = |ds: &Diagnostics, sources: &SourceMap| {
        crate::report::report(&ds.0, sources, style);
        std::process::ExitCode::from(1)
    };
    let installation = installation(root, &mut sources).map_err(|ds| fail(&ds, &sources))?;
    let builtins = builtin_registry();
    let builtin = |s: &SourceAddr| is_builtin(&builtins, s);
    println!("Initializing provider plugins...");
    let mut on_event = |event: ProviderEvent| match event {
        ProviderEvent::BuiltIn { source } => println!("- {source} is built in"),
        ProviderEvent::DevOverride { source, dir } => {
            println!("- {source} runs the development override in {dir}")
        }
        ProviderEvent::Reusing { source, version } => {
            println!("- Reusing previous version of {source} ({version})")
        }
        ProviderEvent::Installing { source, version } => {
            println!("- Installing {source} v{version}...")
        }
        ProviderEvent::Installed {
            source,
            version,
            hash,
            signed_by,
        } => match signed_by {
            Some(key) => println!("- Installed {source} v{version} (signed, key ID {key}; {hash})"),
            None => println!("- Installed {source} v{version} ({hash})"),
        },
    };
    let installed = install_providers(
        root,
        stack,
        &installation,
        InstallOptions {
            upgrade,
            builtin: &builtin,
            fetcher,
        },
        &mut on_event,
    );
    if installed.diagnostics.has_errors() {
        return Err(fail(&installed.diagnostics, &installed.sources));
    }
    let mut diagnostics = Diagnostics::default();
    for (source, package) in &installed.packages {
        let p = Package {
            name: source.type_name.clone(),
            source: source.to_string(),
            version: package.version.clone(),
            executable: package.executable.clone(),
        };
        if let Err(d) = schema_of(&p, &schema_cache_path(root, source, &package.version)) {
            diagnostics.push(d);
        }
    }
    if diagnostics.has_errors() {
        return Err(fail(&diagnostics, &sources));
    }
    println!();
    Ok(())
}
