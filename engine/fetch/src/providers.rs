//! Provider packages: finding them in filesystem mirrors, unpacking them,
//! and hashing them as Terraform's lock file records.
//!
//! A mirror holds a package in one of two layouts:
//! - packed: `HOST/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip`;
//! - unpacked: `HOST/NAMESPACE/TYPE/VERSION/TARGET/` holding the executable.
//!
//! `h1:` is Go's `dirhash` "Hash1" of the package's files (the SHA-256 of
//! the lines `HEX  NAME\n` over the files sorted by name), the same for a
//! zip and for the directory it unpacks to; `zh:` is the SHA-256 of the zip
//! file itself.

use crate::{Error, ErrorKind};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The platform packages are built for: `linux_amd64`.
pub fn target() -> String {
    let os = std::env::consts::OS;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        other => other,
    };
    format!("{os}_{arch}")
}

/// Where a package is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Zip(PathBuf),
    Dir(PathBuf),
    /// In the network mirror at this base URL: downloaded (into a zip)
    /// before it is unpacked.
    Network(String),
    /// At the provider's origin registry: downloaded and authenticated
    /// before it is unpacked.
    Registry,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MirrorPackage {
    pub version: String,
    pub location: Location,
}

/// The packages of one provider for `target` in the mirror at `root`, in
/// either layout.
pub fn mirror_packages(
    root: &Path,
    host: &str,
    namespace: &str,
    type_name: &str,
    target: &str,
) -> Vec<MirrorPackage> {
    let dir = root.join(host).join(namespace).join(type_name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let prefix = format!("terraform-provider-{type_name}_");
    let suffix = format!("_{target}.zip");
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if let Some(version) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(&suffix))
        {
            out.push(MirrorPackage {
                version: version.to_string(),
                location: Location::Zip(path),
            });
        } else if path.join(target).is_dir() {
            out.push(MirrorPackage {
                version: name,
                location: Location::Dir(path.join(target)),
            });
        }
    }
    out.sort_by(|a, b| a.version.cmp(&b.version));
    out
}

fn failed(detail: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Archive, detail.to_string())
}

/// Writes the package's files into `dest` (which must not exist): a zip
/// is unpacked, a directory copied.
pub fn unpack(location: &Location, dest: &Path) -> Result<(), Error> {
    match location {
        Location::Network(base) => Err(failed(format!(
            "a package in the network mirror {base} is downloaded before it is unpacked"
        ))),
        Location::Registry => Err(failed(
            "a package at its origin registry is downloaded before it is unpacked",
        )),
        Location::Zip(zip) => {
            let bytes = std::fs::read(zip)
                .map_err(|e| failed(format!("cannot read {}: {e}", zip.display())))?;
            crate::archive::unpack(crate::ArchiveKind::Zip, &bytes, dest).map_err(|e| {
                failed(format!(
                    "{} is not a provider package: {}",
                    zip.display(),
                    e.message
                ))
            })
        }
        Location::Dir(dir) => copy_dir(dir, dest),
    }
}

/// Unpacks a package into `dest` (which must not exist) and gives its
/// `h1:` hash, computed as the files are written.
pub fn unpack_hashed(location: &Location, dest: &Path) -> Result<String, Error> {
    match location {
        Location::Zip(zip) => {
            let file = std::fs::File::open(zip)
                .map_err(|e| failed(format!("cannot read {}: {e}", zip.display())))?;
            let reader = std::io::BufReader::with_capacity(1 << 20, file);
            let files = crate::archive::unzip_hashed(reader, dest).map_err(|e| {
                failed(format!(
                    "{} is not a provider package: {}",
                    zip.display(),
                    e.message
                ))
            })?;
            Ok(hash1(files))
        }
        other => {
            unpack(other, dest)?;
            hash_dir(dest).map_err(|e| failed(format!("cannot read {}: {e}", dest.display())))
        }
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(to)
        .map_err(|e| failed(format!("cannot create {}: {e}", to.display())))?;
    let entries = std::fs::read_dir(from)
        .map_err(|e| failed(format!("cannot read {}: {e}", from.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .map_err(|e| failed(format!("cannot copy {}: {e}", path.display())))?;
        }
    }
    Ok(())
}

/// Go dirhash's Hash1 over `(name, sha256)` pairs.
fn hash1(mut files: Vec<(String, [u8; 32])>) -> String {
    use base64::Engine;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = Sha256::new();
    for (name, digest) in files {
        summary.update(format!("{}  {name}\n", hex(&digest)).as_bytes());
    }
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary.finalize())
    )
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_reader(mut r: impl Read) -> std::io::Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = r.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher.finalize().into())
}

/// The `h1:` hash of an unpacked package directory.
pub fn hash_dir(dir: &Path) -> std::io::Result<String> {
    let dir = std::fs::canonicalize(dir)?;
    let mut files = Vec::new();
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, [u8; 32])>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(base, &path, out)?;
            } else {
                let name = path
                    .strip_prefix(base)
                    .expect("under the base")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, sha256_reader(std::fs::File::open(&path)?)?));
            }
        }
        Ok(())
    }
    walk(&dir, &dir, &mut files)?;
    Ok(hash1(files))
}

/// The `h1:` hash of a zipped package: the same as of the directory it
/// unpacks to.
pub fn hash_zip(zip: &Path) -> Result<String, Error> {
    let file = std::fs::File::open(zip)
        .map_err(|e| failed(format!("cannot read {}: {e}", zip.display())))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| failed(format!("{} is not a zip archive: {e}", zip.display())))?;
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(failed)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        files.push((name, sha256_reader(entry).map_err(failed)?));
    }
    Ok(hash1(files))
}

