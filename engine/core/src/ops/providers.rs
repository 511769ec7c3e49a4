//! Provider installation (`strata init`): every provider the stack needs
//! is either answered by a provider built into Strata or installed as a
//! plugin package under `.terraform/providers/HOST/NAMESPACE/TYPE/VERSION/TARGET`,
//! Terraform's layout, and recorded in `.terraform.lock.hcl`.
//!
//! The rule for built-in versus plugin: a provider is installed as a
//! plugin when an installation method holds a version its constraints
//! allow; a provider Strata has built in answers otherwise (and never
//! causes a download). A provider with neither is an error.
//!
//! A locked version is kept unless `-upgrade`; a package whose hash
//! matches none the lock file records is refused. Packages are unpacked
//! into a scratch directory and renamed into place, so a failure leaves no
//! half-written package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use strata_fetch::providers::{self as packages, Location, MirrorPackage};
use strata_lang::config::LoadedStack;
use strata_lang::lockfile::{LockFile, Locked};
use strata_lang::requirements::{requirements, Requirement, SourceAddr};
use strata_lang::versions::Version;
use strata_types::{codes, Diagnostic, Diagnostics, SourceMap};

/// Where installed packages go, under the working directory.
pub const PROVIDERS_DIR: &str = ".terraform/providers";

/// One installation method of the CLI configuration's
/// `provider_installation` block.
#[derive(Clone, Debug)]
pub struct Method {
    pub kind: MethodKind,
    /// `registry.terraform.io/hashicorp/*`-style patterns; empty = all.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum MethodKind {
    FilesystemMirror(PathBuf),
    /// A provider network mirror at this base URL.
    NetworkMirror(String),
    /// The provider's origin registry (the provider registry protocol,
    /// with its signed checksums checked). `implied`: no
    /// `provider_installation` block named it, so it serves only the
    /// providers Strata does not have built in; a `direct` block serves
    /// every provider it includes.
    Direct {
        implied: bool,
    },
}

impl Method {
    fn applies_to(&self, source: &SourceAddr) -> bool {
        let name = source.to_string();
        let matches = |pattern: &String| pattern_matches(pattern, &name);
        (self.include.is_empty() || self.include.iter().any(matches))
            && !self.exclude.iter().any(matches)
    }
}

/// `HOST/NAMESPACE/TYPE` patterns where any part may be `*`.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    let pattern = SourceAddr::parse(&pattern.replace('*', "x-any-x"));
    let Ok(pattern) = pattern else {
        return false;
    };
    let Ok(name) = SourceAddr::parse(name) else {
        return false;
    };
    let part = |p: &str, n: &str| p == "x-any-x" || p == n;
    part(&pattern.host, &name.host)
        && part(&pattern.namespace, &name.namespace)
        && part(&pattern.type_name, &name.type_name)
}

/// How providers are installed: the CLI configuration's methods, the
/// plugin cache and the development overrides.
#[derive(Clone, Debug, Default)]
pub struct Installation {
    pub methods: Vec<Method>,
    pub cache_dir: Option<PathBuf>,
    /// Sources whose plugin is the executable in a local directory, used as
    /// it is: not installed, not locked.
    pub dev_overrides: BTreeMap<SourceAddr, PathBuf>,
}

pub struct InstallOptions<'a> {
    pub upgrade: bool,
    /// Whether Strata has this provider built in.
    pub builtin: &'a dyn Fn(&SourceAddr) -> bool,
    /// Speaks to registries (with the hosts' tokens).
    pub fetcher: &'a strata_fetch::Fetcher,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderEvent {
    BuiltIn {
        source: String,
    },
    DevOverride {
        source: String,
        dir: String,
    },
    Reusing {
        source: String,
        version: String,
    },
    Installing {
        source: String,
        version: String,
    },
    Installed {
        source: String,
        version: String,
        hash: String,
        /// The key ID that signed the package's checksums (a package
        /// from its origin registry).
        signed_by: Option<String>,
    },
}

