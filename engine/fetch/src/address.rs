//! Module source addresses, detected in Terraform's order: local paths,
//! forced getters (`git::`, `s3::`), registry addresses, the GitHub and
//! `git@host:` shorthands, then HTTP(S) URLs.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub source: Source,
    /// The directory inside the package the module is in (`//subdir`).
    pub subdir: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Local(String),
    Git {
        /// What `git clone` is given (no `ref`/`depth` parameters).
        url: String,
        reference: Option<String>,
        depth: Option<u32>,
    },
    Http {
        url: String,
        /// Set when the URL names an archive (by extension or
        /// `?archive=`); otherwise the URL answers with `X-Terraform-Get`.
        archive: Option<ArchiveKind>,
    },
    S3 {
        url: String,
        archive: Option<ArchiveKind>,
    },
    Registry(RegistryModule),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryModule {
    pub host: String,
    pub namespace: String,
    pub name: String,
    pub provider: String,
}

impl RegistryModule {
    /// `HOST/NAMESPACE/NAME/PROVIDER`, as Terraform records it.
    pub fn address(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.host, self.namespace, self.name, self.provider
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveKind {
    Zip,
    Tar,
    TarGz,
    TarBz2,
    TarXz,
}

impl ArchiveKind {
    fn from_name(name: &str) -> Option<ArchiveKind> {
        Some(match name {
            "zip" => ArchiveKind::Zip,
            "tar" => ArchiveKind::Tar,
            "tar.gz" | "tgz" => ArchiveKind::TarGz,
            "tar.bz2" | "tbz2" => ArchiveKind::TarBz2,
            "tar.xz" | "txz" => ArchiveKind::TarXz,
            _ => return None,
        })
    }

    /// The archive a URL's path names by its extension.
    fn from_path(path: &str) -> Option<ArchiveKind> {
        let lower = path.to_ascii_lowercase();
        [
            "tar.gz", "tgz", "tar.bz2", "tbz2", "tar.xz", "txz", "zip", "tar",
        ]
        .iter()
        .find(|ext| lower.ends_with(&format!(".{ext}")))
        .and_then(|ext| ArchiveKind::from_name(ext))
    }
}

pub const DEFAULT_REGISTRY: &str = "registry.terraform.io";

/// Reads a source address, or says why it is not one.
pub fn parse(text: &str) -> Result<Address, String> {
    if text.starts_with("./") || text.starts_with("../") {
        return Ok(Address {
            source: Source::Local(text.to_string()),
            subdir: None,
        });
    }
    if let Some((forced, rest)) = forced_getter(text) {
        let (url, subdir) = split_subdir(rest);
        let source = match forced {
            "git" => git_source(&url)?,
            "s3" => {
                let (url, archive) = take_archive(&url)?;
                Source::S3 {
                    archive: archive.or_else(|| ArchiveKind::from_path(path_of(&url))),
                    url,
                }
            }
            "http" | "https" => http_source(&url)?,
            other => {
                return Err(format!(
                    "the {other}:: source type is not supported; Strata reads git::, s3::, HTTP(S), registry and local sources"
                ))
            }
        };
        return Ok(Address { source, subdir });
    }
    if let Some(module) = registry_address(text)? {
        return Ok(module);
    }
    let (url, subdir) = split_subdir(text);
    if let Some(rest) = url.strip_prefix("github.com/") {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
            return Err(format!(
                "{text:?}: a GitHub address is github.com/OWNER/REPOSITORY"
            ));
        }
        let repo = parts[1].trim_end_matches(".git");
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        let source = git_source(&format!(
            "https://github.com/{}/{repo}.git{query}",
            parts[0]
        ))?;
        return Ok(Address { source, subdir });
    }
    if let Some(rest) = url.strip_prefix("git@") {
        let Some((host, path)) = rest.split_once(':') else {
            return Err(format!("{text:?}: an SSH address is git@HOST:PATH"));
        };
        let source = git_source(&format!("ssh://git@{host}/{path}"))?;
        return Ok(Address { source, subdir });
    }
    if url.starts_with("http://") || url.starts_with("https://") {
        return Ok(Address {
            source: http_source(&url)?,
            subdir,
        });
    }
    if text.starts_with('/') {
        return Err(format!("{text:?} is an absolute path; a local module's source starts with \"./\" or \"../\" and is relative to the calling module"));
    }
    Err(format!("{text:?} is not a module source Strata can read: use a local path (\"./modules/vpc\"), a registry address (NAMESPACE/NAME/PROVIDER), a git address (git::https://…, github.com/OWNER/REPO, git@HOST:PATH), an HTTP(S) URL or s3::https://…"))
}

/// The package part of an address: the text without its `//subdir`
/// (what Terraform names when it says what it downloads).
pub fn package_text(text: &str) -> String {
    match forced_getter(text) {
        Some((forced, rest)) => format!("{forced}::{}", split_subdir(rest).0),
        None => split_subdir(text).0,
    }
}

fn forced_getter(text: &str) -> Option<(&str, &str)> {
    let (name, rest) = text.split_once("::")?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric())).then_some((name, rest))
}

