//! Values in a plan as Terraform shows them: collections and objects
//! spread over lines with a `+`, `-` or `~` on every element, object
//! attributes and map keys aligned, unchanged elements counted instead of
//! shown, `(known after apply)` and `(sensitive value)` in place.
//!
//! `indent` is always the column of the sign of the line the value
//! starts on; nested lines sit four columns further in.

use strata_lang::format::format_value;
use strata_types::{Kind, Value};

/// How a value is shown: all added, all removed, or the differences.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Shown {
    Added,
    Removed,
    Changed,
}

/// A value made or destroyed whole: every nested line has the sign.
pub fn whole(v: &Value, sign: char, indent: usize) -> String {
    whole_as(v, sign, indent, false)
}

/// The same, every map shown as an object (a value of an attribute of any
/// type, which Terraform reads back from JSON, where maps are objects).
pub fn whole_as(v: &Value, sign: char, indent: usize, objects: bool) -> String {
    if let Some(text) = opaque(v) {
        return text;
    }
    if let Some(doc) = json_document(v) {
        return format!(
            "jsonencode(\n{}{}\n{})",
            " ".repeat(indent + 6),
            whole_as(&doc, sign, indent + 4, true),
            " ".repeat(indent + 2)
        );
    }
    let pad = " ".repeat(indent + 4);
    let close = " ".repeat(indent + 2);
    match &v.kind {
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) if !items.is_empty() => {
            let mut out = String::from("[\n");
            for item in items {
                out.push_str(&format!(
                    "{pad}{sign} {},\n",
                    whole_as(item, sign, indent + 4, objects)
                ));
            }
            out.push_str(&format!("{close}]"));
            out
        }
        Kind::Map(_, fields) | Kind::Object(fields) if !fields.is_empty() => {
            let quoted = matches!(v.kind, Kind::Map(..)) && !objects;
            let keys: Vec<String> = fields.keys().map(|k| key(k, quoted)).collect();
            let width = keys.iter().map(String::len).max().unwrap_or(0);
            let mut out = String::from("{\n");
            for (k, item) in keys.iter().zip(fields.values()) {
                out.push_str(&format!(
                    "{pad}{sign} {k:width$} = {}\n",
                    whole_as(item, sign, indent + 4, objects)
                ));
            }
            out.push_str(&format!("{close}}}"));
            out
        }
        _ => primitive(v, indent),
    }
}

/// A value that changed in place: what differs, element by element.
pub fn changed(before: &Value, after: &Value, indent: usize) -> String {
    changed_as(before, after, indent, false)
}

/// The same, maps as objects (see [`whole_as`]).
pub fn changed_as(before: &Value, after: &Value, indent: usize, objects: bool) -> String {
    if before.sensitive && after.sensitive && !after.is_unknown() {
        return "(sensitive value)".into();
    }
    if opaque(before).is_some() || opaque(after).is_some() {
        return arrow(before, after, indent, objects);
    }
    if let (Some(b), Some(a)) = (json_document(before), json_document(after)) {
        return format!(
            "jsonencode(\n{}~ {}\n{})",
            " ".repeat(indent + 4),
            changed_as(&b, &a, indent + 4, true),
            " ".repeat(indent + 2)
        );
    }
    if let (Some(b), Some(a)) = (before.as_str(), after.as_str()) {
        if b.contains('\n') || a.contains('\n') {
            return heredoc_diff(b, a, indent);
        }
    }
    match (&before.kind, &after.kind) {
        (Kind::Map(_, b), Kind::Map(_, a)) | (Kind::Object(b), Kind::Object(a)) => {
            let quoted = matches!(after.kind, Kind::Map(..)) && !objects;
            fields(b, a, quoted, indent, objects)
        }
        // Tuples of one shape are compared place by place.
        (Kind::Tuple(b), Kind::Tuple(a)) if a.len() == b.len() => places(b, a, indent, objects),
        (
            Kind::List(_, b) | Kind::Tuple(b) | Kind::Set(_, b),
            Kind::List(_, a) | Kind::Tuple(a) | Kind::Set(_, a),
        ) => elements(b, a, matches!(after.kind, Kind::Set(..)), indent, objects),
        _ => arrow(before, after, indent, objects),
    }
}

/// `before -> after` for values shown whole on each side.
fn arrow(before: &Value, after: &Value, indent: usize, objects: bool) -> String {
    let b = if before.is_null() {
        "null".to_string()
    } else {
        whole_as(before, '-', indent, objects)
    };
    let a = if after.is_null() {
        "null".to_string()
    } else {
        whole_as(after, '+', indent, objects)
    };
    format!("{b} -> {a}")
}

/// A string holding a JSON object or array (a policy, a config), as the
/// value it encodes: shown inside `jsonencode(…)` as Terraform shows it.
fn json_document(v: &Value) -> Option<Value> {
    let doc = crate::state_render::json_document(v.as_str()?)?;
    Some(strata_lang::functions::json_value(&doc))
}

