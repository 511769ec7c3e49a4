//! String functions.

use super::{int_arg, str_arg, FnError, FnResult, FunctionEnv};
use std::collections::BTreeMap;
use strata_types::{Type, Value};
use unicode_segmentation::UnicodeSegmentation;

pub(super) fn call(name: &str, a: &[Value], env: &FunctionEnv) -> Option<FnResult> {
    let s = || str_arg(a, 0);
    Some(match name {
        "chomp" => {
            let mut t = s();
            loop {
                if let Some(r) = t.strip_suffix("\r\n") {
                    t = r;
                } else if let Some(r) = t.strip_suffix('\n') {
                    t = r;
                } else {
                    break;
                }
            }
            Ok(Value::string(t))
        }
        "lower" => Ok(Value::string(s().to_lowercase())),
        "upper" => Ok(Value::string(s().to_uppercase())),
        "strrev" => Ok(Value::string(s().graphemes(true).rev().collect::<String>())),
        "title" => Ok(Value::string(title(s()))),
        "trimspace" => Ok(Value::string(s().trim())),
        "endswith" => Ok(Value::bool(s().ends_with(str_arg(a, 1)))),
        "startswith" => Ok(Value::bool(s().starts_with(str_arg(a, 1)))),
        "strcontains" => Ok(Value::bool(s().contains(str_arg(a, 1)))),
        "trim" => {
            let cut: Vec<char> = str_arg(a, 1).chars().collect();
            Ok(Value::string(s().trim_matches(|c| cut.contains(&c))))
        }
        "trimprefix" => Ok(Value::string(
            s().strip_prefix(str_arg(a, 1)).unwrap_or(s()),
        )),
        "trimsuffix" => Ok(Value::string(
            s().strip_suffix(str_arg(a, 1)).unwrap_or(s()),
        )),
        "indent" => {
            let spaces = match int_arg(a, 0) {
                Ok(n) => n.max(0) as usize,
                Err(e) => return Some(Err(e)),
            };
            if spaces > super::MAX_GENERATED_WIDTH {
                return Some(Err(FnError::Arg(
                    0,
                    format!(
                        "at most {} spaces are supported",
                        super::MAX_GENERATED_WIDTH
                    ),
                )));
            }
            let pad = " ".repeat(spaces);
            Ok(Value::string(
                str_arg(a, 1).replace('\n', &format!("\n{pad}")),
            ))
        }
        "join" => {
            if a.len() < 2 {
                return Some(Err(FnError::Call("at least one list is required".into())));
            }
            let mut parts = Vec::new();
            for list in &a[1..] {
                for item in list.as_sequence().unwrap_or(&[]) {
                    match item.as_str() {
                        Some(t) => parts.push(t.to_string()),
                        None => return Some(Err(FnError::Call("element must not be null".into()))),
                    }
                }
            }
            Ok(Value::string(parts.join(s())))
        }
        "split" => {
            let (sep, text) = (s(), str_arg(a, 1));
            let parts: Vec<Value> = if sep.is_empty() {
                text.chars().map(|c| Value::string(c.to_string())).collect()
            } else {
                text.split(sep).map(Value::string).collect()
            };
            Ok(Value::list(Type::String, parts))
        }
        "replace" => replace(s(), str_arg(a, 1), str_arg(a, 2)),
        "regex" => regex_match(s(), str_arg(a, 1), false),
        "regexall" => regex_match(s(), str_arg(a, 1), true),
        "substr" => substr(a),
        "format" => super::format::format(a),
        "formatlist" => super::format::formatlist(a),
        "templatestring" => templatestring(a, env),
        _ => return None,
    })
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut previous_letter = false;
    for c in s.chars() {
        if !previous_letter && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        previous_letter = c.is_alphanumeric() || c == '_' || c == '\'';
    }
    out
}

fn substr(a: &[Value]) -> FnResult {
    let text = str_arg(a, 0);
    let offset = int_arg(a, 1)?;
    let length = int_arg(a, 2)?;
    let graphemes: Vec<&str> = text.graphemes(true).collect();
    let count = graphemes.len() as i64;
    let mut start = offset;
    if start < 0 {
        start += count;
        if start < 0 {
            return Err(FnError::Arg(
                1,
                "offset must be greater than or equal to the negative length of the string".into(),
            ));
        }
    }
    if start > count {
        return Ok(Value::string(""));
    }
    let end = if length < 0 {
        count
    } else {
        (start + length).min(count)
    };
    Ok(Value::string(
        graphemes[start as usize..end.max(start) as usize].concat(),
    ))
}

fn compile(pattern: &str) -> Result<regex::Regex, FnError> {
    regex::Regex::new(pattern).map_err(|e| {
        FnError::Arg(
            0,
            format!(
                "invalid regular expression pattern: {}",
                e.to_string()
                    .lines()
                    .last()
                    .unwrap_or("syntax error")
                    .trim()
            ),
        )
    })
}

fn replace(text: &str, substr: &str, replacement: &str) -> FnResult {
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        let re = compile(&substr[1..substr.len() - 1]).map_err(|e| match e {
            FnError::Arg(_, m) => FnError::Arg(1, m),
            other => other,
        })?;
        // Go's ReplaceAllString expands $1 and ${name}; Rust's does too.
        return Ok(Value::string(
            re.replace_all(text, replacement).into_owned(),
        ));
    }
    Ok(Value::string(text.replace(substr, replacement)))
}

fn regex_match(pattern: &str, text: &str, all: bool) -> FnResult {
    let re = compile(pattern)?;
    let named: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let has_named = named.iter().any(Option::is_some);
    let groups = named.len();
    let shape = |caps: &regex::Captures| -> Value {
        if groups == 0 {
            return Value::string(caps.get(0).map(|m| m.as_str()).unwrap_or(""));
        }
        if has_named {
            let mut m = BTreeMap::new();
            for (i, name) in named.iter().enumerate() {
                if let Some(name) = name {
                    m.insert(name.to_string(), capture(caps, i + 1));
                }
            }
            return Value::object(m);
        }
        Value::tuple((1..=groups).map(|i| capture(caps, i)).collect())
    };
    if all {
        let items: Vec<Value> = re.captures_iter(text).map(|c| shape(&c)).collect();
        let ty = items.first().map(Value::ty).unwrap_or(Type::Dynamic);
        let ty = if items.is_empty() {
            if groups == 0 {
                Type::String
            } else {
                Type::Dynamic
            }
        } else {
            ty
        };
        return Ok(Value::list(ty, items));
    }
    match re.captures(text) {
        Some(c) => Ok(shape(&c)),
        None => Err(FnError::Call(
            "pattern did not match any part of the given string".into(),
        )),
    }
}

fn capture(caps: &regex::Captures, i: usize) -> Value {
    match caps.get(i) {
        Some(m) => Value::string(m.as_str()),
        None => Value::null(Type::String),
    }
}

fn templatestring(a: &[Value], env: &FunctionEnv) -> FnResult {
    let vars = a[1]
        .as_mapping()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .ok_or_else(|| FnError::Arg(1, "a map or object is required".into()))?;
    (env.render_template)(str_arg(a, 0), vars, env).map_err(FnError::Call)
}
