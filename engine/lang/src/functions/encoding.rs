//! Encoding, hashing and UUID functions.

use super::{int_arg, str_arg, FnError, FnResult};
use base64::Engine;
use sha2::Digest;
use std::collections::BTreeMap;
use std::io::Write;
use strata_types::{Kind, Number, Type, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(super) fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let s = || str_arg(a, 0);
    Some(match name {
        "base64encode" => Ok(Value::string(B64.encode(s()))),
        "base64decode" => match B64.decode(s()) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok(Value::string(text)),
                Err(_) => Err(FnError::Call(
                    "the result of decoding the provided string is not valid UTF-8".into(),
                )),
            },
            Err(_) => Err(FnError::Call(format!(
                "failed to decode base64 data {}",
                crate::format::go_quote(s())
            ))),
        },
        "base64gzip" => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            // Go's gzip writer as Terraform drives it: write, flush, close.
            let _ = encoder.write_all(s().as_bytes());
            let _ = encoder.flush();
            match encoder.finish() {
                Ok(mut bytes) => {
                    // Go closes the stream with an empty *stored* final
                    // block where zlib uses a fixed-Huffman one.
                    let n = bytes.len();
                    if n >= 10 && bytes[n - 10..n - 8] == [0x03, 0x00] {
                        bytes.splice(n - 10..n - 8, [0x01, 0x00, 0x00, 0xff, 0xff]);
                    }
                    Ok(Value::string(B64.encode(bytes)))
                }
                Err(e) => Err(FnError::Call(format!("failed to compress: {e}"))),
            }
        }
        "urlencode" => Ok(Value::string(urlencode(s()))),
        "csvdecode" => csvdecode(s()),
        "jsonencode" => json_encode(&a[0]).map(Value::string),
        "jsondecode" => json_decode(s()),
        "yamlencode" => yaml_encode(&a[0]).map(Value::string),
        "yamldecode" => yaml_decode(s()),
        "textencodebase64" => text_encode(s(), str_arg(a, 1)),
        "textdecodebase64" => text_decode(s(), str_arg(a, 1)),
        "md5" => Ok(Value::string(hex(&md5::Md5::digest(s().as_bytes())))),
        "sha1" => Ok(Value::string(hex(&sha1::Sha1::digest(s().as_bytes())))),
        "sha256" => Ok(Value::string(hex(&sha2::Sha256::digest(s().as_bytes())))),
        "sha512" => Ok(Value::string(hex(&sha2::Sha512::digest(s().as_bytes())))),
        "base64sha256" => Ok(Value::string(
            B64.encode(sha2::Sha256::digest(s().as_bytes())),
        )),
        "base64sha512" => Ok(Value::string(
            B64.encode(sha2::Sha512::digest(s().as_bytes())),
        )),
        "uuid" => Ok(Value::string(uuid::Uuid::new_v4().to_string())),
        "uuidv5" => uuidv5(s(), str_arg(a, 1)),
        "bcrypt" => {
            let cost = if a.len() > 1 {
                match int_arg(a, 1) {
                    Ok(c) => c as u32,
                    Err(e) => return Some(Err(e)),
                }
            } else {
                10
            };
            match bcrypt::hash(s(), cost) {
                Ok(h) => Ok(Value::string(h.replacen("$2b$", "$2a$", 1))),
                Err(e) => Err(FnError::Call(format!(
                    "error occurred generating password {e}"
                ))),
            }
        }
        _ => return None,
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn uuidv5(namespace: &str, name: &str) -> FnResult {
    let ns = match namespace {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other)
            .map_err(|_| FnError::Arg(0, format!("uuidv5() doesn't support namespace {other}")))?,
    };
    Ok(Value::string(
        uuid::Uuid::new_v5(&ns, name.as_bytes()).to_string(),
    ))
}