pub struct ProvidersInstalled {
    pub lock: LockFile,
    pub sources: SourceMap,
    pub diagnostics: Diagnostics,
    /// The plugin packages installed (or already there), by source.
    pub packages: BTreeMap<SourceAddr, InstalledPackage>,
}

#[derive(Clone, Debug)]
pub struct InstalledPackage {
    pub version: String,
    pub dir: PathBuf,
    pub executable: PathBuf,
    pub local_names: Vec<String>,
}

/// The directory a package of `source` at `version` is installed in.
pub fn package_dir(root: &Path, source: &SourceAddr, version: &str) -> PathBuf {
    root.join(PROVIDERS_DIR)
        .join(&source.host)
        .join(&source.namespace)
        .join(&source.type_name)
        .join(version)
        .join(packages::target())
}

/// Installs the providers the stack needs and writes the lock file.
pub fn install_providers(
    root: &Path,
    stack: &LoadedStack,
    installation: &Installation,
    options: InstallOptions<'_>,
    on_event: &mut dyn FnMut(ProviderEvent),
) -> ProvidersInstalled {
    let mut sources = SourceMap::default();
    let (needed, mut diagnostics) = requirements(stack);
    let old = match LockFile::read(root, &mut sources) {
        Ok(lock) => lock,
        Err(ds) => {
            diagnostics.extend(ds);
            LockFile::default()
        }
    };
    let mut lock = LockFile::default();
    let mut installed = BTreeMap::new();
    for (source, requirement) in &needed {
        if let Some(dir) = installation.dev_overrides.get(source) {
            on_event(ProviderEvent::DevOverride {
                source: source.to_string(),
                dir: dir.display().to_string(),
            });
            continue;
        }
        match install_one(
            root,
            source,
            requirement,
            installation,
            &options,
            old.providers.get(source),
            on_event,
        ) {
            Ok(Some((locked, package))) => {
                lock.providers.insert(source.clone(), locked);
                installed.insert(source.clone(), package);
            }
            Ok(None) => on_event(ProviderEvent::BuiltIn {
                source: source.to_string(),
            }),
            Err(d) => diagnostics.push(d),
        }
    }
    if !diagnostics.has_errors() && lock != old {
        if let Err(e) = lock.write(root) {
            diagnostics.push(Diagnostic::global(
                codes::INVALID_LOCK_FILE,
                "Failed to write the dependency lock file",
                e.to_string(),
            ));
        }
    }
    ProvidersInstalled {
        lock,
        sources,
        diagnostics,
        packages: installed,
    }
}

/// The packages the methods offer for `source`, from the first method that
/// applies and has any; then the plugin cache's. A network mirror that
/// cannot be read is an error, not an empty offer.
fn available(
    source: &SourceAddr,
    installation: &Installation,
    options: &InstallOptions<'_>,
) -> Result<Vec<MirrorPackage>, String> {
    let target = packages::target();
    for method in &installation.methods {
        if !method.applies_to(source) {
            continue;
        }
        let found = match &method.kind {
            MethodKind::FilesystemMirror(dir) => packages::mirror_packages(
                dir,
                &source.host,
                &source.namespace,
                &source.type_name,
                &target,
            ),
            MethodKind::NetworkMirror(base) => packages::NetworkMirror::new(base)
                .and_then(|m| m.versions(&source.host, &source.namespace, &source.type_name))
                .map_err(|e| e.message)?
                .into_iter()
                .map(|version| MirrorPackage {
                    version,
                    location: Location::Network(base.clone()),
                })
                .collect(),
            MethodKind::Direct { implied: true } if (options.builtin)(source) => Vec::new(),
            MethodKind::Direct { .. } => strata_fetch::provider_registry::versions(
                options.fetcher,
                source_parts(source),
                &target,
            )
            .map_err(|e| e.message)?
            .into_iter()
            .map(|version| MirrorPackage {
                version,
                location: Location::Registry,
            })
            .collect(),
        };
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(match &installation.cache_dir {
        Some(cache) => packages::mirror_packages(
            cache,
            &source.host,
            &source.namespace,
            &source.type_name,
            &target,
        ),
        None => Vec::new(),
    })
}

/// Removes a file when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn source_parts(source: &SourceAddr) -> strata_fetch::provider_registry::Provider<'_> {
    strata_fetch::provider_registry::Provider {
        host: &source.host,
        namespace: &source.namespace,
        type_name: &source.type_name,
    }
}

