//! Renders values in HCL literal syntax exactly as `terraform console`
//! prints them: `tolist([...])`, `toset([...])`, `tomap({...})`, heredocs
//! for multi-line strings, `(sensitive value)` and `(known after apply)`.

use strata_types::{Kind, Value};

pub fn format_value(v: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_value(&mut out, v, indent);
    out
}

/// Appends `v` to `out`: one buffer for the whole value, so nesting costs
/// only the text it prints.
fn write_value(out: &mut String, v: &Value, indent: usize) {
    if v.sensitive {
        out.push_str("(sensitive value)");
        return;
    }
    match &v.kind {
        Kind::Null(strata_types::Type::String) => out.push_str("tostring(null)"),
        Kind::Null(strata_types::Type::Number) => out.push_str("tonumber(null)"),
        Kind::Null(strata_types::Type::Bool) => out.push_str("tobool(null)"),
        Kind::Null(_) => out.push_str("null"),
        Kind::Unknown(_) => out.push_str("(known after apply)"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => out.push_str(&n.to_decimal_string()),
        Kind::String(s) => out.push_str(&format_string(s, indent)),
        Kind::List(_, items) => wrapped(out, "tolist(", |o| write_sequence(o, items, indent)),
        Kind::Set(_, items) => wrapped(out, "toset(", |o| write_sequence(o, items, indent)),
        Kind::Tuple(items) => write_sequence(out, items, indent),
        Kind::Map(_, m) => wrapped(out, "tomap(", |o| write_mapping(o, m, indent)),
        Kind::Object(m) => write_mapping(out, m, indent),
    }
}

fn wrapped(out: &mut String, open: &str, inner: impl FnOnce(&mut String)) {
    out.push_str(open);
    inner(out);
    out.push(')');
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_sequence(out: &mut String, items: &[Value], indent: usize) {
    if items.is_empty() {
        out.push_str("[]");
        return;
    }
    out.push('[');
    for item in items {
        out.push('\n');
        pad(out, indent + 2);
        write_value(out, item, indent + 2);
        out.push(',');
    }
    out.push('\n');
    pad(out, indent);
    out.push(']');
}

fn write_mapping(out: &mut String, m: &strata_types::FieldMap<Value>, indent: usize) {
    if m.is_empty() {
        out.push_str("{}");
        return;
    }
    out.push('{');
    for (k, v) in m {
        out.push('\n');
        pad(out, indent + 2);
        out.push_str(&go_quote(k));
        out.push_str(" = ");
        write_value(out, v, indent + 2);
    }
    out.push('\n');
    pad(out, indent);
    out.push('}');
}

fn format_string(s: &str, indent: usize) -> String {
    let lines: Vec<&str> = s.split('\n').collect();
    if lines.len() < 2 {
        return go_quote(s);
    }
    let operator = if indent > 0 { "<<-" } else { "<<" };
    let mut delimiter = String::from("EOT");
    while lines.iter().any(|l| l.trim() == delimiter) {
        delimiter.push('_');
    }
    let pad = " ".repeat(indent);
    let mut out = format!("{operator}{delimiter}");
    for line in lines {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(line);
    }
    out.push('\n');
    out.push_str(&pad);
    out.push_str(&delimiter);
    out
}

/// Go's `strconv.Quote`: printable characters kept, others escaped.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if (0x80..0xa0).contains(&u) || u == 0xad {
        return false;
    }
    if (0x2028..=0x2029).contains(&u)
        || (0xfff9..=0xfffb).contains(&u)
        || (0xe000..=0xf8ff).contains(&u)
    {
        return false;
    }
    if c.is_whitespace() && c != ' ' {
        return false;
    }
    !c.is_control()
}