/// A string of several lines changed, as a heredoc diffed line by line.
pub fn heredoc_diff(before: &str, after: &str, indent: usize) -> String {
    let pad = " ".repeat(indent + 4);
    let mut out = String::from("<<-EOT\n");
    for change in similar::TextDiff::from_lines(before, after).iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        let line = change.value().strip_suffix('\n').unwrap_or(change.value());
        out.push_str(&format!("{pad}{sign} {line}\n"));
    }
    out.push_str(&format!("{}EOT", " ".repeat(indent + 2)));
    out
}

/// What a value that is not spread over lines shows as, if it is one.
fn opaque(v: &Value) -> Option<String> {
    if v.is_unknown() {
        return Some("(known after apply)".into());
    }
    if v.sensitive {
        return Some("(sensitive value)".into());
    }
    None
}

/// Attributes shown even when they do not change, as Terraform shows
/// them: what identifies the object.
pub fn important(name: &str) -> bool {
    matches!(name, "id" | "name" | "tags")
}

/// A string, number, bool or null; a string of several lines as a
/// heredoc, as Terraform shows it.
fn primitive(v: &Value, indent: usize) -> String {
    if v.is_null() {
        return "null".into();
    }
    match &v.kind {
        Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) => return "[]".into(),
        Kind::Map(..) | Kind::Object(_) => return "{}".into(),
        _ => {}
    }
    match v.as_str() {
        Some(s) if s.contains('\n') => crate::state_render::heredoc(s, indent + 6, indent + 2),
        _ => format_value(v, indent + 2),
    }
}

/// An object attribute's name as written (quoted when it is not an
/// identifier), or a map key, always quoted.
fn key(k: &str, quoted: bool) -> String {
    if quoted {
        strata_lang::format::go_quote(k)
    } else {
        crate::state_render::key(k)
    }
}

fn count_line(pad: &str, n: usize, what: &str) -> String {
    format!(
        "{pad}  # ({n} unchanged {what}{} hidden)\n",
        if n == 1 { "" } else { "s" }
    )
}

/// Whether an attribute stays as it is: known after, and equal.
pub fn stays(before: &Value, after: &Value) -> bool {
    after.is_wholly_known() && strata_lang::eval::equals(before, after) == Some(true)
}

/// The same element: staying, and as sensitive as it was.
fn same(a: &Value, b: &Value) -> bool {
    a.sensitive == b.sensitive && stays(a, b)
}

/// An attribute of an object (or entry of a map), or `null`.
fn field<'v>(m: &'v strata_types::Fields, k: &str, null: &'v Value) -> &'v Value {
    m.get(k).unwrap_or(null)
}

/// The attributes of an object (or entries of a map) that differ, with
/// an object's identifying attributes shown as they are.
fn fields(
    before: &strata_types::Fields,
    after: &strata_types::Fields,
    quoted: bool,
    indent: usize,
    objects: bool,
) -> String {
    let pad = " ".repeat(indent + 4);
    let null = Value::dynamic_null();
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    // Aligned on every attribute there is, shown or not.
    let width = names
        .iter()
        .filter(|k| !field(before, k, &null).is_null() || !field(after, k, &null).is_null())
        .map(|k| key(k, quoted).len())
        .max()
        .unwrap_or(0);
    let mut out = String::from("{\n");
    let mut unchanged = 0;
    for k in names {
        let name = key(k, quoted);
        let (b, a) = (field(before, k, &null), field(after, k, &null));
        let (was, is) = (
            before.contains_key(k.as_str()),
            after.contains_key(k.as_str()),
        );
        let line = if was && !is {
            // Gone from the object (or map) altogether.
            format!(
                "- {name:width$} = {}",
                whole_as(b, '-', indent + 4, objects)
            )
        } else if is && !was {
            format!(
                "+ {name:width$} = {}",
                whole_as(a, '+', indent + 4, objects)
            )
        } else if same(b, a) {
            if !quoted && important(k) && !a.is_null() {
                format!(
                    "  {name:width$} = {}",
                    whole_as(a, ' ', indent + 4, objects)
                )
            } else {
                if !(b.is_null() && a.is_null()) {
                    unchanged += 1;
                }
                continue;
            }
        } else if b.is_null() {
            format!(
                "+ {name:width$} = {}",
                whole_as(a, '+', indent + 4, objects)
            )
        } else if a.is_null() {
            format!(
                "- {name:width$} = {} -> null",
                whole_as(b, '-', indent + 4, objects)
            )
        } else {
            format!(
                "~ {name:width$} = {}",
                changed_as(b, a, indent + 4, objects)
            )
        };
        out.push_str(&format!("{pad}{line}\n"));
    }
    if unchanged > 0 {
        out.push_str(&count_line(
            &pad,
            unchanged,
            if quoted { "element" } else { "attribute" },
        ));
    }
    out.push_str(&format!("{}}}", " ".repeat(indent + 2)));
    out
}

/// The elements of a list or set that differ: a set's by value, a list's
/// along their longest common run, as Terraform pairs them. A list shows
/// the unchanged elements next to a change; the others are counted.
fn elements(before: &[Value], after: &[Value], set: bool, indent: usize, objects: bool) -> String {
    let steps = if set {
        set_steps(before, after, same)
    } else {
        common_run(before, after)
    };
    render_steps(&steps, set, indent, objects)
}

