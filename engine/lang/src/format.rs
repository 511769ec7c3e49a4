//! Renders values in HCL literal syntax exactly as `terraform console`
//! prints them: `tolist([...])`, `toset([...])`, `tomap({...})`, heredocs
//! for multi-line strings, `(sensitive value)` and `(known after apply)`.

use strata_types::{Kind, Value};

pub fn format_value(v: &Value, indent: usize) -> String {
    if v.sensitive {
        return "(sensitive value)".into();
    }
    match &v.kind {
        Kind::Null(strata_types::Type::String) => "tostring(null)".into(),
        Kind::Null(strata_types::Type::Number) => "tonumber(null)".into(),
        Kind::Null(strata_types::Type::Bool) => "tobool(null)".into(),
        Kind::Null(_) => "null".into(),
        Kind::Unknown(_) => "(known after apply)".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_decimal_string(),
        Kind::String(s) => format_string(s, indent),
        Kind::List(_, items) => wrap("tolist(", &format_sequence(items, indent), ")"),
        Kind::Set(_, items) => wrap("toset(", &format_sequence(items, indent), ")"),
        Kind::Tuple(items) => format_sequence(items, indent),
        Kind::Map(_, m) => wrap("tomap(", &format_mapping(m, indent), ")"),
        Kind::Object(m) => format_mapping(m, indent),
    }
}

fn wrap(open: &str, inner: &str, close: &str) -> String {
    format!("{open}{inner}{close}")
}

fn format_sequence(items: &[Value], indent: usize) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[");
    for item in items {
        out.push('\n');
        out.push_str(&" ".repeat(indent + 2));
        out.push_str(&format_value(item, indent + 2));
        out.push(',');
    }
    out.push('\n');
    out.push_str(&" ".repeat(indent));
    out.push(']');
    out
}

fn format_mapping(m: &std::collections::BTreeMap<String, Value>, indent: usize) -> String {
    if m.is_empty() {
        return "{}".into();
    }
    let mut out = String::from("{");
    for (k, v) in m {
        out.push('\n');
        out.push_str(&" ".repeat(indent + 2));
        out.push_str(&go_quote(k));
        out.push_str(" = ");
        out.push_str(&format_value(v, indent + 2));
    }
    out.push('\n');
    out.push_str(&" ".repeat(indent));
    out.push('}');
    out
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
