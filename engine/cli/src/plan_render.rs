//! The human rendering of a plan, as a Terraform user expects it:
//! `+ ~ -/+ +/- -` per instance with attribute-level changes,
//! `(known after apply)`, `(sensitive value)`, long strings diffed line by
//! line, and the `Plan: X to add, Y to change, Z to destroy.` summary.

pub use crate::plan_values::stays;
use crate::plan_values::{self as values, Shown, Step};
use strata_core::plan::{Action, BlockShape, Plan, ResourceChange};
use strata_types::{Kind, Value};

pub struct Colors {
    pub enabled: bool,
}

impl Colors {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn symbol(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("+", "32"),
        Action::Update => ("~", "33"),
        Action::Delete => ("-", "31"),
        Action::DeleteThenCreate => ("-/+", "31"),
        Action::CreateThenDelete => ("+/-", "32"),
        Action::Read => ("<=", "36"),
        Action::Forget => (".", "35"),
        Action::NoOp => (" ", "0"),
    }
}

fn headline(c: &ResourceChange, moved_from: Option<&str>) -> String {
    let a = &c.addr;
    if let (Action::NoOp, Some(from)) = (c.action, moved_from) {
        return format!("  # {from} has moved to {a}");
    }
    if c.action == Action::Forget {
        return format!(
            " # {a} will no longer be managed by Strata, but will not be destroyed\n # (destroy = false is set in the configuration)"
        );
    }
    if c.reason.as_deref() == Some("replace_by_triggers") {
        return format!("  # {a} will be replaced due to changes in replace_triggered_by");
    }
    let what = match c.action {
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in-place".to_string(),
        Action::Delete => "will be destroyed".to_string(),
        Action::DeleteThenCreate | Action::CreateThenDelete => "must be replaced".to_string(),
        Action::Read => "will be read during apply".to_string(),
        Action::Forget => "will no longer be managed by Strata".to_string(),
        Action::NoOp => "has no changes".to_string(),
    };
    let mut out = format!("  # {a} {what}");
    if let Some(from) = moved_from {
        out.push_str(&format!("\n  # (moved from {from})"));
    }
    if let Some(id) = &c.importing {
        out.push_str(&format!(
            "\n  # (imported from {})",
            serde_json::Value::from(id.clone())
        ));
    }
    let because = match c.reason.as_deref() {
        // The resource, without its module or key, as Terraform says it.
        Some("delete_because_no_resource_config") => Some(format!(
            "(because {}{}.{} is not in configuration)",
            if a.resource.mode == strata_core::addr::Mode::Data {
                "data."
            } else {
                ""
            },
            a.resource.type_name,
            a.resource.name
        )),
        Some("delete_because_count_index") => Some(format!(
            "(because index {} is out of range for count)",
            a.key
        )),
        Some("delete_because_each_key") => {
            Some(format!("(because key {} is not in for_each map)", a.key))
        }
        Some("delete_because_no_module") => Some(format!(
            "(because {} is not in configuration)",
            strata_core::addr::module_path_text(&a.resource.module)
        )),
        Some("replace_by_request") => {
            Some("(the replacement was requested with --replace)".to_string())
        }
        Some("read_because_dependency_pending") => {
            Some("(config refers to values not yet known)".to_string())
        }
        _ => None,
    };
    if let Some(b) = because {
        out.push_str(&format!("\n  # {b}"));
    }
    out
}

fn attributes(v: &Value) -> Vec<(&str, &Value)> {
    match &v.kind {
        Kind::Object(m) => m.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        _ => vec![],
    }
}

/// The value of attribute `n` in `list`, or `null`.
fn lookup<'a>(list: &[(&str, &'a Value)], n: &str, null: &'a Value) -> &'a Value {
    list.iter().find(|x| x.0 == n).map_or(null, |x| x.1)
}