/// The `zh:` hash of a zip file.
pub fn hash_zip_file(zip: &Path) -> std::io::Result<String> {
    Ok(format!(
        "zh:{}",
        hex(&sha256_reader(std::fs::File::open(zip)?)?)
    ))
}

/// The provider's executable in an unpacked package:
/// `terraform-provider-TYPE…`.
pub fn executable(dir: &Path, type_name: &str) -> Option<PathBuf> {
    let prefix = format!("terraform-provider-{type_name}");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// A provider network mirror (Terraform's provider network mirror
/// protocol): `BASE/HOST/NAMESPACE/TYPE/index.json` lists the versions,
/// `…/VERSION.json` each version's archives by platform, with hashes.
/// Plain HTTP is refused except on loopback, as Terraform refuses it.
pub struct NetworkMirror {
    agents: strata_aws_client::Agents,
    base: String,
}

/// A package a network mirror offers: where to download it, and the
/// hashes (`h1:`, `zh:`) it must match.
pub struct MirrorArchive {
    pub url: String,
    pub hashes: Vec<String>,
}

impl NetworkMirror {
    pub fn new(base: &str) -> Result<NetworkMirror, Error> {
        let base = if base.ends_with('/') {
            base.to_string()
        } else {
            format!("{base}/")
        };
        if !base.starts_with("https://") && !strata_aws_client::is_loopback(&base) {
            return Err(Error::new(
                ErrorKind::Download,
                format!("the network mirror {base} must use https"),
            ));
        }
        Ok(NetworkMirror {
            agents: strata_aws_client::Agents::new(std::time::Duration::from_secs(120)),
            base,
        })
    }

    fn json(&self, url: &str) -> Result<serde_json::Value, Error> {
        let body = crate::http::download(&self.agents, url)?;
        serde_json::from_slice(&body).map_err(|e| {
            Error::new(
                ErrorKind::Download,
                format!("{url} is not a mirror's JSON answer: {e}"),
            )
        })
    }

    fn provider_url(&self, host: &str, namespace: &str, type_name: &str) -> String {
        format!("{}{host}/{namespace}/{type_name}/", self.base)
    }

    /// The versions the mirror holds of a provider (none when it does not
    /// know the provider).
    pub fn versions(
        &self,
        host: &str,
        namespace: &str,
        type_name: &str,
    ) -> Result<Vec<String>, Error> {
        let url = format!(
            "{}index.json",
            self.provider_url(host, namespace, type_name)
        );
        let index = match self.json(&url) {
            Ok(index) => index,
            Err(e) if e.message.contains("status 404") => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(index["versions"]
            .as_object()
            .map(|v| v.keys().cloned().collect())
            .unwrap_or_default())
    }

    /// The archive of one version for `target`.
    pub fn archive(
        &self,
        (host, namespace, type_name): (&str, &str, &str),
        version: &str,
        target: &str,
    ) -> Result<MirrorArchive, Error> {
        let url = format!(
            "{}{version}.json",
            self.provider_url(host, namespace, type_name)
        );
        let doc = self.json(&url)?;
        let archive = &doc["archives"][target];
        let Some(location) = archive["url"].as_str() else {
            return Err(Error::new(
                ErrorKind::Download,
                format!("{url} lists no package of version {version} for {target}"),
            ));
        };
        // Relative to the version's document.
        let resolved = crate::http::resolve(&url, location);
        let hashes = archive["hashes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.as_str().map(str::to_string))
            .collect();
        Ok(MirrorArchive {
            url: resolved,
            hashes,
        })
    }

    /// Downloads an archive into the file `dest`, which must not exist.
    pub fn download(&self, archive: &MirrorArchive, dest: &Path) -> Result<(), Error> {
        let bytes = crate::http::download(&self.agents, &archive.url)?;
        write_new(dest, &bytes)
    }
}

/// Writes a downloaded package to `dest` as a new file only: never
/// through a link or over another process's file.
pub(crate) fn write_new(dest: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| {
            Error::new(
                ErrorKind::Download,
                format!("cannot write {}: {e}", dest.display()),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash1_matches_gos_dirhash() {
        // dirhash.Hash1 of one file "a" holding "hello\n", as Go computes it.
        let digest: [u8; 32] = Sha256::digest(b"hello\n").into();
        let mut summary = Sha256::new();
        summary.update(format!("{}  a\n", hex(&digest)).as_bytes());
        use base64::Engine;
        let expected = format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(summary.finalize())
        );
        assert_eq!(hash1(vec![("a".into(), digest)]), expected);
    }

    #[test]
    fn a_zip_and_its_directory_hash_alike() {
        let dir = std::env::temp_dir().join(format!("strata-pkg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let zip_path = dir.join("terraform-provider-x_1.0.0_linux_amd64.zip");
        {
            let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
            let options: zip::write::SimpleFileOptions = Default::default();
            w.start_file("terraform-provider-x_v1.0.0", options)
                .unwrap();
            std::io::Write::write_all(&mut w, b"binary").unwrap();
            w.start_file("LICENSE", options).unwrap();
            std::io::Write::write_all(&mut w, b"text").unwrap();
            w.finish().unwrap();
        }
        let unpacked = dir.join("out");
        unpack(&Location::Zip(zip_path.clone()), &unpacked).unwrap();
        assert_eq!(hash_zip(&zip_path).unwrap(), hash_dir(&unpacked).unwrap());
        assert_eq!(
            executable(&unpacked, "x").unwrap().file_name().unwrap(),
            "terraform-provider-x_v1.0.0"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
