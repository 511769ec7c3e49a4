//! A plan as a pull-request comment: a header (stack, workspace,
//! version), a summary table, a warning listing every destructive change
//! with its reason, collapsible sections by action with attribute-level
//! ```diff blocks (documents diffed line by line), drift in its own
//! section, output changes, and the plan's sha256 in the footer.
//!
//! A comment longer than the limit is split into parts, each starting
//! with `<!-- strata:part N/M -->`; a part never ends inside a code fence
//! or a `<details>` section: a section that does not fit is continued in
//! the next part under the same heading.

use strata_core::plan::{Action, Plan, ResourceChange};
use strata_lang::format::format_value;
use strata_types::{Kind, Value};

pub struct Header<'a> {
    pub stack: &'a str,
    pub workspace: &'a str,
    /// sha256 of the plan, hex.
    pub sha256: &'a str,
}

/// Room kept in every part for its marker line and a continuation note.
const PART_OVERHEAD: usize = 200;

/// The smallest part `--max-chars` may ask for: the part marker and
/// overhead, and a budget of 1,000 for the text.
pub const MIN_PART_CHARS: usize = PART_OVERHEAD + 1000;

/// The sha256 of a plan as Strata saves it (its JSON).
pub fn plan_sha256(plan: &Plan) -> String {
    use sha2::Digest;
    let bytes = serde_json::to_vec(plan).expect("plan serializes");
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn show(v: &Value) -> String {
    if v.sensitive {
        return "(sensitive value)".into();
    }
    if v.is_unknown() {
        return "(known after apply)".into();
    }
    format_value(v, 0)
}

fn attributes(v: &Value) -> Vec<(String, Value)> {
    match &v.kind {
        Kind::Object(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => vec![],
    }
}

/// A string that is a JSON or YAML document (or just several lines), as
/// lines to diff.
fn document_lines(s: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(s) {
        if v.is_object() || v.is_array() {
            return serde_json::to_string_pretty(&v).ok().map(|t| t + "\n");
        }
    }
    s.contains('\n').then(|| {
        if s.ends_with('\n') {
            s.to_string()
        } else {
            format!("{s}\n")
        }
    })
}

/// Prefixes every line of a (possibly multi-line) rendered value.
fn lines_with(sign: char, name: &str, value: &str) -> String {
    let mut out = String::new();
    for (i, line) in value.lines().enumerate() {
        let line = if i == 0 {
            format!("{sign} {name} = {line}")
        } else {
            format!("{sign}   {line}")
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if value.is_empty() {
        out.push_str(&format!("{sign} {name} = \n"));
    }
    out
}

/// The attribute-level diff of one change, as the body of a ```diff block.
fn change_diff(c: &ResourceChange) -> String {
    let before = c.before.value();
    let after = c.after.value();
    let b = attributes(before);
    let a = attributes(after);
    let mut names: Vec<String> = b.iter().chain(a.iter()).map(|x| x.0.clone()).collect();
    names.sort();
    names.dedup();
    let get = |list: &[(String, Value)], n: &str| {
        list.iter()
            .find(|x| x.0 == n)
            .map(|x| x.1.clone())
            .unwrap_or_else(Value::dynamic_null)
    };
    let mut out = String::new();
    let mut unchanged = 0;
    for name in &names {
        let (bv, av) = (get(&b, name), get(&a, name));
        let forces = c.replace_paths.iter().any(|p| p.first() == Some(name));
        let note = if forces {
            "   # forces replacement"
        } else {
            ""
        };
        match c.action {
            Action::Create | Action::Read => {
                if !av.is_null() {
                    out.push_str(&lines_with('+', name, &show(&av)));
                }
            }
            Action::Delete | Action::Forget => {
                if !bv.is_null() {
                    out.push_str(&lines_with('-', name, &show(&bv)));
                }
            }
            _ => {
                if crate::plan_render::stays(&bv, &av) {
                    unchanged += 1;
                    continue;
                }
                let documents = match (bv.as_str(), av.as_str()) {
                    (Some(x), Some(y)) if !bv.sensitive && !av.sensitive => {
                        document_lines(x).zip(document_lines(y))
                    }
                    _ => None,
                };
                match documents {
                    Some((x, y)) => {
                        out.push_str(&format!("  {name} = <<document{note}\n"));
                        let diff = similar::TextDiff::from_lines(&x, &y);
                        for change in diff.iter_all_changes() {
                            let sign = match change.tag() {
                                similar::ChangeTag::Delete => '-',
                                similar::ChangeTag::Insert => '+',
                                similar::ChangeTag::Equal => ' ',
                            };
                            out.push(sign);
                            out.push_str("   ");
                            out.push_str(change.value().trim_end_matches('\n'));
                            out.push('\n');
                        }
                        out.push_str("  document\n");
                    }
                    None => {
                        if !bv.is_null() {
                            out.push_str(&lines_with('-', name, &show(&bv)));
                        }
                        if !av.is_null() {
                            let shown = format!("{}{note}", show(&av));
                            out.push_str(&lines_with('+', name, &shown));
                        } else {
                            out.push_str(&format!("+ {name} = null{note}\n"));
                        }
                    }
                }
            }
        }
    }
    if unchanged > 0 {
        out.push_str(&format!(
            "  # ({unchanged} unchanged attribute{} hidden)\n",
            if unchanged == 1 { "" } else { "s" }
        ));
    }
    out
}

/// Why a change happens, in words.
fn reason(c: &ResourceChange) -> String {
    match c.reason.as_deref() {
        Some("delete_because_no_resource_config") => "not in the configuration any more".into(),
        Some("delete_because_count_index") => "its count index is out of range".into(),
        Some("delete_because_each_key") => "its for_each key is gone".into(),
        Some("delete_because_no_module") | Some("delete_because_module_instance") => {
            "its module is gone".into()
        }
        Some("replace_by_triggers") => "replace_triggered_by: a referenced resource changed".into(),
        Some("replace_by_request") => "requested with --replace".into(),
        Some("replace_because_tainted") => "it is tainted".into(),
        _ if c.action.is_replace() && !c.replace_paths.is_empty() => {
            let paths: Vec<String> = c
                .replace_paths
                .iter()
                .map(|p| format!("`{}`", p.join(".")))
                .collect();
            format!("{} forces replacement", paths.join(", "))
        }
        _ if c.action == Action::Delete => "destroy requested".into(),
        Some(other) => other.replace('_', " "),
        None => String::new(),
    }
}

struct Group {
    title: &'static str,
    actions: &'static [Action],
}

const GROUPS: &[Group] = &[
    Group {
        title: "Destroy",
        actions: &[Action::Delete],
    },
    Group {
        title: "Replace",
        actions: &[Action::DeleteThenCreate, Action::CreateThenDelete],
    },
    Group {
        title: "Update in place",
        actions: &[Action::Update],
    },
    Group {
        title: "Create",
        actions: &[Action::Create],
    },
    Group {
        title: "Read during apply",
        actions: &[Action::Read],
    },
    Group {
        title: "Forget (no longer managed)",
        actions: &[Action::Forget],
    },
];

/// One change as a block of the comment: its address, reason and diff.
fn change_block(c: &ResourceChange, moved_from: Option<&str>) -> String {
    let mut out = format!("**`{}`**", c.addr);
    if let Some(from) = moved_from {
        out.push_str(&format!(" (moved from `{from}`)"));
    }
    if let Some(id) = &c.importing {
        out.push_str(&format!(" (imported from `{id}`)"));
    }
    let why = reason(c);
    if !why.is_empty() && c.action != Action::Create {
        out.push_str(&format!(" — {why}"));
    }
    out.push_str("\n\n```diff\n");
    out.push_str(&change_diff(c));
    out.push_str("```\n\n");
    out
}

/// A section: a `<details>` heading and the blocks inside it. Blocks are
/// the units the splitter moves between parts.
struct Section {
    summary: String,
    open: bool,
    /// Shown as it is, not collapsed (a stack's heading).
    plain: bool,
    blocks: Vec<String>,
}

impl Section {
    fn wrap(&self, blocks: &[String], continued: bool) -> String {
        if self.plain {
            return blocks.concat();
        }
        let mut out = format!(
            "<details{}><summary>{}{}</summary>\n\n",
            if self.open { " open" } else { "" },
            self.summary,
            if continued { " (continued)" } else { "" }
        );
        for b in blocks {
            out.push_str(b);
        }
        out.push_str("</details>\n\n");
        out
    }
}

fn count(plan: &Plan, actions: &[Action]) -> usize {
    plan.changes
        .iter()
        .filter(|c| actions.contains(&c.action))
        .count()
}

/// The counts of the summary table: import, add, change, replace,
/// destroy, drift, output changes.
fn counts(plan: &Plan) -> [usize; 7] {
    [
        plan.changes
            .iter()
            .filter(|c| c.importing.is_some())
            .count(),
        count(plan, &[Action::Create]),
        count(plan, &[Action::Update]),
        count(plan, &[Action::DeleteThenCreate, Action::CreateThenDelete]),
        count(plan, &[Action::Delete]),
        plan.relevant_drift().len(),
        plan.outputs
            .iter()
            .filter(|o| o.action != Action::NoOp)
            .count(),
    ]
}

fn table(rows: &[(Option<String>, [usize; 7])]) -> String {
    let named = rows.iter().any(|(n, _)| n.is_some());
    let mut out = String::new();
    if named {
        out.push_str("| stack | import | add | change | replace | destroy | drift | output changes |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    } else {
        out.push_str("| import | add | change | replace | destroy | drift | output changes |\n|---:|---:|---:|---:|---:|---:|---:|\n");
    }
    for (name, c) in rows {
        let cells: Vec<String> = c.iter().map(|n| n.to_string()).collect();
        match name {
            Some(n) => out.push_str(&format!("| {n} | {} |\n", cells.join(" | "))),
            None => out.push_str(&format!("| {} |\n", cells.join(" | "))),
        }
    }
    out.push('\n');
    out
}

/// The warning that lists every destructive change with its reason.
fn warning(plan: &Plan, stack: Option<&str>) -> String {
    let mut destructive: Vec<&ResourceChange> =
        plan.changes.iter().filter(|c| c.action.deletes()).collect();
    if destructive.is_empty() {
        return String::new();
    }
    destructive.sort_by_cached_key(|c| c.addr.to_string());
    let mut out = format!(
        "> [!WARNING]\n> **{} destructive change{}{}**\n",
        destructive.len(),
        if destructive.len() == 1 { "" } else { "s" },
        stack.map(|s| format!(" in `{s}`")).unwrap_or_default()
    );
    for c in &destructive {
        let verb = if c.action == Action::Delete {
            "destroyed"
        } else {
            "replaced"
        };
        out.push_str(&format!(
            "> - `{}` will be **{verb}**: {}\n",
            c.addr,
            reason(c)
        ));
    }
    out.push('\n');
    out
}

/// The collapsible sections of one plan; `prefix` names the stack in a
/// combined comment.
fn sections(plan: &Plan, prefix: &str) -> Vec<Section> {
    let moved_from = |c: &ResourceChange| plan.moved_from(&c.addr);
    let shown: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.importing.is_some() || moved_from(c).is_some())
        .collect();
    let mut out = Vec::new();
    let mut push = |title: String, blocks: Vec<String>| {
        out.push(Section {
            summary: format!("{prefix}{title}"),
            open: false,
            plain: false,
            blocks,
        })
    };
    for g in GROUPS {
        let mut changes: Vec<&&ResourceChange> = shown
            .iter()
            .filter(|c| g.actions.contains(&c.action))
            .collect();
        if changes.is_empty() {
            continue;
        }
        changes.sort_by_cached_key(|c| c.addr.to_string());
        push(
            format!("{} ({})", g.title, changes.len()),
            changes
                .iter()
                .map(|c| change_block(c, moved_from(c)))
                .collect(),
        );
    }
    let imported_only: Vec<&&ResourceChange> = shown
        .iter()
        .filter(|c| c.action == Action::NoOp && c.importing.is_some())
        .collect();
    if !imported_only.is_empty() {
        push(
            format!("Import ({})", imported_only.len()),
            imported_only
                .iter()
                .map(|c| change_block(c, moved_from(c)))
                .collect(),
        );
    }
    let moved_only: Vec<&&ResourceChange> = shown
        .iter()
        .filter(|c| c.action == Action::NoOp && c.importing.is_none())
        .collect();
    if !moved_only.is_empty() {
        push(
            format!("Move ({})", moved_only.len()),
            moved_only
                .iter()
                .map(|c| change_block(c, moved_from(c)))
                .collect(),
        );
    }
    let drifted = plan.relevant_drift();
    if !drifted.is_empty() {
        push(
            format!("Changed outside Strata ({})", drifted.len()),
            drifted
                .iter()
                .map(|c| format!("- `{}`: {}\n", c.addr, c.drift.join(", ")))
                .collect(),
        );
    }
    let outputs: Vec<_> = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    if !outputs.is_empty() {
        let mut block = String::from("```diff\n");
        for o in &outputs {
            let before = o.before.as_ref().map(|e| e.value());
            let after = o.after.as_ref().map(|e| e.value());
            let masked = |v: &Value| {
                if o.sensitive {
                    "(sensitive value)".to_string()
                } else {
                    show(v)
                }
            };
            if let Some(b) = before.filter(|_| o.action != Action::Create) {
                block.push_str(&lines_with('-', &o.name, &masked(b)));
            }
            if let Some(a) = after.filter(|_| o.action != Action::Delete) {
                block.push_str(&lines_with('+', &o.name, &masked(a)));
            }
        }
        block.push_str("```\n\n");
        push(format!("Output changes ({})", outputs.len()), vec![block]);
    }
    out.extend(cost_section(plan, prefix));
    out
}

/// What the policies said: denials as a caution, warnings as a note.
fn policy_notes(plan: &Plan) -> String {
    let mut out = String::new();
    for (level, kind, title) in [
        ("deny", "CAUTION", "Denied by policy"),
        ("warn", "NOTE", "Policy warnings"),
    ] {
        let found: Vec<_> = plan.policy.iter().filter(|f| f.level == level).collect();
        if found.is_empty() {
            continue;
        }
        out.push_str(&format!("> [!{kind}]\n> **{title}**\n"));
        for f in found {
            out.push_str(&format!("> - `{}`: {}\n", f.policy, f.message));
        }
        out.push('\n');
    }
    out
}

/// The plan's cost, when it prices anything.
fn priced(plan: &Plan) -> Option<&strata_core::cost::CostEstimate> {
    plan.cost
        .as_ref()
        .filter(|c| !c.lines.is_empty() || !c.unpriced.is_empty())
}

fn cost_line(plan: &Plan) -> String {
    use strata_core::cost::money;
    let Some(c) = priced(plan) else {
        return String::new();
    };
    let mut out = format!(
        "**Cost:** {} per hour, {} per month",
        money(c.hourly_delta, &c.currency),
        money(c.monthly_delta, &c.currency)
    );
    if c.gpus_before != c.gpus_after {
        out.push_str(&format!(" · GPUs {} → {}", c.gpus_before, c.gpus_after));
    }
    if !c.unpriced.is_empty() {
        out.push_str(&format!(" · {} unpriced", c.unpriced.len()));
    }
    out.push_str("\n\n");
    out
}

/// The cost section: a line per priced resource, the unpriced ones, and
/// where the prices come from.
fn cost_section(plan: &Plan, prefix: &str) -> Option<Section> {
    use strata_core::cost::money;
    let c = priced(plan)?;
    let mut block = String::from(
        "| resource | per hour before | per hour after | GPUs | what |\n|---|---:|---:|---:|---|\n",
    );
    for l in &c.lines {
        block.push_str(&format!(
            "| `{}` | {} | {} | {} → {} | {} |\n",
            l.address,
            money(l.hourly_before, &c.currency).trim_start_matches('+'),
            money(l.hourly_after, &c.currency).trim_start_matches('+'),
            l.gpus_before,
            l.gpus_after,
            l.detail
        ));
    }
    block.push('\n');
    for u in &c.unpriced {
        block.push_str(&format!("- unpriced: `{}`: {}\n", u.address, u.why));
    }
    block.push_str(&format!("\n<sub>{}</sub>\n\n", c.catalog));
    Some(Section {
        summary: format!(
            "{prefix}Cost ({} priced, {} unpriced)",
            c.lines.len(),
            c.unpriced.len()
        ),
        open: false,
        plain: false,
        blocks: vec![block],
    })
}

fn no_changes(plan: &Plan) -> bool {
    counts(plan).iter().all(|n| *n == 0)
        && !plan.changes.iter().any(|c| c.action != Action::NoOp)
        && plan.moved.is_empty()
}

/// The comment, split into parts of at most `max_chars` characters.
pub fn render(plan: &Plan, header: &Header<'_>, max_chars: usize) -> Vec<String> {
    let mut head = format!(
        "### Strata plan: `{}` (workspace `{}`)\n\n",
        header.stack, header.workspace
    );
    head.push_str(&table(&[(None, counts(plan))]));
    head.push_str(&cost_line(plan));
    head.push_str(&policy_notes(plan));
    head.push_str(&warning(plan, None));
    if no_changes(plan) {
        head.push_str("No changes. The infrastructure matches the configuration.\n\n");
    }
    let footer = format!(
        "<sub>Strata {} · plan sha256 `{}`</sub>\n",
        env!("CARGO_PKG_VERSION"),
        header.sha256
    );
    split(&head, &sections(plan, ""), &footer, max_chars)
}

/// One comment for several stacks: a table with a row per stack and the
/// total, then each stack's warning and sections.
pub fn render_many(stacks: &[(Header<'_>, &Plan)], max_chars: usize) -> Vec<String> {
    let workspace = stacks
        .first()
        .map(|(h, _)| h.workspace)
        .unwrap_or("default");
    let mut head = format!(
        "### Strata plan: {} stack{} (workspace `{workspace}`)\n\n",
        stacks.len(),
        if stacks.len() == 1 { "" } else { "s" }
    );
    let mut rows: Vec<(Option<String>, [usize; 7])> = stacks
        .iter()
        .map(|(h, p)| (Some(format!("`{}`", h.stack)), counts(p)))
        .collect();
    let mut total = [0usize; 7];
    for (_, c) in &rows {
        for (t, n) in total.iter_mut().zip(c) {
            *t += n;
        }
    }
    rows.push((Some("**total**".into()), total));
    head.push_str(&table(&rows));
    let mut all = Vec::new();
    for (h, plan) in stacks {
        let mut heading = format!("#### `{}`\n\n", h.stack);
        heading.push_str(&cost_line(plan));
        heading.push_str(&policy_notes(plan));
        heading.push_str(&warning(plan, Some(h.stack)));
        if no_changes(plan) {
            heading.push_str("No changes.\n\n");
        }
        all.push(Section {
            summary: String::new(),
            open: false,
            plain: true,
            blocks: vec![heading],
        });
        all.extend(sections(plan, &format!("{}: ", h.stack)));
    }
    let mut footer = String::from("<sub>");
    footer.push_str(&format!("Strata {}", env!("CARGO_PKG_VERSION")));
    for (h, _) in stacks {
        footer.push_str(&format!(" · `{}` plan sha256 `{}`", h.stack, h.sha256));
    }
    footer.push_str("</sub>\n");
    split(&head, &all, &footer, max_chars)
}

/// Packs the header, sections and footer into parts of at most
/// `max_chars`, never cutting a block.
fn split(head: &str, sections: &[Section], footer: &str, max_chars: usize) -> Vec<String> {
    let budget = max_chars
        .saturating_sub(PART_OVERHEAD)
        .max(MIN_PART_CHARS - PART_OVERHEAD);
    let mut parts: Vec<String> = vec![head.to_string()];
    let chars = |s: &str| s.chars().count();
    for section in sections {
        let mut pending: Vec<String> = Vec::new();
        let mut continued = false;
        for block in &section.blocks {
            let block = fit_block(block, budget - chars(&section.wrap(&[], true)));
            let mut trial = pending.clone();
            trial.push(block.clone());
            let current = parts.last().map(|p| chars(p)).unwrap_or(0);
            if current + chars(&section.wrap(&trial, continued)) <= budget {
                pending = trial;
                continue;
            }
            if !pending.is_empty() {
                let text = section.wrap(&pending, continued);
                parts.last_mut().expect("a part").push_str(&text);
                continued = true;
            }
            parts.push(String::new());
            pending = vec![block];
        }
        if !pending.is_empty() {
            let text = section.wrap(&pending, continued);
            if parts.last().map(|p| chars(p)).unwrap_or(0) + chars(&text) > budget {
                parts.push(String::new());
            }
            parts.last_mut().expect("a part").push_str(&text);
        }
    }
    if parts.last().map(|p| chars(p)).unwrap_or(0) + chars(footer) > budget {
        parts.push(String::new());
    }
    parts.last_mut().expect("a part").push_str(footer);
    let total = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| format!("<!-- strata:part {}/{total} -->\n{p}", i + 1))
        .collect()
}

/// A block longer than a part on its own: its diff is cut at a line
/// boundary and closed, with a note of what was left out.
fn fit_block(block: &str, budget: usize) -> String {
    if block.chars().count() <= budget {
        return block.to_string();
    }
    let mut out = String::new();
    let mut dropped = 0;
    let lines: Vec<&str> = block.lines().collect();
    let mut in_fence = false;
    for line in &lines {
        if dropped > 0 {
            if line.starts_with("```") && in_fence {
                in_fence = false;
            }
            if !line.starts_with("```") {
                dropped += 1;
            }
            continue;
        }
        if out.chars().count() + line.chars().count() + 120 > budget {
            dropped = 1;
            continue;
        }
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        out.push_str(line);
        out.push('\n');
    }
    if in_fence {
        out.push_str(&format!(
            "  # … {dropped} more lines: see `strata show PLANFILE`\n```\n\n"
        ));
    } else {
        out.push_str(&format!(
            "\n… {dropped} more lines: see `strata show PLANFILE`\n\n"
        ));
    }
    out
}
