//! Filesystem functions. Relative paths resolve against the module
//! directory given in [`FunctionEnv`].

use super::encoding::hex;
use super::{str_arg, FnError, FnResult, FunctionEnv};
use base64::Engine;
use sha2::Digest;
use std::path::{Path, PathBuf};
use strata_types::{Type, Value};

pub(super) fn call(name: &str, a: &[Value], env: &FunctionEnv) -> Option<FnResult> {
    let s = || str_arg(a, 0);
    Some(match name {
        "abspath" => {
            let p = Path::new(s());
            let abs = if p.is_absolute() {
                p.to_path_buf()
            } else {
                std::env::current_dir().unwrap_or_default().join(p)
            };
            Ok(Value::string(clean(&abs)))
        }
        "basename" => Ok(Value::string(basename(s()))),
        "dirname" => Ok(Value::string(dirname(s()))),
        "pathexpand" => {
            let p = s();
            if p == "~" || p.starts_with("~/") {
                let home = std::env::var("HOME").unwrap_or_default();
                Ok(Value::string(format!("{home}{}", &p[1..])))
            } else {
                Ok(Value::string(p))
            }
        }
        "file" => read_text(env, s()).map(Value::string),
        "fileexists" => {
            let path = resolve(env, s());
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => Ok(Value::bool(true)),
                Ok(_) => Err(FnError::Call(format!(
                    "{} is not a regular file, but {}",
                    s(),
                    "a directory"
                ))),
                Err(_) => Ok(Value::bool(false)),
            }
        }
        "filebase64" => read_bytes(env, s())
            .map(|b| Value::string(base64::engine::general_purpose::STANDARD.encode(b))),
        "filemd5" => read_bytes(env, s()).map(|b| Value::string(hex(&md5::Md5::digest(&b)))),
        "filesha1" => read_bytes(env, s()).map(|b| Value::string(hex(&sha1::Sha1::digest(&b)))),
        "filesha256" => read_bytes(env, s()).map(|b| Value::string(hex(&sha2::Sha256::digest(&b)))),
        "filesha512" => read_bytes(env, s()).map(|b| Value::string(hex(&sha2::Sha512::digest(&b)))),
        "filebase64sha256" => read_bytes(env, s()).map(|b| {
            Value::string(
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&b)),
            )
        }),
        "filebase64sha512" => read_bytes(env, s()).map(|b| {
            Value::string(
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&b)),
            )
        }),
        "fileset" => fileset(env, s(), str_arg(a, 1)),
        "templatefile" => {
            if env.in_template {
                return Some(Err(FnError::Call(
                    "cannot recursively call templatefile from inside another template function."
                        .into(),
                )));
            }
            let text = match read_text(env, s()) {
                Ok(t) => t,
                Err(e) => return Some(Err(e)),
            };
            let Some(vars) = a[1]
                .as_mapping()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            else {
                return Some(Err(FnError::Arg(1, "a map or object is required".into())));
            };
            let inner = FunctionEnv {
                in_template: true,
                ..env.clone()
            };
            (inner.render_template)(&text, vars, &inner).map_err(FnError::Call)
        }
        _ => return None,
    })
}

fn resolve(env: &FunctionEnv, p: &str) -> PathBuf {
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        env.base_dir.join(path)
    }
}

fn read_bytes(env: &FunctionEnv, p: &str) -> Result<Vec<u8>, FnError> {
    std::fs::read(resolve(env, p)).map_err(|_| FnError::Arg(0, format!("no file exists at {}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource", crate::format::go_quote(p))))
}

fn read_text(env: &FunctionEnv, p: &str) -> Result<String, FnError> {
    let bytes = read_bytes(env, p)?;
    String::from_utf8(bytes).map_err(|_| FnError::Arg(0, format!("contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead", crate::format::go_quote(p))))
}

/// Go's `filepath.Clean`.
pub(crate) fn clean(p: &Path) -> String {
    let text = p.to_string_lossy();
    let absolute = text.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn basename(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

fn dirname(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => clean(Path::new(&p[..i + 1])),
        None => ".".into(),
    }
}

fn fileset(env: &FunctionEnv, base: &str, pattern: &str) -> FnResult {
    if !pattern_is_valid(pattern) {
        return Err(FnError::Call(format!(
            "failed to glob pattern {}: syntax error in pattern",
            crate::format::go_quote(pattern)
        )));
    }
    let root = resolve(env, base);
    let mut matches = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(&root) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if glob_match(pattern, &rel) {
                    matches.push(Value::string(rel));
                }
            }
        }
    }
    Ok(Value::set(Type::String, matches))
}

/// Whether every `[` and `{` of a pattern is closed and no `\\` ends it
/// (doublestar's syntax errors).
fn pattern_is_valid(pattern: &str) -> bool {
    let bytes = pattern.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 == bytes.len() => return false,
            b'\\' => i += 1,
            b'[' => match bytes[i + 1..].iter().position(|&c| c == b']') {
                Some(close) => i += close + 1,
                None => return false,
            },
            b'{' if !bytes[i + 1..].contains(&b'}') => return false,
            _ => {}
        }
        i += 1;
    }
    true
}

/// Matches doublestar patterns: `*`, `?`, `[...]`, `{a,b}` and `**`.
fn glob_match(pattern: &str, path: &str) -> bool {
    if let Some(open) = pattern.find('{') {
        if let Some(close) = pattern[open..].find('}').map(|c| c + open) {
            return pattern[open + 1..close].split(',').any(|alt| {
                glob_match(
                    &format!("{}{}{}", &pattern[..open], alt, &pattern[close + 1..]),
                    path,
                )
            });
        }
    }
    let pattern_parts: Vec<&str> = pattern.split('/').collect();
    let path_parts: Vec<&str> = path.split('/').collect();
    match_parts(&pattern_parts, &path_parts)
}

fn match_parts(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.first() {
        None => path.is_empty(),
        Some(&"**") => (0..=path.len()).any(|skip| match_parts(&pattern[1..], &path[skip..])),
        Some(p) => {
            !path.is_empty()
                && match_segment(p.as_bytes(), path[0].as_bytes())
                && match_parts(&pattern[1..], &path[1..])
        }
    }
}

fn match_segment(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| match_segment(&p[1..], &s[i..])),
        Some(b'?') => !s.is_empty() && match_segment(&p[1..], &s[1..]),
        Some(b'[') => {
            let Some(close) = p.iter().position(|&c| c == b']') else {
                return false;
            };
            if s.is_empty() {
                return false;
            }
            let class = &p[1..close];
            let (negate, class) = match class.first() {
                Some(b'^') | Some(b'!') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut found = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == b'-' {
                    found |= class[i] <= s[0] && s[0] <= class[i + 2];
                    i += 3;
                } else {
                    found |= class[i] == s[0];
                    i += 1;
                }
            }
            found != negate && match_segment(&p[close + 1..], &s[1..])
        }
        Some(c) => s.first() == Some(c) && match_segment(&p[1..], &s[1..]),
    }
}
