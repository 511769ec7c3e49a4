//! The `local` provider: files on the machine running Strata. Drift is
//! real here: a file edited or deleted outside Strata reads as gone, so
//! the next plan creates it again.

use async_trait::async_trait;
use base64::Engine;
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::Path;
use strata_provider::{
    attr, attr_str, ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider, ProviderError,
    ProviderResult, ProviderSchema, RecoveryKey, Schema,
};
use strata_types::{Type, Value};

pub struct LocalProvider;

const HASHES: &[&str] = &[
    "content_md5",
    "content_sha1",
    "content_sha256",
    "content_sha512",
    "content_base64sha256",
    "content_base64sha512",
];

fn file_schema(sensitive: bool) -> Schema {
    let content = Attribute::optional(Type::String).force_new();
    let mut attributes = vec![
        ("id", Attribute::computed(Type::String)),
        ("filename", Attribute::required(Type::String).force_new()),
        (
            "content",
            if sensitive {
                content.sensitive()
            } else {
                content
            },
        ),
        (
            "content_base64",
            Attribute::optional(Type::String)
                .force_new()
                .sensitive_if(sensitive),
        ),
        ("source", Attribute::optional(Type::String).force_new()),
        (
            "file_permission",
            Attribute::optional_computed(Type::String).force_new(),
        ),
        (
            "directory_permission",
            Attribute::optional_computed(Type::String).force_new(),
        ),
    ];
    for h in HASHES {
        attributes.push((h, Attribute::computed(Type::String)));
    }
    Schema::new(attributes)
}

trait SensitiveIf {
    fn sensitive_if(self, yes: bool) -> Self;
}

impl SensitiveIf for Attribute {
    fn sensitive_if(self, yes: bool) -> Self {
        if yes {
            self.sensitive()
        } else {
            self
        }
    }
}

