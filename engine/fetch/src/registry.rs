//! The module registry protocol: service discovery
//! (`/.well-known/terraform.json`, `modules.v1`), the versions of a
//! module, and where one version is (`X-Terraform-Get`, or a JSON
//! `location`). Requests carry the host's token when there is one.
//!
//! A registry on a loopback address (127.0.0.1, localhost, [::1]) is
//! spoken to over plain HTTP; every other host over HTTPS only.

use crate::{Error, ErrorKind, Fetcher, RegistryModule};

/// The environment variable Terraform reads a host's token from:
/// `TF_TOKEN_` and the host with `.` as `_` and `-` as `__`.
pub fn token_variable(host: &str) -> String {
    format!("TF_TOKEN_{}", host.replace('-', "__").replace('.', "_"))
}

fn registry_error(module: &RegistryModule, detail: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Registry,
        format!(
            "the module registry at {} could not be used for {}: {detail}",
            module.host,
            module.address()
        ),
    )
}

fn base_url(host: &str) -> String {
    if strata_aws_client::is_loopback(&format!("http://{host}/")) {
        format!("http://{host}")
    } else {
        format!("https://{host}")
    }
}

/// A GET to a registry's API, with the host's token when there is one
/// (never to a package host: only the registry's own URLs come here).
pub(crate) fn get_with_token(
    fetcher: &Fetcher,
    host: &str,
    url: &str,
) -> Result<(u16, Option<String>, String), String> {
    let mut request = fetcher.agents.for_url(url).get(url);
    if let Some(token) = fetcher.tokens.get(host) {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request
        .call()
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("x-terraform-get")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response
        .into_body()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    Ok((status, location, body))
}

fn get(
    fetcher: &Fetcher,
    module: &RegistryModule,
    url: &str,
) -> Result<(u16, Option<String>, String), Error> {
    get_with_token(fetcher, &module.host, url).map_err(|e| registry_error(module, e))
}

/// The base URL, ending in `/`, of a service (`modules.v1`,
/// `providers.v1`) a host offers, by its service discovery document.
pub(crate) fn service_base(fetcher: &Fetcher, host: &str, service: &str) -> Result<String, String> {
    let key = format!("{host} {service}");
    if let Some(found) = fetcher
        .discovered
        .lock()
        .expect("discovery cache")
        .get(&key)
    {
        return Ok(found.clone());
    }
    let root = base_url(host);
    let url = format!("{root}/.well-known/terraform.json");
    let (status, _, body) = get_with_token(fetcher, host, &url)?;
    if status != 200 {
        return Err(format!(
            "service discovery ({url}) answered with HTTP status {status}"
        ));
    }
    let doc: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| format!("service discovery answered with something that is not JSON: {e}"))?;
    let Some(path) = doc.get(service).and_then(|v| v.as_str()) else {
        return Err(format!(
            "the host offers no {service} service (it is not in its service discovery document)"
        ));
    };
    let mut base = crate::http::resolve(&url, path);
    if !base.ends_with('/') {
        base.push('/');
    }
    fetcher
        .discovered
        .lock()
        .expect("discovery cache")
        .insert(key, base.clone());
    Ok(base)
}

/// The `modules.v1` base URL of the module's registry, ending in `/`.
fn modules_base(fetcher: &Fetcher, module: &RegistryModule) -> Result<String, Error> {
    service_base(fetcher, &module.host, "modules.v1").map_err(|e| registry_error(module, e))
}

pub(crate) fn versions(fetcher: &Fetcher, module: &RegistryModule) -> Result<Vec<String>, Error> {
    let base = modules_base(fetcher, module)?;
    let url = format!(
        "{base}{}/{}/{}/versions",
        module.namespace, module.name, module.provider
    );
    let (status, _, body) = get(fetcher, module, &url)?;
    match status {
        200 => {}
        404 => {
            return Err(registry_error(
                module,
                "the registry has no such module (HTTP 404); check the namespace, name and provider",
            ))
        }
        401 | 403 => {
            return Err(registry_error(module, format!("the registry refused the request (HTTP {status}); set a token with {} or a credentials block in the CLI configuration", token_variable(&module.host))))
        }
        other => return Err(registry_error(module, format!("{url} answered with HTTP status {other}"))),
    }
    let doc: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| registry_error(module, format!("the versions list is not JSON: {e}")))?;
    let list = doc
        .get("modules")
        .and_then(|m| m.get(0))
        .and_then(|m| m.get("versions"))
        .and_then(|v| v.as_array())
        .ok_or_else(|| registry_error(module, "the versions list has no modules[0].versions"))?;
    Ok(list
        .iter()
        .filter_map(|v| {
            v.get("version")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        })
        .collect())
}

pub(crate) fn location(
    fetcher: &Fetcher,
    module: &RegistryModule,
    version: &str,
) -> Result<String, Error> {
    let base = modules_base(fetcher, module)?;
    let url = format!(
        "{base}{}/{}/{}/{version}/download",
        module.namespace, module.name, module.provider
    );
    let (status, header, body) = get(fetcher, module, &url)?;
    if !(200..300).contains(&status) {
        return Err(registry_error(
            module,
            format!("{url} answered with HTTP status {status}"),
        ));
    }
    let location = header
        .or_else(|| {
            serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|d| {
                    d.get("location")
                        .and_then(|l| l.as_str())
                        .map(str::to_string)
                })
        })
        .ok_or_else(|| {
            registry_error(
                module,
                format!("{url} did not say where version {version} is (no X-Terraform-Get header)"),
            )
        })?;
    Ok(crate::http::resolve(&url, &location))
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_variables_as_terraform_names_them() {
        assert_eq!(
            super::token_variable("app.terraform.io"),
            "TF_TOKEN_app_terraform_io"
        );
        assert_eq!(
            super::token_variable("my-registry.example.com"),
            "TF_TOKEN_my__registry_example_com"
        );
    }
}