/// Splits `URL//subdir?query` into `URL?query` and `subdir`, looking for
/// `//` after the scheme's `://`.
fn split_subdir(text: &str) -> (String, Option<String>) {
    let (main, query) = match text.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (text, None),
    };
    let start = main.find("://").map_or(0, |i| i + 3);
    let (url, subdir) = match main[start..].find("//") {
        Some(i) => (
            &main[..start + i],
            Some(main[start + i + 2..].trim_matches('/').to_string()),
        ),
        None => (main, None),
    };
    let url = match query {
        Some(q) => format!("{url}?{q}"),
        None => url.to_string(),
    };
    (url, subdir.filter(|s| !s.is_empty()))
}

fn path_of(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// Removes `archive=…` from the query, returning the kind it names.
fn take_archive(url: &str) -> Result<(String, Option<ArchiveKind>), String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), None));
    };
    let mut kind = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("archive", name)) => {
                if name == "false" {
                    continue;
                }
                kind = Some(ArchiveKind::from_name(name).ok_or_else(|| {
                    format!("archive={name} is not an archive format Strata unpacks (zip, tar, tar.gz, tgz, tar.bz2, tbz2, tar.xz, txz)")
                })?);
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, kind))
}

fn http_source(url: &str) -> Result<Source, String> {
    let (url, archive) = take_archive(url)?;
    Ok(Source::Http {
        archive: archive.or_else(|| ArchiveKind::from_path(path_of(&url))),
        url,
    })
}

/// A git URL with its `ref` and `depth` parameters taken out.
fn git_source(url: &str) -> Result<Source, String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut reference = None;
    let mut depth = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("ref", r)) if !r.is_empty() => reference = Some(r.to_string()),
            Some(("depth", d)) => {
                depth = Some(
                    d.parse::<u32>()
                        .ok()
                        .filter(|d| *d > 0)
                        .ok_or_else(|| format!("depth={d} is not a positive number of commits"))?,
                )
            }
            Some(("sshkey", _)) => {
                return Err("the sshkey parameter is not supported; use an SSH agent".into())
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    if url.is_empty() {
        return Err("a git source needs a repository URL after git::".into());
    }
    Ok(Source::Git {
        url,
        reference,
        depth,
    })
}