fn text_encode(s: &str, encoding: &str) -> FnResult {
    let bytes: Vec<u8> = match encoding.to_ascii_uppercase().replace('_', "-").as_str() {
        "UTF-8" | "UTF8" => s.as_bytes().to_vec(),
        "UTF-16LE" => s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
        "UTF-16BE" => s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect(),
        "ISO-8859-1" | "LATIN1" => {
            let mut out = Vec::new();
            for c in s.chars() {
                if (c as u32) > 255 {
                    return Err(FnError::Call(format!("the given string contains characters that cannot be represented in {encoding}")));
                }
                out.push(c as u32 as u8);
            }
            out
        }
        _ => {
            return Err(FnError::Arg(
                1,
                format!(
                    "{} is not a supported IANA encoding name or alias in this Terraform version",
                    crate::format::go_quote(encoding)
                ),
            ))
        }
    };
    Ok(Value::string(B64.encode(bytes)))
}

fn text_decode(s: &str, encoding: &str) -> FnResult {
    let bytes = B64
        .decode(s)
        .map_err(|_| FnError::Arg(0, "the given value is has an invalid base64 symbol".into()))?;
    let text = match encoding.to_ascii_uppercase().replace('_', "-").as_str() {
        "UTF-8" | "UTF8" => String::from_utf8_lossy(&bytes).into_owned(),
        "UTF-16LE" | "UTF-16BE" => {
            let le = encoding.to_ascii_uppercase().ends_with("LE");
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| {
                    let pair = [c[0], *c.get(1).unwrap_or(&0)];
                    if le {
                        u16::from_le_bytes(pair)
                    } else {
                        u16::from_be_bytes(pair)
                    }
                })
                .collect();
            String::from_utf16_lossy(&units)
        }
        "ISO-8859-1" | "LATIN1" => bytes.iter().map(|&b| b as char).collect(),
        _ => {
            return Err(FnError::Arg(
                1,
                format!(
                    "{} is not a supported IANA encoding name or alias in this Terraform version",
                    crate::format::go_quote(encoding)
                ),
            ))
        }
    };
    Ok(Value::string(text))
}

fn csvdecode(s: &str) -> FnResult {
    let rows = parse_csv(s).map_err(FnError::Call)?;
    let mut rows = rows.into_iter();
    let Some(header) = rows.next() else {
        return Err(FnError::Call("missing header line".into()));
    };
    let mut out = Vec::new();
    for (line, row) in rows.enumerate() {
        if row.len() != header.len() {
            return Err(FnError::Call(format!(
                "record on line {}: wrong number of fields",
                line + 2
            )));
        }
        let object: BTreeMap<String, Value> = header
            .iter()
            .cloned()
            .zip(row.into_iter().map(Value::string))
            .collect();
        out.push(Value::object(object));
    }
    let element = Type::object(header.iter().map(|h| (h.clone(), Type::String)).collect());
    Ok(Value::list(element, out))
}

/// RFC 4180 records: quoted fields with doubled quotes, CRLF or LF rows.
fn parse_csv(s: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = s.chars().peekable();
    let mut in_quotes = false;
    let mut field_started = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                in_quotes = true;
                field_started = true;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                field_started = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                if !(row.len() == 1 && row[0].is_empty() && !field_started) {
                    rows.push(std::mem::take(&mut row));
                } else {
                    row.clear();
                }
                field_started = false;
            }
            _ => {
                field.push(c);
                field_started = true;
            }
        }
    }
    if in_quotes {
        return Err("extraneous or missing \" in quoted-field".into());
    }
    if field_started || !field.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

// ---- JSON -----------------------------------------------------------------

pub(crate) fn json_encode(v: &Value) -> Result<String, FnError> {
    let mut out = String::new();
    write_json(v, &mut out)?;
    Ok(out)
}