/// A package downloaded for installation: a zip beside the installed
/// packages (removed however the installation ends).
struct Downloaded {
    package: MirrorPackage,
    _zip: RemoveOnDrop,
    /// More hashes for the lock file: the `zh:` of every platform's
    /// package that the registry's signed checksums list.
    hashes: Vec<String>,
    signed_by: Option<String>,
}

/// Downloads a package a network mirror or the origin registry offers,
/// checked against the hashes the mirror lists or the checksums the
/// registry signed.
fn download_package(
    root: &Path,
    source: &SourceAddr,
    package: &MirrorPackage,
    fetcher: &strata_fetch::Fetcher,
) -> Result<Downloaded, String> {
    let dir = root.join(".terraform").join("providers");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let zip = dir.join(format!(
        ".download-{}-{}-{}.zip",
        std::process::id(),
        source.type_name,
        package.version
    ));
    let downloaded = |hashes, signed_by| Downloaded {
        package: MirrorPackage {
            version: package.version.clone(),
            location: Location::Zip(zip.clone()),
        },
        _zip: RemoveOnDrop(zip.clone()),
        hashes,
        signed_by,
    };
    let base = match &package.location {
        Location::Network(base) => base,
        Location::Registry => {
            let target = packages::target();
            let found = strata_fetch::provider_registry::package(
                fetcher,
                source_parts(source),
                &package.version,
                &target,
            )
            .map_err(|e| e.message)?;
            let verified =
                strata_fetch::provider_registry::download(fetcher, &source.host, &found, &zip)
                    .map_err(|e| e.message)?;
            return Ok(downloaded(verified.hashes, Some(verified.key_id)));
        }
        _ => return Err("not a package to download".into()),
    };
    let mirror = packages::NetworkMirror::new(base).map_err(|e| e.message)?;
    let archive = mirror
        .archive(
            (&source.host, &source.namespace, &source.type_name),
            &package.version,
            &packages::target(),
        )
        .map_err(|e| e.message)?;
    mirror.download(&archive, &zip).map_err(|e| e.message)?;
    let check = || -> Result<(), String> {
        if archive.hashes.is_empty() {
            return Ok(());
        }
        let zh = packages::hash_zip_file(&zip).map_err(|e| e.to_string())?;
        let h1 = packages::hash_zip(&zip).map_err(|e| e.message)?;
        if archive.hashes.contains(&zh) || archive.hashes.contains(&h1) {
            Ok(())
        } else {
            Err(format!(
                "the package downloaded from {} ({h1}) matches none of the hashes the mirror lists for it",
                archive.url
            ))
        }
    };
    if let Err(e) = check() {
        let _ = std::fs::remove_file(&zip);
        return Err(e);
    }
    Ok(downloaded(Vec::new(), None))
}