pub fn render_change(
    c: &ResourceChange,
    moved_from: Option<&str>,
    shape: Option<&BlockShape>,
    colors: &Colors,
) -> String {
    let before = c.before.value();
    let after = c.after.value();
    let (sym, color) = symbol(c.action);
    let mut out = headline(c, moved_from);
    out.push('\n');
    let keyword = if c.addr.resource.mode == strata_core::addr::Mode::Data {
        "data"
    } else {
        "resource"
    };
    let sym = if c.action == Action::Forget {
        format!(" {sym}")
    } else {
        format!("{sym:>3}")
    };
    out.push_str(&format!(
        "{} {keyword} \"{}\" \"{}\" {{\n",
        colors.paint(color, &sym),
        c.addr.resource.type_name,
        c.addr.resource.name
    ));
    let shown = match c.action {
        Action::Create | Action::Read => Shown::Added,
        Action::Delete => Shown::Removed,
        _ => Shown::Changed,
    };
    let empty = BlockShape::default();
    let body = Body {
        shape: shape.unwrap_or(&empty),
        replace_paths: &c.replace_paths,
        colors,
    };
    // A forgotten object stays as it is.
    let after = if c.action == Action::Forget {
        before
    } else {
        after
    };
    body.render(&mut out, before, after, shown, 6);
    out.push_str("    }\n");
    out
}

/// A resource's (or a block's) attributes, then its nested blocks as
/// blocks, as Terraform lays them out.
struct Body<'a> {
    shape: &'a BlockShape,
    /// The paths whose change forces replacement (top level only).
    replace_paths: &'a [Vec<String>],
    colors: &'a Colors,
}

