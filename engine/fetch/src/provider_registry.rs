//! The provider registry protocol (`providers.v1`), as `terraform init`
//! speaks it to a provider's origin registry: the versions a provider
//! has for a platform, where one version's package is, and the
//! `SHA256SUMS` document that vouches for it, signed with a key the
//! registry gives. A package is kept only when the signature checks out
//! against one of those keys, the sums list its file name with the
//! checksum the registry announced, and the downloaded bytes have that
//! checksum.

use crate::registry::service_base;
use crate::{Error, ErrorKind, Fetcher};
use sha2::Digest;
use std::path::Path;

fn failed(host: &str, detail: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Registry,
        format!("the provider registry at {host}: {detail}"),
    )
}

/// A provider at its origin registry.
#[derive(Clone, Copy, Debug)]
pub struct Provider<'a> {
    pub host: &'a str,
    pub namespace: &'a str,
    pub type_name: &'a str,
}

impl Provider<'_> {
    fn base(&self, fetcher: &Fetcher) -> Result<String, Error> {
        let base =
            service_base(fetcher, self.host, "providers.v1").map_err(|e| failed(self.host, e))?;
        Ok(format!("{base}{}/{}/", self.namespace, self.type_name))
    }

    fn json(&self, fetcher: &Fetcher, url: &str) -> Result<serde_json::Value, Error> {
        let (status, _, body) = crate::registry::get_with_token(fetcher, self.host, url)
            .map_err(|e| failed(self.host, e))?;
        match status {
            200 => {}
            404 => {
                return Err(failed(
                    self.host,
                    format!("it has no provider {}/{} ({url} answered 404); check the source address", self.namespace, self.type_name),
                ))
            }
            401 | 403 => {
                return Err(failed(
                    self.host,
                    format!("it refused the request (HTTP {status}); set a token with {} or a credentials block in the CLI configuration", crate::token_variable(self.host)),
                ))
            }
            other => return Err(failed(self.host, format!("{url} answered with HTTP status {other}"))),
        }
        serde_json::from_str(&body)
            .map_err(|e| failed(self.host, format!("{url} did not answer with JSON: {e}")))
    }
}

/// Plugin protocol majors Strata speaks.
const PROTOCOLS: &[&str] = &["5", "6"];

/// The versions the registry has of `provider` for `target`
/// (`linux_amd64`) that speak a plugin protocol Strata speaks.
pub fn versions(
    fetcher: &Fetcher,
    provider: Provider<'_>,
    target: &str,
) -> Result<Vec<String>, Error> {
    let url = format!("{}versions", provider.base(fetcher)?);
    let doc = provider.json(fetcher, &url)?;
    let (os, arch) = target.split_once('_').unwrap_or((target, ""));
    Ok(doc["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| {
            v["platforms"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["os"] == os && p["arch"] == arch))
        })
        .filter(|v| match v["protocols"].as_array() {
            // A registry that does not say is taken at its word later.
            None => true,
            Some(ps) => ps
                .iter()
                .filter_map(|p| p.as_str())
                .any(|p| PROTOCOLS.contains(&p.split('.').next().unwrap_or(p))),
        })
        .filter_map(|v| v["version"].as_str().map(str::to_string))
        .collect())
}

/// What the registry says of one version's package for one platform.
#[derive(Clone, Debug)]
pub struct Package {
    pub filename: String,
    pub download_url: String,
    pub shasums_url: String,
    pub shasums_signature_url: String,
    /// The package's SHA-256, hex.
    pub shasum: String,
    /// The ASCII-armored keys the sums may be signed with.
    pub keys: Vec<String>,
}

pub fn package(
    fetcher: &Fetcher,
    provider: Provider<'_>,
    version: &str,
    target: &str,
) -> Result<Package, Error> {
    let (os, arch) = target.split_once('_').unwrap_or((target, ""));
    let url = format!("{}{version}/download/{os}/{arch}", provider.base(fetcher)?);
    let doc = provider.json(fetcher, &url)?;
    let field = |name: &str| -> Result<String, Error> {
        doc[name]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(|s| crate::http::resolve(&url, s))
            .ok_or_else(|| failed(provider.host, format!("{url} gives no {name}")))
    };
    let keys: Vec<String> = doc["signing_keys"]["gpg_public_keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k["ascii_armor"].as_str().map(str::to_string))
        .collect();
    if keys.is_empty() {
        return Err(failed(
            provider.host,
            format!("{url} gives no signing keys, so the package cannot be authenticated"),
        ));
    }
    Ok(Package {
        filename: doc["filename"].as_str().unwrap_or_default().to_string(),
        download_url: field("download_url")?,
        shasums_url: field("shasums_url")?,
        shasums_signature_url: field("shasums_signature_url")?,
        shasum: doc["shasum"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        keys,
    })
}

/// A package downloaded and authenticated.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The ID of the key that signed the sums.
    pub key_id: String,
    /// `zh:` hashes of every package the signed sums list (all
    /// platforms), for the lock file.
    pub hashes: Vec<String>,
}

/// Downloads the package into the new file `dest` and authenticates
/// it; on any failure `dest` is removed.
pub fn download(
    fetcher: &Fetcher,
    host: &str,
    package: &Package,
    dest: &Path,
) -> Result<Verified, Error> {
    let result = download_checked(fetcher, host, package, dest);
    if result.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    result
}

fn download_checked(
    fetcher: &Fetcher,
    host: &str,
    package: &Package,
    dest: &Path,
) -> Result<Verified, Error> {
    let refused = |detail: String| {
        Error::new(
            ErrorKind::Download,
            format!(
                "the package {} from {host} is not authentic: {detail}",
                package.filename
            ),
        )
    };
    let sums = crate::http::download(&fetcher.agents, &package.shasums_url)?;
    let signature = crate::http::download(&fetcher.agents, &package.shasums_signature_url)?;
    let mut keys = Vec::new();
    for armored in &package.keys {
        keys.extend(
            crate::openpgp::read_keys(armored.as_bytes())
                .map_err(|e| refused(format!("a signing key cannot be read: {e}")))?,
        );
    }
    let key_id = crate::openpgp::verify_detached(&keys, &sums, &signature)
        .map_err(|e| refused(format!("the signature of {}: {e}", package.shasums_url)))?;
    let text = String::from_utf8_lossy(&sums);
    let listed: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| {
            let (sum, name) = l.split_once("  ")?;
            Some((sum.trim().to_ascii_lowercase(), name.trim().to_string()))
        })
        .collect();
    match listed.iter().find(|(_, name)| *name == package.filename) {
        Some((sum, _)) if *sum == package.shasum => {}
        Some((sum, _)) => {
            return Err(refused(format!(
                "the signed sums give {sum}, the registry {}",
                package.shasum
            )))
        }
        None => return Err(refused("the signed sums do not list it".into())),
    }
    let bytes = crate::http::download(&fetcher.agents, &package.download_url)?;
    let got = crate::providers::hex(&sha2::Sha256::digest(&bytes));
    if got != package.shasum {
        return Err(refused(format!(
            "its SHA-256 is {got}, the signed sums give {}",
            package.shasum
        )));
    }
    crate::providers::write_new(dest, &bytes)?;
    let mut hashes: Vec<String> = listed
        .iter()
        .filter(|(_, name)| name.ends_with(".zip"))
        .map(|(sum, _)| format!("zh:{sum}"))
        .collect();
    hashes.sort();
    hashes.dedup();
    Ok(Verified { key_id, hashes })
}