fn install_one(
    root: &Path,
    source: &SourceAddr,
    requirement: &Requirement,
    installation: &Installation,
    options: &InstallOptions<'_>,
    locked: Option<&Locked>,
    on_event: &mut dyn FnMut(ProviderEvent),
) -> Result<Option<(Locked, InstalledPackage)>, Diagnostic> {
    let offered = available(source, installation, options).map_err(|e| {
        Diagnostic::global(
            codes::PROVIDER_NOT_AVAILABLE,
            "Failed to query available provider packages",
            format!("{source}: {e}"),
        )
    })?;
    let constraint = requirement.constraint.clone().unwrap_or_default();
    let allowed: Vec<(Version, &MirrorPackage)> = offered
        .iter()
        .filter_map(|p| Some((Version::parse(&p.version)?, p)))
        .filter(|(v, _)| constraint.allows(v))
        .collect();
    let wanted = match locked.filter(|_| !options.upgrade) {
        Some(l) => {
            let version = Version::parse(&l.version);
            if version.as_ref().is_some_and(|v| !constraint.allows(v)) {
                return Err(Diagnostic::global(
                    codes::NO_MATCHING_PROVIDER_VERSION,
                    "Inconsistent dependency lock file",
                    format!(
                        "The lock file selects {source} {}, which the constraint \"{constraint}\" does not allow. Run strata init -upgrade to select a version it allows.",
                        l.version
                    ),
                ));
            }
            allowed.iter().find(|(v, _)| Some(v) == version.as_ref())
        }
        None => allowed.iter().max_by(|a, b| a.0.cmp(&b.0)),
    };
    let Some((version, package)) = wanted else {
        if (options.builtin)(source) && locked.is_none() {
            return Ok(None);
        }
        let detail = match (locked, offered.is_empty()) {
            (Some(l), _) if !options.upgrade => format!(
                "The lock file selects {source} {}, and no installation method offers that version. Configure a mirror that holds it, or run strata init -upgrade.",
                l.version
            ),
            (_, true) => format!(
                "No installation method offers {source}: configure a filesystem_mirror, network_mirror or direct method (or plugin_cache_dir) that holds it in the CLI configuration (TF_CLI_CONFIG_FILE or ~/.terraformrc)."
            ),
            (_, false) => format!(
                "No available version of {source} matches the constraint \"{constraint}\"; available: {}.",
                offered.iter().map(|p| p.version.as_str()).collect::<Vec<_>>().join(", ")
            ),
        };
        return Err(Diagnostic::global(
            if offered.is_empty() {
                codes::PROVIDER_NOT_AVAILABLE
            } else {
                codes::NO_MATCHING_PROVIDER_VERSION
            },
            if offered.is_empty() {
                "Failed to query available provider packages"
            } else {
                "No matching provider version"
            },
            detail,
        ));
    };
    let version_text = package.version.clone();
    let dest = package_dir(root, source, &version_text);
    let mismatch = |hash: &str| {
        Diagnostic::global(
            codes::PROVIDER_CHECKSUM_MISMATCH,
            "Provider checksum mismatch",
            format!(
                "The package for {source} {version_text} ({hash}) does not match any of the checksums recorded in the dependency lock file. Someone may have changed the package; if the change is expected, run strata init -upgrade."
            ),
        )
    };
    let recorded: Vec<String> = locked
        .filter(|l| l.version == version_text)
        .map(|l| l.hashes.clone())
        .unwrap_or_default();
    let io = |e: std::io::Error| {
        Diagnostic::global(
            codes::PROVIDER_NOT_AVAILABLE,
            "Failed to install provider",
            format!("{source} {version_text}: {e}"),
        )
    };
    // Already installed and matching the lock: nothing to do.
    let mut hash = None;
    let mut extra_hashes: Vec<String> = Vec::new();
    if dest.is_dir() && !recorded.is_empty() {
        let h = packages::hash_dir(&dest).map_err(io)?;
        if recorded.contains(&h) {
            on_event(ProviderEvent::Reusing {
                source: source.to_string(),
                version: version_text.clone(),
            });
            hash = Some(h);
        }
    }
    let hash = match hash {
        Some(h) => h,
        None => {
            on_event(ProviderEvent::Installing {
                source: source.to_string(),
                version: version_text.clone(),
            });
            // A network mirror's or a registry's package is downloaded
            // first (and the download removed however the install ends).
            let downloaded = match &package.location {
                Location::Network(_) | Location::Registry => Some(
                    download_package(root, source, package, options.fetcher)
                        .map_err(|e| io(std::io::Error::other(e)))?,
                ),
                _ => None,
            };
            if let Some(d) = &downloaded {
                extra_hashes.extend(d.hashes.iter().cloned());
            }
            let package = downloaded.as_ref().map(|d| &d.package).unwrap_or(package);
            if matches!(package.location, Location::Network(_) | Location::Registry) {
                return Err(io(std::io::Error::other("the package was not downloaded")));
            }
            let zh = match &package.location {
                Location::Zip(zip) => Some(packages::hash_zip_file(zip).map_err(io)?),
                Location::Dir(_) | Location::Network(_) | Location::Registry => None,
            };
            // Unpacked into a scratch directory, hashed as it is written,
            // and put in place only when it matches the lock file.
            let providers = root.join(PROVIDERS_DIR);
            std::fs::create_dir_all(&providers).map_err(io)?;
            let scratch = providers.join(format!(
                ".installing-{}-{}-{version_text}",
                std::process::id(),
                source.type_name
            ));
            let _ = std::fs::remove_dir_all(&scratch);
            let h = packages::unpack_hashed(&package.location, &scratch).map_err(|e| {
                let _ = std::fs::remove_dir_all(&scratch);
                io(std::io::Error::other(e.message))
            })?;
            if !recorded.is_empty()
                && !recorded.contains(&h)
                && !zh.as_ref().is_some_and(|z| recorded.contains(z))
            {
                let _ = std::fs::remove_dir_all(&scratch);
                return Err(mismatch(&h));
            }
            let parent = dest.parent().expect("a package directory has a parent");
            std::fs::create_dir_all(parent).map_err(io)?;
            let _ = std::fs::remove_dir_all(&dest);
            std::fs::rename(&scratch, &dest).map_err(io)?;
            on_event(ProviderEvent::Installed {
                source: source.to_string(),
                version: version_text.clone(),
                hash: h.clone(),
                signed_by: downloaded.as_ref().and_then(|d| d.signed_by.clone()),
            });
            h
        }
    };
    let Some(executable) = packages::executable(&dest, &source.type_name) else {
        return Err(Diagnostic::global(
            codes::PROVIDER_NOT_AVAILABLE,
            "Invalid provider package",
            format!(
                "The package for {source} {version_text} holds no terraform-provider-{} executable.",
                source.type_name
            ),
        ));
    };
    let mut hashes = recorded;
    for h in std::iter::once(hash).chain(extra_hashes) {
        if !hashes.contains(&h) {
            hashes.push(h);
        }
    }
    let _ = version;
    Ok(Some((
        Locked {
            version: version_text.clone(),
            constraints: requirement.constraint.as_ref().map(|c| c.to_string()),
            hashes,
        },
        InstalledPackage {
            version: version_text,
            dir: dest,
            executable,
            local_names: requirement.local_names.clone(),
        },
    )))
}