impl Body<'_> {
    fn render(&self, out: &mut String, before: &Value, after: &Value, shown: Shown, indent: usize) {
        let b = attributes(before);
        let a = attributes(after);
        let null = Value::dynamic_null();
        let absent = |list: &[(&str, &'_ Value)], n: &str| lookup(list, n, &null).is_null();
        // A block whose value is not known yet is shown as an attribute.
        let as_block = |n: &str| {
            self.shape.blocks.contains_key(n)
                && !lookup(&b, n, &null).is_unknown()
                && !lookup(&a, n, &null).is_unknown()
        };
        let mut names: Vec<&str> = b
            .iter()
            .map(|x| x.0)
            .chain(a.iter().map(|x| x.0))
            .filter(|n| !as_block(n))
            .collect();
        names.sort();
        names.dedup();
        let visible = |name: &str, bv: &Value, av: &Value| match shown {
            Shown::Added => !av.is_null(),
            Shown::Removed => !bv.is_null(),
            Shown::Changed => !stays(bv, av) || (values::important(name) && !av.is_null()),
        };
        // Aligned on every attribute there is, shown or not.
        let width = names
            .iter()
            .filter(|n| match shown {
                Shown::Added => !absent(&a, n),
                Shown::Removed => !absent(&b, n),
                Shown::Changed => !absent(&a, n) || !absent(&b, n),
            })
            .map(|n| n.len())
            .max()
            .unwrap_or(0);
        let pad = " ".repeat(indent);
        let start = out.len();
        let mut unchanged = 0;
        for name in &names {
            let (bv, av) = (lookup(&b, name, &null), lookup(&a, name, &null));
            if !visible(name, bv, av) {
                if shown == Shown::Changed && !(bv.is_null() && av.is_null()) {
                    unchanged += 1;
                }
                continue;
            }
            let line = match shown {
                Shown::Added => format!(
                    "{pad}{} {name:width$} = {}",
                    self.colors.paint("32", "+"),
                    values::whole_as(av, '+', indent, self.dynamic(name))
                ),
                Shown::Removed => format!(
                    "{pad}{} {name:width$} = {} -> null",
                    self.colors.paint("31", "-"),
                    values::whole_as(bv, '-', indent, self.dynamic(name))
                ),
                Shown::Changed if stays(bv, av) => format!(
                    "{pad}  {name:width$} = {}",
                    values::whole_as(av, ' ', indent, self.dynamic(name))
                ),
                Shown::Changed => self.changed_line(name, bv, av, width, indent),
            };
            out.push_str(&line);
            out.push('\n');
        }
        if unchanged > 0 {
            out.push_str(&format!(
                "{pad}  # ({unchanged} unchanged attribute{} hidden)\n",
                if unchanged == 1 { "" } else { "s" }
            ));
        }
        let mut unchanged_blocks = 0;
        for (name, nested) in &self.shape.blocks {
            if !as_block(name) {
                continue;
            }
            let inner = Body {
                shape: &nested.shape,
                replace_paths: &[],
                colors: self.colors,
            };
            let (olds, news) = (
                lookup(&b, name, &null).as_sequence().unwrap_or(&[]),
                lookup(&a, name, &null).as_sequence().unwrap_or(&[]),
            );
            let mut block =
                |sign: &str, color: &str, before: &Value, after: &Value, shown: Shown| {
                    // A blank line parts a block from what comes before it.
                    if out.len() > start {
                        out.push('\n');
                    }
                    out.push_str(&format!(
                        "{pad}{} {name} {{\n",
                        self.colors.paint(color, sign)
                    ));
                    inner.render(out, before, after, shown, indent + 4);
                    out.push_str(&format!("{pad}  }}\n"));
                };
            // List blocks are paired by position, set blocks by value.
            let steps = match shown {
                Shown::Added => news.iter().map(Step::Add).collect(),
                Shown::Removed => olds.iter().map(Step::Remove).collect(),
                Shown::Changed if nested.set => values::set_steps(olds, news, stays),
                Shown::Changed => values::place_steps(olds, news, stays),
            };
            for step in steps {
                match step {
                    Step::Keep(_) => unchanged_blocks += 1,
                    Step::Change(o, n) => block("~", "33", o, n, Shown::Changed),
                    Step::Remove(o) => block("-", "31", o, &null, Shown::Removed),
                    Step::Add(n) => block("+", "32", &null, n, Shown::Added),
                }
            }
        }
        if unchanged_blocks > 0 {
            if out.len() > start {
                out.push('\n');
            }
            out.push_str(&format!(
                "{pad}  # ({unchanged_blocks} unchanged block{} hidden)\n",
                if unchanged_blocks == 1 { "" } else { "s" }
            ));
        }
    }

    /// Whether the attribute is of any type (its maps shown as objects).
    fn dynamic(&self, name: &str) -> bool {
        self.shape.dynamic.contains(name)
    }

    /// One changed attribute: `~ name = before -> after`, documents and
    /// multi-line strings diffed by line.
    fn changed_line(
        &self,
        name: &str,
        bv: &Value,
        av: &Value,
        width: usize,
        indent: usize,
    ) -> String {
        let pad = " ".repeat(indent);
        // Terraform does not say so of an attribute of any type whose new
        // value is known.
        let forces = (!self.shape.dynamic.contains(name) || av.is_unknown())
            && self
                .replace_paths
                .iter()
                .any(|p| p.first().map(String::as_str) == Some(name));
        let rendered = match (bv.as_str(), av.as_str()) {
            _ if bv.sensitive && av.sensitive && !av.is_unknown() => "(sensitive value)".into(),
            (Some(x), Some(y))
                if !bv.sensitive && !av.sensitive && (x.contains('\n') || y.contains('\n')) =>
            {
                values::heredoc_diff(x, y, indent)
            }
            _ if bv.is_null() => values::whole_as(av, '+', indent, self.dynamic(name)),
            _ if av.is_null() => format!(
                "{} -> null",
                values::whole_as(bv, '-', indent, self.dynamic(name))
            ),
            _ => values::changed_as(bv, av, indent, self.dynamic(name)),
        };
        let sign = if bv.is_null() {
            self.colors.paint("32", "+")
        } else if av.is_null() {
            self.colors.paint("31", "-")
        } else {
            self.colors.paint("33", "~")
        };
        let suffix = if forces {
            self.colors.paint("31", " # forces replacement")
        } else {
            String::new()
        };
        format!("{pad}{sign} {name:width$} = {rendered}{suffix}")
    }
}

pub fn render_plan(plan: &Plan, colors: &Colors) -> String {
    let mut out = String::new();
    let drifted = plan.relevant_drift();
    if !drifted.is_empty() {
        out.push_str("Note: Objects have changed outside of Strata\n\n");
        for c in &drifted {
            out.push_str(&format!(
                "  # {} has changed outside of Strata: {}\n",
                c.addr,
                c.drift.join(", ")
            ));
        }
        out.push('\n');
    }
    let mut shown: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| {
            !matches!(c.action, Action::NoOp)
                || c.importing.is_some()
                || plan.moved_from(&c.addr).is_some()
        })
        .collect();
    // Terraform's order: the root module's first, then by module path,
    // type, name and key (numbers by value), which addresses sort by.
    shown.sort_by(|a, b| a.addr.cmp(&b.addr));
    let mut outputs: Vec<_> = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    if shown.is_empty() && outputs.is_empty() {
        out.push_str("No changes. Your infrastructure matches the configuration.\n\nStrata has compared your real infrastructure against your configuration\nand found no differences, so no changes are needed.\n");
        return out;
    }
    if !shown.is_empty() {
        if shown.iter().any(|c| c.action != Action::NoOp) {
            out.push_str(&legend(&shown, colors));
        }
        out.push_str("Strata will perform the following actions:\n\n");
        for c in &shown {
            out.push_str(&render_change(
                c,
                plan.moved_from(&c.addr),
                plan.block_shape(c),
                colors,
            ));
            out.push('\n');
        }
    }
    let (add, change, destroy) = plan.counts();
    let forget = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Forget)
        .count();
    let imports = plan
        .changes
        .iter()
        .filter(|c| c.importing.is_some())
        .count();
    let mut summary = if imports > 0 {
        format!("Plan: {imports} to import, {add} to add, {change} to change, {destroy} to destroy")
    } else {
        format!("Plan: {add} to add, {change} to change, {destroy} to destroy")
    };
    summary.push('.');
    out.push_str(&colors.paint("1", &summary));
    out.push('\n');
    if let Some(cost) = plan
        .cost
        .as_ref()
        .filter(|c| !c.lines.is_empty() || !c.unpriced.is_empty())
    {
        out.push_str(&cost_summary(cost));
    }
    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        // Aligned on every output, changed or not.
        let width = plan.outputs.iter().map(|o| o.name.len()).max().unwrap_or(0);
        for o in &outputs {
            let after = o.after.as_ref().map(|e| e.value());
            let before = o.before.as_ref().map(|e| e.value());
            // An output that becomes null is one going away.
            let action = match (o.action, &after) {
                (Action::Update, Some(a)) if a.is_null() => Action::Delete,
                (action, _) => action,
            };
            let (sym, color) = symbol(action);
            let text = match (action, &before, &after) {
                (Action::Delete, _, _) if o.sensitive => "(sensitive value) -> null".to_string(),
                _ if o.sensitive => "(sensitive value)".to_string(),
                (Action::Create, _, Some(a)) => values::whole(a, '+', 2),
                (Action::Update, Some(b), Some(a)) => values::changed(b, a, 2),
                (Action::Delete, Some(b), _) => format!("{} -> null", values::whole(b, '-', 2)),
                _ => String::new(),
            };
            out.push_str(&format!(
                "  {} {:width$} = {text}\n",
                colors.paint(color, sym),
                o.name
            ));
        }
    }
    if forget > 0 {
        out.push_str(&forget_warning(plan));
    }
    out
}

