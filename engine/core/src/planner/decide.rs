//! Deciding an instance's action: lifecycle arguments, ignored changes,
//! replacement, and what changed.

use super::*;

pub(super) struct Lifecycle {
    pub(super) create_before_destroy: bool,
    pub(super) prevent_destroy: bool,
    pub(super) ignore_changes: Vec<String>,
    pub(super) ignore_all: bool,
    pub(super) replace_triggered_by: Vec<Expr>,
}

pub(super) fn lifecycle(r: &strata_lang::config::Resource) -> Lifecycle {
    let mut l = Lifecycle {
        create_before_destroy: false,
        prevent_destroy: false,
        ignore_changes: vec![],
        ignore_all: false,
        replace_triggered_by: vec![],
    };
    for block in r.body.blocks_of("lifecycle") {
        let flag = |name: &str| {
            block.body.attribute(name).and_then(|a| match &a.expr.kind {
                ExprKind::Literal(v) => v.as_bool(),
                _ => None,
            })
        };
        l.create_before_destroy |= flag("create_before_destroy").unwrap_or(false);
        l.prevent_destroy |= flag("prevent_destroy").unwrap_or(false);
        if let Some(a) = block.body.attribute("ignore_changes") {
            match &a.expr.kind {
                ExprKind::Tuple(items) => {
                    for item in items {
                        if let Some((root, _)) = item.as_traversal() {
                            l.ignore_changes.push(root.to_string());
                        }
                    }
                }
                ExprKind::Variable(v) if v == "all" => l.ignore_all = true,
                _ => {}
            }
        }
        if let Some(a) = block.body.attribute("replace_triggered_by") {
            if let ExprKind::Tuple(items) = &a.expr.kind {
                l.replace_triggered_by.extend(items.iter().cloned());
            }
        }
    }
    l
}

/// Decides the action from the prior and planned values.
pub(super) fn decide(
    prior: &Value,
    planned: &Value,
    requires_replace: &[Vec<String>],
    cbd: bool,
) -> Action {
    if prior.is_null() {
        return Action::Create;
    }
    if planned.is_null() {
        return Action::Delete;
    }
    if !requires_replace.is_empty() {
        return if cbd {
            Action::CreateThenDelete
        } else {
            Action::DeleteThenCreate
        };
    }
    if strata_lang::eval::equals(prior, planned) == Some(true) {
        Action::NoOp
    } else {
        Action::Update
    }
}

/// The paths of `paths` whose value differs between `prior` and
/// `planned`, or is unknown in either: the ones that really force a
/// replacement. Nothing forces replacing an object being created.
pub(super) fn changed_paths(
    prior: &Value,
    planned: &Value,
    paths: Vec<Vec<String>>,
) -> Vec<Vec<String>> {
    if prior.is_null() {
        return Vec::new();
    }
    let at = |v: &Value, path: &[String]| -> Option<Value> {
        let mut current = v.clone();
        for step in path {
            current = match &current.kind {
                Kind::Object(m) | Kind::Map(_, m) => m.get(step)?.clone(),
                Kind::List(_, items) | Kind::Tuple(items) => {
                    items.get(step.parse::<usize>().ok()?)?.clone()
                }
                _ => return None,
            };
        }
        Some(current)
    };
    paths
        .into_iter()
        .filter(|path| match (at(prior, path), at(planned, path)) {
            (None, None) => false,
            (Some(a), Some(b)) => strata_lang::eval::equals(&a, &b) != Some(true),
            _ => true,
        })
        .collect()
}

pub(super) fn replace_action(cbd: bool) -> Action {
    if cbd {
        Action::CreateThenDelete
    } else {
        Action::DeleteThenCreate
    }
}

/// Attributes whose values differ between two versions of an object.
pub(super) fn changed_attributes(before: &Value, after: &Value) -> Vec<String> {
    match (&before.kind, &after.kind) {
        (Kind::Object(a), Kind::Object(b)) => a
            .iter()
            .filter(|(k, v)| {
                b.get(k.as_str())
                    .is_none_or(|w| strata_lang::eval::equals(v, w) != Some(true))
            })
            .map(|(k, _)| k.clone())
            .collect(),
        _ => vec![],
    }
}

pub(super) fn apply_ignore_changes(config: &Value, prior: &Value, lc: &Lifecycle) -> Value {
    if prior.is_null() || (lc.ignore_changes.is_empty() && !lc.ignore_all) {
        return config.clone();
    }
    match (&config.kind, &prior.kind) {
        (Kind::Object(c), Kind::Object(p)) => Value::object(
            c.iter()
                .map(|(k, v)| {
                    let ignored = lc.ignore_all || lc.ignore_changes.iter().any(|i| i == k);
                    (
                        k.clone(),
                        if ignored {
                            p.get(k).cloned().unwrap_or_else(|| v.clone())
                        } else {
                            v.clone()
                        },
                    )
                })
                .collect::<strata_types::Fields>(),
        ),
        _ => config.clone(),
    }
}