/// The plugin packages the lock file selects that are installed in `root`:
/// what later commands run. A locked provider whose package is missing is
/// an error that says to run `strata init`.
pub fn locked_packages(
    root: &Path,
    sources: &mut SourceMap,
) -> Result<BTreeMap<SourceAddr, InstalledPackage>, Diagnostics> {
    let lock = LockFile::read(root, sources)?;
    let mut out = BTreeMap::new();
    let mut diagnostics = Diagnostics::default();
    for (source, locked) in &lock.providers {
        let dir = package_dir(root, source, &locked.version);
        match packages::executable(&dir, &source.type_name) {
            Some(executable) => {
                out.insert(
                    source.clone(),
                    InstalledPackage {
                        version: locked.version.clone(),
                        dir,
                        executable,
                        local_names: vec![source.type_name.clone()],
                    },
                );
            }
            None => diagnostics.push(Diagnostic::global(
                codes::PROVIDER_NOT_INSTALLED,
                "Required plugins are not installed",
                format!(
                    "The lock file selects {source} {}, which is not installed in {}. Run strata init to install it.",
                    locked.version,
                    root.join(PROVIDERS_DIR).display()
                ),
            )),
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_and_exclude_patterns_match_as_terraform_does() {
        let aws = SourceAddr::parse("hashicorp/aws").unwrap();
        let method = |include: &[&str], exclude: &[&str]| Method {
            kind: MethodKind::Direct { implied: false },
            include: include.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
        };
        assert!(method(&[], &[]).applies_to(&aws));
        assert!(method(&["registry.terraform.io/hashicorp/*"], &[]).applies_to(&aws));
        assert!(method(&["registry.terraform.io/*/*"], &[]).applies_to(&aws));
        assert!(!method(&["example.com/*/*"], &[]).applies_to(&aws));
        assert!(!method(&[], &["hashicorp/aws"]).applies_to(&aws));
    }
}
