//! Module installation (`strata init`, `strata get`): every module call
//! whose source is not a local path is fetched into `.terraform/modules`
//! and listed in the manifest there, in Terraform's layout, so later
//! commands read modules offline (`strata_lang::config` refuses a call
//! whose source or version changed since).
//!
//! Each package is fetched into a scratch directory and renamed into
//! place only when complete: a failed fetch leaves nothing half-written
//! where the module goes. A package named by several calls is fetched
//! once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use strata_fetch::{Address, Fetcher, Source};
use strata_lang::ast::literal_string;
use strata_lang::config::{load_module_dir, module_calls, CallSource};
use strata_lang::modules::{
    is_local, lexical, module_key, same_source, Manifest, ManifestEntry, MANIFEST_PATH, MODULES_DIR,
};
use strata_lang::testfile::{discover, load_test_file, RunModule};
use strata_lang::versions::{Constraint, Version};
use strata_types::{codes, Diagnostic, Diagnostics, SourceMap, Span};

#[derive(Clone, Debug)]
pub struct InstallOptions {
    /// Fetch every remote module again, taking the newest versions the
    /// constraints allow (`init -upgrade`).
    pub upgrade: bool,
    /// Where test files are besides the stack's directory: their runs'
    /// modules are installed too, and the files checked.
    pub test_directory: String,
}

impl Default for InstallOptions {
    fn default() -> Self {
        InstallOptions {
            upgrade: false,
            test_directory: "tests".into(),
        }
    }
}

/// Progress, for the CLI to show as Terraform does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstallEvent {
    /// A remote package is being fetched for the call at `key`.
    Downloading {
        key: String,
        source: String,
        version: Option<String>,
    },
    /// The call at `key` reads its module from `dir` (relative to the root).
    Ready { key: String, dir: String },
}

pub struct Installed {
    /// The files read while walking the calls, for the diagnostics' frames.
    pub sources: SourceMap,
    pub diagnostics: Diagnostics,
    pub manifest: Manifest,
}

/// Calls nested deeper than this are not followed (loading reports them).
const MAX_DEPTH: usize = 16;

struct Installer<'a> {
    root: &'a Path,
    fetcher: &'a Fetcher,
    options: InstallOptions,
    old: Manifest,
    entries: Vec<ManifestEntry>,
    /// Packages fetched in this run, by what names them.
    fetched: BTreeMap<String, PathBuf>,
    sources: SourceMap,
    diagnostics: Diagnostics,
    on_event: &'a mut dyn FnMut(InstallEvent),
}

/// Installs the modules the stack in `root` calls, and writes the
/// manifest. Problems are diagnostics; modules that could be installed
/// are, and are listed.
pub fn install_modules(
    root: &Path,
    fetcher: &Fetcher,
    options: InstallOptions,
    on_event: &mut dyn FnMut(InstallEvent),
) -> Installed {
    let mut installer = Installer {
        root,
        fetcher,
        options,
        old: Manifest::read(root),
        entries: vec![ManifestEntry {
            key: String::new(),
            source: String::new(),
            version: None,
            dir: ".".into(),
        }],
        fetched: BTreeMap::new(),
        sources: SourceMap::default(),
        diagnostics: Diagnostics::default(),
        on_event,
    };
    installer.walk("", root, 0);
    installer.test_modules();
    let mut manifest = Manifest {
        modules: installer.entries,
    };
    manifest.modules.sort_by(|a, b| a.key.cmp(&b.key));
    let mut diagnostics = installer.diagnostics;
    if let Err(e) = write_manifest(root, &manifest) {
        diagnostics.push(Diagnostic::global(
            codes::CANNOT_INSTALL_MODULES,
            "Cannot install modules",
            format!("The module manifest {MANIFEST_PATH} cannot be written: {e}."),
        ));
    }
    Installed {
        sources: installer.sources,
        diagnostics,
        manifest,
    }
}

fn write_manifest(root: &Path, manifest: &Manifest) -> std::io::Result<()> {
    let dir = root.join(MODULES_DIR);
    std::fs::create_dir_all(&dir)?;
    let path = root.join(MANIFEST_PATH);
    let partial = dir.join(".modules.json.partial");
    let text = serde_json::to_vec(manifest).map_err(std::io::Error::other)?;
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, &path)
}