fn is_registry_part(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `[HOST/]NAMESPACE/NAME/PROVIDER[//subdir]`, when the text has that
/// shape (and is not a GitHub or Bitbucket address).
fn registry_address(text: &str) -> Result<Option<Address>, String> {
    if text.contains("://") || text.contains('?') {
        return Ok(None);
    }
    let (main, subdir) = match text.split_once("//") {
        Some((m, s)) => (m, Some(s.trim_matches('/').to_string())),
        None => (text, None),
    };
    let parts: Vec<&str> = main.split('/').collect();
    let (host, rest) = match parts.len() {
        3 => (DEFAULT_REGISTRY.to_string(), &parts[..]),
        4 => {
            let host = parts[0];
            let looks_like_host = host.contains('.') || host.contains(':') || host == "localhost";
            if !looks_like_host || host == "github.com" || host == "bitbucket.org" {
                return Ok(None);
            }
            (host.to_ascii_lowercase(), &parts[1..])
        }
        _ => return Ok(None),
    };
    if !(is_registry_part(rest[0], 64) && is_registry_part(rest[1], 64)) {
        return Ok(None);
    }
    if !rest[2]
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        || rest[2].is_empty()
    {
        return Ok(None);
    }
    Ok(Some(Address {
        source: Source::Registry(RegistryModule {
            host,
            namespace: rest[0].to_string(),
            name: rest[1].to_string(),
            provider: rest[2].to_string(),
        }),
        subdir: subdir.filter(|s| !s.is_empty()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(url: &str, reference: Option<&str>, depth: Option<u32>) -> Source {
        Source::Git {
            url: url.into(),
            reference: reference.map(Into::into),
            depth,
        }
    }

    #[test]
    fn git_addresses_with_ref_depth_and_subdir() {
        let a = parse("git::https://example.com/net.git//modules/vpc?ref=v1.2.0&depth=1").unwrap();
        assert_eq!(
            a.source,
            git("https://example.com/net.git", Some("v1.2.0"), Some(1))
        );
        assert_eq!(a.subdir.as_deref(), Some("modules/vpc"));
        let a = parse("git::file:///srv/repo?ref=main").unwrap();
        assert_eq!(a.source, git("file:///srv/repo", Some("main"), None));
        assert_eq!(a.subdir, None);
        let a = parse("github.com/acme/infra//gpu?ref=v2").unwrap();
        assert_eq!(
            a.source,
            git("https://github.com/acme/infra.git", Some("v2"), None)
        );
        assert_eq!(a.subdir.as_deref(), Some("gpu"));
        let a = parse("git@github.com:acme/infra.git").unwrap();
        assert_eq!(
            a.source,
            git("ssh://git@github.com/acme/infra.git", None, None)
        );
    }

    #[test]
    fn http_archives_by_extension_or_parameter() {
        let a = parse("https://example.com/vpc.tar.gz").unwrap();
        assert_eq!(
            a.source,
            Source::Http {
                url: "https://example.com/vpc.tar.gz".into(),
                archive: Some(ArchiveKind::TarGz)
            }
        );
        let a = parse("https://example.com/get//sub?id=3&archive=zip").unwrap();
        assert_eq!(
            a.source,
            Source::Http {
                url: "https://example.com/get?id=3".into(),
                archive: Some(ArchiveKind::Zip)
            }
        );
        assert_eq!(a.subdir.as_deref(), Some("sub"));
        let a = parse("https://example.com/pkg.zip//modules/a").unwrap();
        assert_eq!(a.subdir.as_deref(), Some("modules/a"));
        let a = parse("https://example.com/module").unwrap();
        assert!(matches!(a.source, Source::Http { archive: None, .. }));
    }

    #[test]
    fn registry_addresses() {
        let a = parse("terraform-aws-modules/vpc/aws").unwrap();
        let Source::Registry(m) = a.source else {
            panic!()
        };
        assert_eq!(
            m.address(),
            "registry.terraform.io/terraform-aws-modules/vpc/aws"
        );
        let a = parse("127.0.0.1:8080/acme/gpu/aws//modules/fleet").unwrap();
        let Source::Registry(m) = a.source else {
            panic!()
        };
        assert_eq!(m.host, "127.0.0.1:8080");
        assert_eq!(a.subdir.as_deref(), Some("modules/fleet"));
        assert!(matches!(
            parse("github.com/acme/infra").unwrap().source,
            Source::Git { .. }
        ));
    }

    #[test]
    fn bad_addresses_say_what_would_work() {
        assert!(parse("/abs/path").unwrap_err().contains("absolute path"));
        assert!(parse("hg::https://x")
            .unwrap_err()
            .contains("not supported"));
        assert!(parse("what is this")
            .unwrap_err()
            .contains("not a module source"));
        assert!(parse("git::https://x/r.git?depth=0")
            .unwrap_err()
            .contains("depth"));
    }
}