/// What Terraform warns of a plan that forgets objects.
fn forget_warning(plan: &Plan) -> String {
    let mut out = String::from(
        "\nWarning: Some objects will no longer be managed by Strata\n\nIf you apply this plan, Strata will discard its tracking information for\nthe following objects, but it will not delete them:\n",
    );
    for c in plan.changes.iter().filter(|c| c.action == Action::Forget) {
        out.push_str(&format!(" - {}\n", c.addr));
    }
    out.push_str("\nAfter applying this plan, Strata will no longer manage these objects. You\nwill need to import them into Strata to manage them again.\n");
    out
}

/// What the symbols of the changes shown mean, as Terraform says it
/// before listing them.
fn legend(shown: &[&ResourceChange], colors: &Colors) -> String {
    let mut out = String::from(
        "\nStrata used the selected providers to generate the following execution\nplan. Resource actions are indicated with the following symbols:\n",
    );
    for (action, words) in [
        (Action::Create, "create"),
        (Action::Update, "update in-place"),
        (Action::Delete, "destroy"),
        (
            Action::DeleteThenCreate,
            "destroy and then create replacement",
        ),
        (
            Action::CreateThenDelete,
            "create replacement and then destroy",
        ),
        (Action::Read, "read (data resources)"),
    ] {
        if shown.iter().any(|c| c.action == action) {
            let (sym, color) = symbol(action);
            out.push_str(&format!(
                "{} {words}\n",
                colors.paint(color, &format!("{sym:>3}"))
            ));
        }
    }
    out.push('\n');
    out
}

