//! Module packages from where their source addresses say, read as
//! Terraform reads them: git repositories (through the `git` command,
//! as Terraform does), HTTP(S) archives and `X-Terraform-Get`
//! redirections, S3 objects, and the module registry protocol (service
//! discovery, versions, download). Provider packages come from
//! filesystem and network mirrors and from their origin registry, whose
//! signed checksums are checked (`openpgp`).
//!
//! Nothing here knows the engine: the caller decides where a package
//! goes, which version a constraint selects and what to record.

mod address;
mod archive;
mod git;
mod http;
pub mod openpgp;
pub mod provider_registry;
pub mod providers;
mod registry;

pub use address::{package_text, parse, Address, ArchiveKind, RegistryModule, Source};
pub use registry::token_variable;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Why a fetch failed. `kind` says which of Strata's diagnostics it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The address itself is not one Strata can read.
    InvalidAddress,
    /// The package could not be downloaded (host, ref, HTTP status…).
    Download,
    /// The download is not an archive Strata can unpack, or would write
    /// outside its directory.
    Archive,
    /// The module registry could not be asked or answered wrongly.
    Registry,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Builds an S3 client for a region and an endpoint URL.
pub type S3Client = dyn Fn(&str, &str) -> Result<strata_aws_client::Client, String> + Send + Sync;

/// Fetches packages. One per installation: it holds the HTTP agents, the
/// registry tokens and what service discovery found.
pub struct Fetcher {
    agents: strata_aws_client::Agents,
    /// Registry API tokens by host name (`app.terraform.io`).
    tokens: BTreeMap<String, String>,
    /// Service base URLs (`modules.v1`, `providers.v1`) by registry host
    /// and service, once discovered.
    discovered: std::sync::Mutex<BTreeMap<String, String>>,
    /// Builds the S3 client for `s3::` sources.
    s3: Option<Box<S3Client>>,
}

impl Fetcher {
    /// `tokens`: registry credentials by host, from `TF_TOKEN_…` and the
    /// CLI configuration's `credentials` blocks.
    pub fn new(tokens: BTreeMap<String, String>) -> Fetcher {
        Fetcher {
            agents: strata_aws_client::Agents::new(Duration::from_secs(120)),
            tokens,
            discovered: Default::default(),
            s3: None,
        }
    }

    /// How to build an AWS client for an `s3::` source, given its region
    /// and endpoint.
    pub fn with_s3(
        mut self,
        client: impl Fn(&str, &str) -> Result<strata_aws_client::Client, String> + Send + Sync + 'static,
    ) -> Fetcher {
        self.s3 = Some(Box::new(client));
        self
    }

    /// Writes the package `source` names into `dest`, which must not
    /// exist yet. On failure `dest` may hold part of the package; the
    /// caller fetches into a scratch directory and renames it.
    pub fn fetch(&self, source: &Source, dest: &Path) -> Result<(), Error> {
        self.fetch_depth(source, dest, 0)
    }

    fn fetch_depth(&self, source: &Source, dest: &Path, depth: usize) -> Result<(), Error> {
        match source {
            Source::Git {
                url,
                reference,
                depth: clone_depth,
            } => git::clone(url, reference.as_deref(), *clone_depth, dest),
            Source::Http { url, archive } => {
                if depth > 4 {
                    return Err(Error::new(
                        ErrorKind::Download,
                        format!("{url} redirects (X-Terraform-Get) more than 4 times"),
                    ));
                }
                match archive {
                    Some(kind) => {
                        let bytes = http::download(&self.agents, url)?;
                        archive::unpack(*kind, &bytes, dest)
                    }
                    None => {
                        let next = http::terraform_get(&self.agents, url)?;
                        let address = parse(&next).map_err(|e| {
                            Error::new(
                                ErrorKind::Download,
                                format!("{url} sent the module to {next:?}, which is not a source Strata reads: {e}"),
                            )
                        })?;
                        if address.subdir.is_some() {
                            return Err(Error::new(ErrorKind::Download, format!("{url} sent the module to {next:?}; a redirection with a subdirectory is not supported")));
                        }
                        self.fetch_depth(&address.source, dest, depth + 1)
                    }
                }
            }
            Source::S3 { url, archive } => {
                let make = self.s3.as_ref().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Download,
                        "S3 module sources need AWS credentials, which this command was not given",
                    )
                })?;
                let bytes = http::s3_object(make.as_ref(), url)?;
                archive::unpack(archive.unwrap_or(ArchiveKind::Zip), &bytes, dest)
            }
            Source::Registry(_) | Source::Local(_) => Err(Error::new(
                ErrorKind::InvalidAddress,
                "a registry or local address names no package by itself",
            )),
        }
    }

    /// The versions a registry offers for a module.
    pub fn registry_versions(&self, module: &RegistryModule) -> Result<Vec<String>, Error> {
        registry::versions(self, module)
    }

    /// Where the registry says one version of a module is: a source
    /// address, already resolved against the registry's URL.
    pub fn registry_location(
        &self,
        module: &RegistryModule,
        version: &str,
    ) -> Result<String, Error> {
        registry::location(self, module, version)
    }
}