fn write_json(v: &Value, out: &mut String) -> Result<(), FnError> {
    match &v.kind {
        Kind::Null(_) => out.push_str("null"),
        Kind::Unknown(_) => return Err(FnError::Call("value is not known".into())),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => {
            if n.is_infinite() {
                return Err(FnError::Call("can't serialize infinity".into()));
            }
            out.push_str(&n.to_decimal_string())
        }
        Kind::String(s) => json_string(s, out),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out)?;
            }
            out.push(']');
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                write_json(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Go's encoding/json string escaping (HTML-safe).
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(crate) fn json_decode(s: &str) -> FnResult {
    let parsed: serde_json::Value =
        serde_json::from_str(s).map_err(|e| FnError::Arg(0, format!("{e}")))?;
    Ok(from_json(&parsed))
}

pub(crate) fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::dynamic_null(),
        serde_json::Value::Bool(b) => Value::bool(*b),
        serde_json::Value::Number(n) => {
            Value::number(Number::parse(&n.to_string()).unwrap_or_else(Number::zero))
        }
        serde_json::Value::String(s) => Value::string(s.clone()),
        serde_json::Value::Array(items) => Value::tuple(items.iter().map(from_json).collect()),
        serde_json::Value::Object(m) => Value::object(
            m.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<strata_types::Fields>(),
        ),
    }
}

// ---- YAML -----------------------------------------------------------------

fn yaml_encode(v: &Value) -> Result<String, FnError> {
    let mut out = String::new();
    yaml_node(v, 0, &mut out, Context::Top)?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[derive(PartialEq, Clone, Copy)]
enum Context {
    Top,
    MapValue,
    SeqItem,
}

fn yaml_scalar(v: &Value, indent: usize) -> Result<Option<String>, FnError> {
    Ok(Some(match &v.kind {
        Kind::Null(_) => "null".into(),
        Kind::Unknown(_) => return Err(FnError::Call("value is not known".into())),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_decimal_string(),
        Kind::String(s) => {
            if s.contains('\n') && !s.chars().any(|c| c != '\n' && c.is_control() && c != '\t') {
                let chomp = if s.ends_with("\n\n") || s == "\n" {
                    "+"
                } else if s.ends_with('\n') {
                    ""
                } else {
                    "-"
                };
                let body = s.strip_suffix('\n').unwrap_or(s);
                let leading_space = if s.starts_with(' ') {
                    (indent + 2).to_string()
                } else {
                    String::new()
                };
                let mut block = format!("|{leading_space}{chomp}");
                let pad = " ".repeat(indent.max(2));
                let lines: Vec<&str> = if chomp == "+" {
                    s[..s.len() - 1].split('\n').collect()
                } else {
                    body.split('\n').collect()
                };
                for line in lines {
                    block.push('\n');
                    if !line.is_empty() {
                        block.push_str(&pad);
                        block.push_str(line);
                    }
                }
                block
            } else {
                yaml_quote(s)
            }
        }
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) if items.is_empty() => {
            "[]".into()
        }
        Kind::Map(_, m) | Kind::Object(m) if m.is_empty() => "{}".into(),
        _ => return Ok(None),
    }))
}