/// One or two lines on what the plan costs.
pub fn cost_summary(cost: &strata_core::cost::CostEstimate) -> String {
    use strata_core::cost::money;
    let mut out = format!(
        "Cost: {} per hour ({} per month) for {} priced resource{}",
        money(cost.hourly_delta, &cost.currency),
        money(cost.monthly_delta, &cost.currency),
        cost.lines.len(),
        if cost.lines.len() == 1 { "" } else { "s" }
    );
    if cost.gpus_before != cost.gpus_after {
        out.push_str(&format!(
            "; GPUs {} -> {}",
            cost.gpus_before, cost.gpus_after
        ));
    }
    if !cost.unpriced.is_empty() {
        out.push_str(&format!("; {} unpriced", cost.unpriced.len()));
    }
    out.push_str(".\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::addr::InstanceAddr;
    use strata_core::plan::{EncodedValue, NestedShape};
    use strata_types::json::value_from_json;
    use strata_types::Type;

    fn change(
        action: Action,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> ResourceChange {
        let object = |fields: Vec<(&str, Type)>| {
            Type::object(
                fields
                    .into_iter()
                    .map(|(k, t)| (k.to_string(), t))
                    .collect(),
            )
        };
        let rule = object(vec![
            ("days", Type::Number),
            ("storage_class", Type::String),
        ]);
        let ty = object(vec![
            ("bucket", Type::String),
            (
                "rule",
                Type::list(object(vec![
                    ("id", Type::String),
                    ("transition", Type::set(rule)),
                ])),
            ),
        ]);
        let value = |j: serde_json::Value| {
            if j.is_null() {
                Value::null(ty.clone())
            } else {
                value_from_json(&j, &ty).expect("value")
            }
        };
        ResourceChange {
            addr: InstanceAddr::parse("x_lifecycle.data").expect("address"),
            provider: "x".into(),
            action,
            reason: None,
            before: EncodedValue::new(value(before)),
            after: EncodedValue::new(value(after)),
            replace_paths: vec![],
            dependencies: Default::default(),
            create_before_destroy: false,
            drift: vec![],
            importing: None,
        }
    }

    fn shape() -> BlockShape {
        let transition = NestedShape {
            set: true,
            shape: BlockShape::default(),
        };
        let rule = NestedShape {
            set: false,
            shape: BlockShape {
                blocks: [("transition".to_string(), transition)].into(),
                ..Default::default()
            },
        };
        BlockShape {
            blocks: [("rule".to_string(), rule)].into(),
            ..Default::default()
        }
    }

    /// Blocks are shown as blocks after the attributes, each parted by a
    /// blank line, as Terraform shows them; list blocks are paired by
    /// position, set blocks by value; an `id` is shown unchanged.
    #[test]
    fn nested_blocks_are_shown_as_blocks() {
        let colors = Colors { enabled: false };
        let created = render_change(
            &change(
                Action::Create,
                serde_json::Value::Null,
                serde_json::json!({"bucket": "lake", "rule": [{"id": "raw", "transition": [{"days": 30, "storage_class": "GLACIER"}]}]}),
            ),
            None,
            Some(&shape()),
            &colors,
        );
        assert_eq!(
            created,
            "  # x_lifecycle.data will be created
  + resource \"x_lifecycle\" \"data\" {
      + bucket = \"lake\"

      + rule {
          + id = \"raw\"

          + transition {
              + days          = 30
              + storage_class = \"GLACIER\"
            }
        }
    }
"
        );
        let updated = render_change(
            &change(
                Action::Update,
                serde_json::json!({"bucket": "lake", "rule": [
                    {"id": "raw", "transition": [{"days": 30, "storage_class": "GLACIER"}]},
                    {"id": "old", "transition": []}]}),
                serde_json::json!({"bucket": "lake", "rule": [
                    {"id": "raw", "transition": [{"days": 30, "storage_class": "GLACIER"}, {"days": 90, "storage_class": "DEEP_ARCHIVE"}]}]}),
            ),
            None,
            Some(&shape()),
            &colors,
        );
        assert_eq!(
            updated,
            "  # x_lifecycle.data will be updated in-place
  ~ resource \"x_lifecycle\" \"data\" {
        # (1 unchanged attribute hidden)

      ~ rule {
            id = \"raw\"

          + transition {
              + days          = 90
              + storage_class = \"DEEP_ARCHIVE\"
            }

            # (1 unchanged block hidden)
        }

      - rule {
          - id = \"old\" -> null
        }
    }
"
        );
    }
}
