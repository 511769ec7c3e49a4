//! HTTP(S) downloads: archives, the `X-Terraform-Get` redirection (a
//! header, or a `terraform-get` meta tag in HTML), and S3 objects.

use crate::{Error, ErrorKind, S3Client};
use strata_aws_client::Agents;

/// Archives larger than this are refused rather than held in memory.
const MAX_DOWNLOAD: u64 = 512 * 1024 * 1024;

fn unreachable(url: &str, e: ureq::Error) -> Error {
    Error::new(ErrorKind::Download, format!("cannot reach {url}: {e}"))
}

fn status_error(url: &str, status: u16) -> Error {
    Error::new(
        ErrorKind::Download,
        format!("{url} answered with HTTP status {status}"),
    )
}

pub(crate) fn download(agents: &Agents, url: &str) -> Result<Vec<u8>, Error> {
    let response = agents
        .for_url(url)
        .get(url)
        .call()
        .map_err(|e| unreachable(url, e))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(status_error(url, status));
    }
    response
        .into_body()
        .with_config()
        .limit(MAX_DOWNLOAD)
        .read_to_vec()
        .map_err(|e| Error::new(ErrorKind::Download, format!("reading {url}: {e}")))
}

/// Asks `url` (with `terraform-get=1`) where the module is, and resolves
/// the answer against `url`.
pub(crate) fn terraform_get(agents: &Agents, url: &str) -> Result<String, Error> {
    let sep = if url.contains('?') { '&' } else { '?' };
    let asked = format!("{url}{sep}terraform-get=1");
    let response = agents
        .for_url(&asked)
        .get(&asked)
        .call()
        .map_err(|e| unreachable(url, e))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(status_error(url, status));
    }
    let header = response
        .headers()
        .get("x-terraform-get")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let location = match header {
        Some(h) => h,
        None => {
            let body = response
                .into_body()
                .with_config()
                .limit(4 * 1024 * 1024)
                .read_to_string()
                .unwrap_or_default();
            meta_terraform_get(&body).ok_or_else(|| {
                Error::new(ErrorKind::Download, format!("{url} is not an archive (no .zip, .tar.gz, … extension or archive= parameter) and did not say where the module is (no X-Terraform-Get header or terraform-get meta tag)"))
            })?
        }
    };
    Ok(resolve(url, &location))
}

/// The `content` of `<meta name="terraform-get" content="…">`.
fn meta_terraform_get(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let at = lower.find("name=\"terraform-get\"")?;
    let tag_start = lower[..at].rfind('<')?;
    let tag_end = at + lower[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let content = tag.find("content=\"")? + "content=\"".len();
    let end = content + tag[content..].find('"')?;
    Some(tag[content..end].replace("&amp;", "&"))
}

/// `location` relative to `base`, as a browser would resolve a link (a
/// location with a getter prefix or a scheme is already absolute).
pub(crate) fn resolve(base: &str, location: &str) -> String {
    if location.contains("::") || location.contains("://") {
        return location.to_string();
    }
    let Some(scheme_end) = base.find("://").map(|i| i + 3) else {
        return location.to_string();
    };
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{}{rest}", &base[..scheme_end]);
    }
    if location.starts_with('/') {
        return format!("{}{location}", &base[..host_end]);
    }
    let path = base.split(['?', '#']).next().unwrap_or(base);
    let dir_end = path[host_end..]
        .rfind('/')
        .map_or(path.len(), |i| host_end + i);
    let mut parts: Vec<&str> = path[host_end..dir_end]
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let (location_path, query) = match location.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (location, None),
    };
    for piece in location_path.split('/') {
        match piece {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = format!("{}/{}", &base[..host_end], parts.join("/"));
    if location_path.ends_with('/') {
        out.push('/');
    }
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The object an `s3::` URL names: path style (`https://HOST/BUCKET/KEY`,
/// any host) or virtual-hosted (`https://BUCKET.s3.REGION.amazonaws.com/KEY`).
pub(crate) fn s3_object(make: &S3Client, url: &str) -> Result<Vec<u8>, Error> {
    let bad = || {
        Error::new(
            ErrorKind::InvalidAddress,
            format!("{url} is not an S3 object URL (https://s3.REGION.amazonaws.com/BUCKET/KEY)"),
        )
    };
    let scheme_end = url.find("://").ok_or_else(bad)? + 3;
    let rest = url[scheme_end..].split('?').next().unwrap_or("");
    let (host, path) = rest.split_once('/').ok_or_else(bad)?;
    let (endpoint_host, bucket, key) = match host.split_once(".s3") {
        Some((bucket, _)) if host.ends_with(".amazonaws.com") => (
            host.trim_start_matches(bucket).trim_start_matches('.'),
            bucket,
            path,
        ),
        _ => {
            let (bucket, key) = path.split_once('/').ok_or_else(bad)?;
            (host, bucket, key)
        }
    };
    if bucket.is_empty() || key.is_empty() {
        return Err(bad());
    }
    let endpoint = format!("{}{endpoint_host}", &url[..scheme_end]);
    let client = make(&region_of(endpoint_host), &endpoint)
        .map_err(|e| Error::new(ErrorKind::Download, format!("cannot read {url}: {e}")))?;
    let request = strata_aws_client::Request::new("s3", "GET", format!("/{bucket}/{key}"));
    let response = client
        .send(&request)
        .map_err(|e| Error::new(ErrorKind::Download, format!("cannot read {url}: {e}")))?;
    if !(200..300).contains(&response.status) {
        return Err(status_error(url, response.status));
    }
    Ok(response.body)
}

/// The region an AWS S3 host names (`s3.eu-west-1.amazonaws.com`,
/// `s3-eu-west-1.amazonaws.com`, `BUCKET.s3.eu-west-1.amazonaws.com`);
/// us-east-1 for `s3.amazonaws.com` and for hosts outside AWS.
fn region_of(host: &str) -> String {
    let Some(inner) = host.strip_suffix(".amazonaws.com") else {
        return "us-east-1".into();
    };
    let after = inner
        .rsplit_once("s3")
        .map_or("", |(_, t)| t)
        .trim_start_matches(['.', '-']);
    match after.rsplit('.').next() {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => "us-east-1".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_url_that_gave_them() {
        let base = "http://127.0.0.1:9/v1/modules/acme/vpc/aws/1.0.0/download";
        assert_eq!(
            resolve(base, "/archives/vpc.tgz"),
            "http://127.0.0.1:9/archives/vpc.tgz"
        );
        assert_eq!(
            resolve(base, "../../x.zip?archive=zip"),
            "http://127.0.0.1:9/v1/modules/acme/vpc/x.zip?archive=zip"
        );
        assert_eq!(
            resolve(base, "git::https://example.com/r.git"),
            "git::https://example.com/r.git"
        );
        assert_eq!(resolve(base, "https://other/x.zip"), "https://other/x.zip");
    }

    #[test]
    fn s3_regions_from_hosts() {
        assert_eq!(region_of("s3.amazonaws.com"), "us-east-1");
        assert_eq!(region_of("s3-eu-west-1.amazonaws.com"), "eu-west-1");
        assert_eq!(region_of("data.s3.us-west-2.amazonaws.com"), "us-west-2");
        assert_eq!(region_of("127.0.0.1:5000"), "us-east-1");
    }

    #[test]
    fn meta_tag_gives_the_location() {
        let html = r#"<html><head><meta name="terraform-get" content="./pkg.zip?a=1&amp;b=2"></head></html>"#;
        assert_eq!(
            meta_terraform_get(html).as_deref(),
            Some("./pkg.zip?a=1&b=2")
        );
    }
}