fn yaml_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn yaml_node(v: &Value, indent: usize, out: &mut String, ctx: Context) -> Result<(), FnError> {
    if let Some(s) = yaml_scalar(v, indent)? {
        if ctx == Context::MapValue {
            out.push(' ');
        }
        out.push_str(&s);
        out.push('\n');
        return Ok(());
    }
    let pad = " ".repeat(indent);
    match &v.kind {
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            if ctx == Context::MapValue {
                out.push('\n');
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 || ctx != Context::SeqItem {
                    out.push_str(&pad);
                }
                out.push_str("- ");
                yaml_node(item, indent + 2, out, Context::SeqItem)?;
            }
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            if ctx == Context::MapValue {
                out.push('\n');
            }
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 || ctx != Context::SeqItem {
                    out.push_str(&pad);
                }
                out.push_str(&yaml_quote(k));
                out.push(':');
                let child_indent =
                    if matches!(item.kind, Kind::List(..) | Kind::Set(..) | Kind::Tuple(_)) {
                        indent
                    } else {
                        indent + 2
                    };
                yaml_node(item, child_indent, out, Context::MapValue)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn yaml_decode(s: &str) -> FnResult {
    let mut builder = YamlBuilder::default();
    let mut parser = yaml_rust2::parser::Parser::new_from_str(s);
    parser.load(&mut builder, true).map_err(|e| {
        FnError::Call(format!(
            "on line {}, column {}: {}",
            e.marker().line(),
            e.marker().col() + 1,
            e.info()
        ))
    })?;
    if let Some(e) = builder.error {
        return Err(FnError::Call(e));
    }
    match builder.documents.len() {
        0 => Err(FnError::Call("the YAML document is empty".into())),
        1 => Ok(builder.documents.pop().unwrap_or_else(Value::dynamic_null)),
        _ => Err(FnError::Call(
            "the given YAML contains more than one document".into(),
        )),
    }
}

/// An open sequence (items) or mapping (entries and the pending key).
type OpenNode = (Vec<Value>, Option<BTreeMap<String, Value>>, Option<String>);

/// Builds values from parser events, so that plain scalars are resolved
/// with YAML 1.1 rules as Terraform does (`yes`, `on`, `y` are true) while
/// quoted scalars stay strings.
#[derive(Default)]
struct YamlBuilder {
    documents: Vec<Value>,
    /// Open sequences and mappings; a mapping keeps its pending key.
    stack: Vec<OpenNode>,
    anchors: std::collections::HashMap<usize, Value>,
    anchor_stack: Vec<usize>,
    error: Option<String>,
}

impl YamlBuilder {
    fn push_value(&mut self, v: Value, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, v.clone());
        }
        match self.stack.last_mut() {
            None => self.documents.push(v),
            Some((items, None, _)) => items.push(v),
            Some((_, Some(map), key)) => match key.take() {
                None => match &v.kind {
                    Kind::String(s) => *key = Some(s.clone()),
                    Kind::Number(n) => *key = Some(n.to_decimal_string()),
                    Kind::Bool(b) => *key = Some(b.to_string()),
                    Kind::Null(_) => *key = Some("null".into()),
                    _ => self.error = Some("only scalar mapping keys are supported".into()),
                },
                Some(k) => {
                    map.insert(k, v);
                }
            },
        }
    }
}

impl yaml_rust2::parser::MarkedEventReceiver for YamlBuilder {
    fn on_event(&mut self, event: yaml_rust2::Event, _mark: yaml_rust2::scanner::Marker) {
        use yaml_rust2::Event;
        match event {
            Event::SequenceStart(anchor, _) => {
                self.stack.push((Vec::new(), None, None));
                self.anchor_stack.push(anchor);
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push((Vec::new(), Some(BTreeMap::new()), None));
                self.anchor_stack.push(anchor);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let anchor = self.anchor_stack.pop().unwrap_or(0);
                if let Some((items, map, _)) = self.stack.pop() {
                    let v = match map {
                        Some(m) => Value::object(m),
                        None => Value::tuple(items),
                    };
                    self.push_value(v, anchor);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let v = if style != yaml_rust2::scanner::TScalarStyle::Plain
                    || tag.is_some_and(|t| t.suffix == "str")
                {
                    Value::string(text)
                } else {
                    resolve_plain_scalar(&text)
                };
                self.push_value(v, anchor);
            }
            Event::Alias(id) => {
                let v = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(Value::dynamic_null);
                self.push_value(v, 0);
            }
            _ => {}
        }
    }
}

fn resolve_plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::dynamic_null(),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::bool(false)
        }
        _ => {}
    }
    let cleaned = text.replace('_', "");
    if let Some(hex) = cleaned.strip_prefix("0x") {
        if let Some(n) = num_bigint::BigInt::parse_bytes(hex.as_bytes(), 16) {
            return Value::number(Number::from_bigint(&n));
        }
    }
    if cleaned
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'-' || b == b'+' || b == b'.')
    {
        if let Some(n) = Number::parse(&cleaned) {
            return Value::number(n);
        }
    }
    Value::string(text)
}