fn data_schema() -> Schema {
    let mut attributes = vec![
        ("id", Attribute::computed(Type::String)),
        ("filename", Attribute::required(Type::String)),
        ("content", Attribute::computed(Type::String)),
        ("content_base64", Attribute::computed(Type::String)),
    ];
    for h in HASHES {
        attributes.push((h, Attribute::computed(Type::String)));
    }
    Schema::new(attributes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hashes(bytes: &[u8]) -> BTreeMap<&'static str, String> {
    let b64 = &base64::engine::general_purpose::STANDARD;
    BTreeMap::from([
        ("id", hex(&sha1::Sha1::digest(bytes))),
        ("content_md5", hex(&md5::Md5::digest(bytes))),
        ("content_sha1", hex(&sha1::Sha1::digest(bytes))),
        ("content_sha256", hex(&sha2::Sha256::digest(bytes))),
        ("content_sha512", hex(&sha2::Sha512::digest(bytes))),
        (
            "content_base64sha256",
            b64.encode(sha2::Sha256::digest(bytes)),
        ),
        (
            "content_base64sha512",
            b64.encode(sha2::Sha512::digest(bytes)),
        ),
    ])
}

/// The bytes the configuration asks for.
fn desired_bytes(config: &Value) -> ProviderResult<Option<Vec<u8>>> {
    if let Some(c) = attr_str(config, "content") {
        return Ok(Some(c.as_bytes().to_vec()));
    }
    if let Some(c) = attr_str(config, "content_base64") {
        return base64::engine::general_purpose::STANDARD
            .decode(c)
            .map(Some)
            .map_err(|e| {
                ProviderError::at("Invalid content_base64", e.to_string(), "content_base64")
            });
    }
    if let Some(source) = attr_str(config, "source") {
        return std::fs::read(source).map(Some).map_err(|e| {
            ProviderError::at("Cannot read source", format!("{source}: {e}"), "source")
        });
    }
    Ok(None)
}

/// A permission as Terraform's local provider takes it: three or four
/// octal digits, at most 0777 (no setuid, setgid or sticky bit).
fn parse_mode(text: &str, attribute: &str) -> ProviderResult<u32> {
    let digits_ok =
        (3..=4).contains(&text.len()) && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
    match u32::from_str_radix(text, 8) {
        Ok(mode) if digits_ok && mode <= 0o777 => Ok(mode),
        _ => Err(ProviderError::at(
            "Invalid permission",
            format!("{text:?} is not a file mode of three or four octal digits up to \"0777\", such as \"0644\""),
            attribute,
        )),
    }
}

/// The modes a file and the directories made for it get when the
/// configuration sets none: the local provider's defaults, 0700 for
/// sensitive files so a secret is never readable by others.
fn default_modes(type_name: &str) -> (&'static str, &'static str) {
    if type_name == "local_sensitive_file" {
        ("0700", "0700")
    } else {
        ("0777", "0777")
    }
}

#[async_trait]
impl Provider for LocalProvider {
    fn name(&self) -> &'static str {
        "local"
    }

    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            resources: BTreeMap::from([
                ("local_file".to_string(), file_schema(false)),
                ("local_sensitive_file".to_string(), file_schema(true)),
            ]),
            data_sources: BTreeMap::from([("local_file".to_string(), data_schema())]),
            ..Default::default()
        }
    }

    fn validate_resource(&self, _type_name: &str, config: &Value) -> Vec<ProviderError> {
        let mut errors = Vec::new();
        let set: Vec<&str> = ["content", "content_base64", "source"]
            .into_iter()
            .filter(|a| attr(config, a).is_some_and(|v| !v.is_null()))
            .collect();
        if set.len() > 1 {
            errors.push(ProviderError::at(
                "Conflicting arguments",
                format!("Only one of {} may be set.", set.join(", ")),
                set[1],
            ));
        }
        for attribute in ["file_permission", "directory_permission"] {
            if let Some(text) = attr_str(config, attribute) {
                if let Err(e) = parse_mode(text, attribute) {
                    errors.push(e);
                }
            }
        }
        if let Some(name) = attr_str(config, "filename") {
            let path = Path::new(name);
            if name.is_empty() || path.file_name().is_none() || name.ends_with('/') {
                errors.push(ProviderError::at(
                    "Invalid filename",
                    format!(
                        "{name:?} does not name a file; give a path such as \"out/config.yaml\""
                    ),
                    "filename",
                ));
            }
        }
        errors
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        let schema = file_schema(request.type_name == "local_sensitive_file");
        let (file_mode, dir_mode) = default_modes(request.type_name);
        let defaults = [
            ("file_permission", Value::string(file_mode)),
            ("directory_permission", Value::string(dir_mode)),
        ];
        let mut response = crate::simple::plan_replace_on_change(&schema, &request, &defaults);
        // Hashes are known at plan time when the content is.
        if !request.proposed.is_null() && response.planned != *request.prior {
            if let Ok(Some(bytes)) = desired_bytes(request.config) {
                let known = hashes(&bytes);
                response.planned =
                    crate::simple::fill_unknowns(&response.planned, |k| match known.get(k) {
                        Some(h) => Value::string(h.clone()),
                        None => Value::unknown(Type::String),
                    });
            }
        }
        Ok(response)
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value> {
        if request.planned.is_null() {
            if let Some(name) = attr_str(request.prior, "filename") {
                match std::fs::remove_file(name) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(ProviderError::failed(
                            "Cannot delete file",
                            format!("{name}: {e}"),
                        ))
                    }
                }
            }
            return Ok(request.planned.clone());
        }
        let planned = request.planned;
        let filename = attr_str(planned, "filename").ok_or_else(|| {
            ProviderError::at("Missing filename", "filename is required", "filename")
        })?;
        let bytes = desired_bytes(planned)?.unwrap_or_default();
        let path = Path::new(filename);
        let (default_file_mode, default_dir_mode) = default_modes(request.type_name);
        let dir_mode = parse_mode(
            attr_str(planned, "directory_permission").unwrap_or(default_dir_mode),
            "directory_permission",
        )?;
        let file_mode = parse_mode(
            attr_str(planned, "file_permission").unwrap_or(default_file_mode),
            "file_permission",
        )?;
        // Only missing directories are made, with the configured mode
        // (less the process umask); existing ones are never touched.
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_missing_dirs(parent, dir_mode).map_err(|e| {
                ProviderError::failed(
                    "Cannot create directory",
                    format!("{}: {e}", parent.display()),
                )
            })?;
        }
        // Write through a temporary file so a crash never leaves half a
        // file; it is created with its final mode, so the content is never
        // readable with wider permissions than asked for.
        let tmp = path.with_file_name(format!(
            ".{}.strata-tmp",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        let _ = std::fs::remove_file(&tmp);
        if let Err(e) = write_new_file(&tmp, &bytes, file_mode) {
            let _ = std::fs::remove_file(&tmp);
            return Err(ProviderError::failed(
                "Cannot write file",
                format!("{}: {e}", tmp.display()),
            ));
        }
        if let Err(e) = std::fs::rename(&tmp, path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(ProviderError::failed(
                "Cannot write file",
                format!("{filename}: {e}"),
            ));
        }
        let known = hashes(&bytes);
        Ok(crate::simple::fill_unknowns(planned, |k| {
            Value::string(known.get(k).cloned().unwrap_or_default())
        }))
    }

    async fn read(&self, _type_name: &str, state: &Value) -> ProviderResult<Option<Value>> {
        let Some(filename) = attr_str(state, "filename") else {
            return Ok(None);
        };
        match std::fs::read(filename) {
            Ok(bytes) => {
                // Edited outside Strata: the file we manage is gone.
                if attr_str(state, "id") != Some(hashes(&bytes)["id"].as_str()) {
                    return Ok(None);
                }
                Ok(Some(state.clone()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ProviderError::failed(
                "Cannot read file",
                format!("{filename}: {e}"),
            )),
        }
    }

    async fn read_data_source(&self, type_name: &str, config: &Value) -> ProviderResult<Value> {
        if type_name != "local_file" {
            return Err(ProviderError::UnsupportedType(type_name.to_string()));
        }
        let filename = attr_str(config, "filename").ok_or_else(|| {
            ProviderError::at("Missing filename", "filename is required", "filename")
        })?;
        let bytes = std::fs::read(filename).map_err(|e| {
            ProviderError::at("Cannot read file", format!("{filename}: {e}"), "filename")
        })?;
        let mut values: BTreeMap<String, Value> = hashes(&bytes)
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::string(v)))
            .collect();
        values.insert("filename".into(), Value::string(filename));
        values.insert(
            "content".into(),
            Value::string(String::from_utf8_lossy(&bytes)),
        );
        values.insert(
            "content_base64".into(),
            Value::string(base64::engine::general_purpose::STANDARD.encode(&bytes)),
        );
        Ok(Value::object(values))
    }

    async fn recover(
        &self,
        _type_name: &str,
        token: &str,
        planned: &Value,
    ) -> ProviderResult<Option<Value>> {
        // The token is the file name: the file is the object.
        match std::fs::read(token) {
            Ok(bytes) => {
                let known = hashes(&bytes);
                Ok(Some(crate::simple::fill_unknowns(planned, |k| {
                    Value::string(known.get(k).cloned().unwrap_or_default())
                })))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ProviderError::failed(
                "Cannot read file",
                format!("{token}: {e}"),
            )),
        }
    }

    fn recovery_key(&self, _type_name: &str, planned: &Value) -> RecoveryKey {
        match attr_str(planned, "filename") {
            Some(f) => RecoveryKey::Token(f.to_string()),
            None => RecoveryKey::None,
        }
    }
}

/// Creates the directories of `dir` that do not exist, each with `mode`
/// less the umask, as `mkdir -p -m` would; existing ones keep theirs.
fn create_missing_dirs(dir: &Path, mode: u32) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
    #[cfg(not(unix))]
    let _ = mode;
    builder.create(dir)
}

/// Writes a new file created with `mode` less the umask.
fn write_new_file(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