impl Installer<'_> {
    fn relative(&self, dir: &Path) -> String {
        let dir = lexical(dir);
        let shown = dir.strip_prefix(self.root).unwrap_or(&dir);
        let text = shown.to_string_lossy().replace("/./", "/");
        let text = text.trim_start_matches("./").to_string();
        if text.is_empty() {
            ".".into()
        } else {
            text
        }
    }

    fn error(&mut self, code: &'static str, summary: &str, detail: String, span: Span) {
        self.diagnostics
            .push(Diagnostic::error(code, summary, detail, span));
    }

    fn walk(&mut self, key: &str, dir: &Path, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let config = match load_module_dir(self.root, dir, &mut self.sources, &mut self.diagnostics)
        {
            Ok(c) => c,
            Err(e) => {
                self.diagnostics.push(Diagnostic::global(
                    codes::CANNOT_INSTALL_MODULES,
                    "Cannot install modules",
                    format!("Cannot read the module in {}: {e}.", dir.display()),
                ));
                return;
            }
        };
        for call in module_calls(&config) {
            self.call(key, dir, &call, depth);
        }
    }

    /// Reads the test files, reporting what is wrong in them, and installs
    /// each run's module under the key Terraform gives it
    /// (`test.FILE.RUN`), with the modules it calls.
    fn test_modules(&mut self) {
        let paths = match discover(self.root, &self.options.test_directory) {
            Ok(p) => p,
            Err(e) => {
                return self.diagnostics.push(Diagnostic::global(
                    codes::CANNOT_INSTALL_MODULES,
                    "Cannot install modules",
                    format!("Cannot list the test files: {e}."),
                ))
            }
        };
        for path in paths {
            let shown = self.relative(&path);
            let file = match load_test_file(&path, shown, &mut self.sources, &mut self.diagnostics)
            {
                Ok(f) => f,
                Err(e) => {
                    self.diagnostics.push(Diagnostic::global(
                        codes::CANNOT_INSTALL_MODULES,
                        "Cannot install modules",
                        format!("Cannot read {}: {e}.", path.display()),
                    ));
                    continue;
                }
            };
            for run in &file.runs {
                if let Some(module) = &run.module {
                    if let Some(refused) = unsupported_in_runs(module) {
                        self.diagnostics.push(refused);
                        continue;
                    }
                    let root = self.root;
                    self.call(&RunModule::file_key(&file.path), root, &module.call, 0);
                }
            }
        }
    }

    fn call(&mut self, parent: &str, dir: &Path, call: &CallSource, depth: usize) {
        // A source or version that is not a literal is reported when the
        // stack is loaded.
        let Some(source) = &call.source else { return };
        let Some(text) = literal_string(source) else {
            return;
        };
        let key = module_key(parent, &call.name);
        if is_local(&text) {
            let child = dir.join(&text);
            if child.is_dir() {
                let shown = self.relative(&child);
                (self.on_event)(InstallEvent::Ready {
                    key: key.clone(),
                    dir: shown.clone(),
                });
                self.entries.push(ManifestEntry {
                    key: key.clone(),
                    source: text,
                    version: None,
                    dir: shown,
                });
                self.walk(&key, &child, depth + 1);
            }
            return;
        }
        let address = match strata_fetch::parse(&text) {
            Ok(a) => a,
            Err(e) => {
                return self.error(
                    codes::INVALID_MODULE_SOURCE,
                    "Invalid module source",
                    format!("The source of module \"{key}\" cannot be read: {e}."),
                    source.span,
                )
            }
        };
        let constraint = match call.version.as_ref().map(|v| (literal_string(v), v.span)) {
            None => None,
            Some((Some(t), span)) => match Constraint::parse(&t) {
                Ok(c) => Some((c, span)),
                Err(_) => return,
            },
            Some((None, _)) => return,
        };
        if let (Some((_, span)), false) =
            (&constraint, matches!(address.source, Source::Registry(_)))
        {
            return self.error(codes::INVALID_VERSION_CONSTRAINT, "Invalid version constraint", format!("Module \"{key}\" has a version constraint, but its source is not a registry address: only registry modules have versions. Remove the version argument, or pin a git source with ?ref=."), *span);
        }
        let constraint = constraint.map(|(c, _)| c);
        if !self.options.upgrade {
            if let Some(entry) = self.reusable(&key, &text, constraint.as_ref()) {
                (self.on_event)(InstallEvent::Ready {
                    key: key.clone(),
                    dir: entry.dir.clone(),
                });
                let module_dir = self.root.join(&entry.dir);
                self.entries.push(entry);
                self.walk(&key, &module_dir, depth + 1);
                return;
            }
        }
        if let Some(entry) = self.install(&key, &text, address, constraint.as_ref(), source.span) {
            let module_dir = self.root.join(&entry.dir);
            (self.on_event)(InstallEvent::Ready {
                key: key.clone(),
                dir: entry.dir.clone(),
            });
            self.entries.push(entry);
            self.walk(&key, &module_dir, depth + 1);
        }
    }

    /// The previous installation of `key`, when it is still what the
    /// configuration asks for.
    fn reusable(
        &self,
        key: &str,
        text: &str,
        constraint: Option<&Constraint>,
    ) -> Option<ManifestEntry> {
        let entry = self.old.entry(key)?;
        if !same_source(&entry.source, text) || !self.root.join(&entry.dir).is_dir() {
            return None;
        }
        if let Some(c) = constraint {
            let v = Version::parse(entry.version.as_deref()?)?;
            if !c.allows(&v) {
                return None;
            }
        }
        Some(entry.clone())
    }

    fn install(
        &mut self,
        key: &str,
        text: &str,
        address: Address,
        constraint: Option<&Constraint>,
        span: Span,
    ) -> Option<ManifestEntry> {
        let (package, subdir, version, recorded, shown) = match address.source {
            Source::Registry(module) => {
                let (package, version) = self.resolve_registry(key, &module, constraint, span)?;
                let subdir = join_subdirs(package.subdir.as_deref(), address.subdir.as_deref());
                let recorded = match &address.subdir {
                    Some(s) => format!("{}//{s}", module.address()),
                    None => module.address(),
                };
                (
                    package.source,
                    subdir,
                    Some(version),
                    recorded,
                    module.address(),
                )
            }
            other => (
                other,
                address.subdir,
                None,
                text.to_string(),
                strata_fetch::package_text(text),
            ),
        };
        (self.on_event)(InstallEvent::Downloading {
            key: key.to_string(),
            source: shown,
            version: version.clone(),
        });
        let package_dir =
            self.fetch_package(key, &package, version.as_deref(), subdir.as_deref(), span)?;
        let module_dir = match &subdir {
            Some(s) => package_dir.join(s),
            None => package_dir,
        };
        Some(ManifestEntry {
            key: key.to_string(),
            source: recorded,
            version,
            dir: self.relative(&module_dir),
        })
    }

    fn resolve_registry(
        &mut self,
        key: &str,
        module: &strata_fetch::RegistryModule,
        constraint: Option<&Constraint>,
        span: Span,
    ) -> Option<(Address, String)> {
        let failed = |this: &mut Self, e: strata_fetch::Error| {
            this.error(
                codes::MODULE_REGISTRY_FAILED,
                "Error accessing remote module registry",
                format!("Module \"{key}\": {e}."),
                span,
            );
        };
        let offered = match self.fetcher.registry_versions(module) {
            Ok(v) => v,
            Err(e) => {
                failed(self, e);
                return None;
            }
        };
        let versions: Vec<Version> = offered.iter().filter_map(|v| Version::parse(v)).collect();
        let any = Constraint::default();
        let Some(chosen) = constraint.unwrap_or(&any).newest(&versions) else {
            let wanted = constraint.map_or("any version".to_string(), |c| c.to_string());
            self.error(codes::NO_MATCHING_MODULE_VERSION, "No matching module version", format!("The registry offers module \"{key}\" ({}) in versions {}, and none matches {wanted}.", module.address(), if offered.is_empty() { "none".to_string() } else { offered.join(", ") }), span);
            return None;
        };
        let chosen = chosen.to_string();
        // The registry's own spelling of the version, for the download URL.
        let spelled = offered
            .iter()
            .find(|v| Version::parse(v).is_some_and(|p| p.to_string() == chosen))
            .cloned()
            .unwrap_or_else(|| chosen.clone());
        let location = match self.fetcher.registry_location(module, &spelled) {
            Ok(l) => l,
            Err(e) => {
                failed(self, e);
                return None;
            }
        };
        match strata_fetch::parse(&location) {
            Ok(a) if !matches!(a.source, Source::Registry(_) | Source::Local(_)) => {
                Some((a, chosen))
            }
            Ok(_) => {
                self.error(codes::MODULE_REGISTRY_FAILED, "Error accessing remote module registry", format!("Module \"{key}\": the registry sent version {chosen} to {location:?}, which names no package."), span);
                None
            }
            Err(e) => {
                self.error(codes::MODULE_REGISTRY_FAILED, "Error accessing remote module registry", format!("Module \"{key}\": the registry sent version {chosen} to {location:?}: {e}."), span);
                None
            }
        }
    }

    /// Fetches (or copies, when this run fetched it already) the package
    /// into `.terraform/modules/KEY`, replacing what was there only once
    /// the new package is complete.
    fn fetch_package(
        &mut self,
        key: &str,
        package: &Source,
        version: Option<&str>,
        subdir: Option<&str>,
        span: Span,
    ) -> Option<PathBuf> {
        let modules = self.root.join(MODULES_DIR);
        let dest = modules.join(key);
        let partial = modules.join(format!(".{key}.partial"));
        let _ = std::fs::remove_dir_all(&partial);
        if let Err(e) = std::fs::create_dir_all(&modules) {
            self.error(
                codes::CANNOT_INSTALL_MODULES,
                "Cannot install modules",
                format!("Cannot create {MODULES_DIR}: {e}."),
                span,
            );
            return None;
        }
        let name = format!("{package:?}@{}", version.unwrap_or(""));
        let result = match self.fetched.get(&name) {
            Some(done) => copy_tree(done, &partial).map_err(|e| strata_fetch::Error {
                kind: strata_fetch::ErrorKind::Download,
                message: format!("copying the package fetched for another call: {e}"),
            }),
            None => self.fetcher.fetch(package, &partial),
        };
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&partial);
            let (code, summary) = match e.kind {
                strata_fetch::ErrorKind::InvalidAddress => {
                    (codes::INVALID_MODULE_SOURCE, "Invalid module source")
                }
                strata_fetch::ErrorKind::Archive => {
                    (codes::INVALID_MODULE_ARCHIVE, "Invalid module archive")
                }
                strata_fetch::ErrorKind::Registry => (
                    codes::MODULE_REGISTRY_FAILED,
                    "Error accessing remote module registry",
                ),
                strata_fetch::ErrorKind::Download => {
                    (codes::MODULE_DOWNLOAD_FAILED, "Failed to download module")
                }
            };
            self.error(
                code,
                summary,
                format!("Module \"{key}\" could not be installed: {e}."),
                span,
            );
            return None;
        }
        if let Some(subdir) = subdir.filter(|s| !partial.join(s).is_dir()) {
            let _ = std::fs::remove_dir_all(&partial);
            self.error(codes::MODULE_SUBDIR_NOT_FOUND, "Module subdirectory not found", format!("The package of module \"{key}\" has no directory {subdir:?} (the //subdir of its source)."), span);
            return None;
        }
        let _ = std::fs::remove_dir_all(&dest);
        if let Err(e) = std::fs::rename(&partial, &dest) {
            let _ = std::fs::remove_dir_all(&partial);
            self.error(
                codes::CANNOT_INSTALL_MODULES,
                "Cannot install modules",
                format!("Cannot move module \"{key}\" into {}: {e}.", dest.display()),
                span,
            );
            return None;
        }
        self.fetched.insert(name, dest.clone());
        Some(dest)
    }
}

/// A run's module comes from a local directory or a registry, as in
/// Terraform; any other source is refused.
pub(crate) fn unsupported_in_runs(module: &RunModule) -> Option<Diagnostic> {
    if is_local(&module.source)
        || matches!(
            strata_fetch::parse(&module.source),
            Ok(Address {
                source: Source::Registry(_),
                ..
            })
        )
    {
        return None;
    }
    let span = module
        .call
        .source
        .as_ref()
        .map_or(module.call.span, |s| s.span);
    Some(Diagnostic::error(
        codes::UNSUPPORTED_MODULE_SOURCE,
        "Unsupported module source",
        format!("A run's module comes from a local directory or a module registry; {:?} is neither. Install it as a module of a local helper configuration, and name that directory here.", module.source),
        span,
    ))
}

fn join_subdirs(a: Option<&str>, b: Option<&str>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}/{b}")),
        (Some(x), None) | (None, Some(x)) => Some(x.to_string()),
        (None, None) => None,
    }
}

/// Copies a directory tree (files, directories and symbolic links).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