/// A set's elements are kept or not, matched by value (`matches`): those
/// gone, then those new, then those kept.
pub(crate) fn set_steps<'a>(
    before: &'a [Value],
    after: &'a [Value],
    matches: fn(&Value, &Value) -> bool,
) -> Vec<Step<'a>> {
    let gone = before
        .iter()
        .filter(|b| !after.iter().any(|a| matches(b, a)))
        .map(Step::Remove);
    let kept = after
        .iter()
        .filter(|a| before.iter().any(|b| matches(b, a)))
        .map(Step::Keep);
    let new = after
        .iter()
        .filter(|a| !before.iter().any(|b| matches(b, a)))
        .map(Step::Add);
    gone.chain(new).chain(kept).collect()
}

/// Elements paired by position (`matches` tells those kept); the longer
/// side's rest removed or added.
pub(crate) fn place_steps<'a>(
    before: &'a [Value],
    after: &'a [Value],
    matches: fn(&Value, &Value) -> bool,
) -> Vec<Step<'a>> {
    (0..before.len().max(after.len()))
        .filter_map(|i| match (before.get(i), after.get(i)) {
            (Some(b), Some(a)) if matches(b, a) => Some(Step::Keep(a)),
            (Some(b), Some(a)) => Some(Step::Change(b, a)),
            (Some(b), None) => Some(Step::Remove(b)),
            (None, Some(a)) => Some(Step::Add(a)),
            (None, None) => None,
        })
        .collect()
}

/// Elements compared place by place: the same ones kept, the others
/// changed.
fn places(before: &[Value], after: &[Value], indent: usize, objects: bool) -> String {
    render_steps(&place_steps(before, after, same), false, indent, objects)
}

/// The steps as lines; a list shows the kept elements next to a change,
/// and counts the others.
fn render_steps(steps: &[Step], set: bool, indent: usize, objects: bool) -> String {
    let pad = " ".repeat(indent + 4);
    let changes = |i: usize| steps.get(i).is_some_and(|s| !matches!(s, Step::Keep(_)));
    let mut out = String::from("[\n");
    let mut hidden = 0;
    for (i, step) in steps.iter().enumerate() {
        let line = match step {
            Step::Keep(v) if !set && ((i > 0 && changes(i - 1)) || changes(i + 1)) => {
                format!("  {},", whole_as(v, ' ', indent + 4, objects))
            }
            Step::Keep(_) => {
                hidden += 1;
                continue;
            }
            Step::Remove(b) => format!("- {},", whole_as(b, '-', indent + 4, objects)),
            Step::Add(a) => format!("+ {},", whole_as(a, '+', indent + 4, objects)),
            Step::Change(b, a) => format!("~ {},", changed_as(b, a, indent + 4, objects)),
        };
        if hidden > 0 {
            out.push_str(&count_line(&pad, hidden, "element"));
            hidden = 0;
        }
        out.push_str(&format!("{pad}{line}\n"));
    }
    if hidden > 0 {
        out.push_str(&count_line(&pad, hidden, "element"));
    }
    out.push_str(&format!("{}]", " ".repeat(indent + 2)));
    out
}

/// What becomes of one element.
pub(crate) enum Step<'a> {
    Keep(&'a Value),
    Remove(&'a Value),
    Add(&'a Value),
    /// An element in place of another: shown as one element changing.
    Change(&'a Value, &'a Value),
}

/// The edit from `before` to `after` along their longest common
/// subsequence (elements removed before those added at each gap).
fn common_run<'a>(before: &'a [Value], after: &'a [Value]) -> Vec<Step<'a>> {
    let (n, m) = (before.len(), after.len());
    let mut table = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if same(&before[i], &after[j]) {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut steps = Vec::new();
    // What a gap between kept elements removes and adds: paired up in
    // order as changes, the rest removed or added.
    let (mut gone, mut new): (Vec<&Value>, Vec<&Value>) = (Vec::new(), Vec::new());
    let flush = |steps: &mut Vec<Step<'a>>, gone: &mut Vec<&'a Value>, new: &mut Vec<&'a Value>| {
        for k in 0..gone.len().max(new.len()) {
            steps.push(match (gone.get(k), new.get(k)) {
                (Some(b), Some(a)) => Step::Change(b, a),
                (Some(b), None) => Step::Remove(b),
                (None, Some(a)) => Step::Add(a),
                (None, None) => continue,
            });
        }
        gone.clear();
        new.clear();
    };
    while i < n || j < m {
        if i < n && j < m && same(&before[i], &after[j]) {
            flush(&mut steps, &mut gone, &mut new);
            steps.push(Step::Keep(&after[j]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || table[i + 1][j] >= table[i][j + 1]) {
            gone.push(&before[i]);
            i += 1;
        } else {
            new.push(&after[j]);
            j += 1;
        }
    }
    flush(&mut steps, &mut gone, &mut new);
    steps
}
