//! Terraform's `relevant_attributes`: which resource attributes the
//! plan's changes are made from.

use super::references::{references, references_in_scope, Key, Reference, Step, Subject};
use super::{ConfigView, RESOURCE_META, RESOURCE_META_BLOCKS};
use crate::addr::{InstanceKey, ModuleStep};
use crate::plan::{Action, Plan};
use serde_json::{json, Value as Json};
use std::collections::{HashSet, VecDeque};
use strata_lang::ast::{Body, Expr};
use strata_lang::config::{Mode, Resource};

/// A reference and the module instance it is made in.
struct Found {
    module: Vec<ModuleStep>,
    reference: Reference,
}

/// Terraform's `relevant_attributes`: the resource attributes that the
/// plan's changes (changed root outputs, every child module's outputs)
/// read, directly or through
/// locals, module variables and outputs, in the order they are found.
pub fn relevant_attributes(plan: &Plan, view: &ConfigView) -> Json {
    let root = view.root();
    let mut pending: VecDeque<Found> = VecDeque::new();
    let found_in = |module: &[ModuleStep], refs: Vec<Reference>, pending: &mut VecDeque<Found>| {
        pending.extend(refs.into_iter().map(|reference| Found {
            module: module.to_vec(),
            reference,
        }));
    };
    for c in &plan.changes {
        if c.action == Action::NoOp {
            continue;
        }
        let a = &c.addr.resource;
        let mode = match a.mode {
            crate::addr::Mode::Managed => Mode::Managed,
            crate::addr::Mode::Data => Mode::Data,
        };
        if let Some(r) = root
            .at(&a.module)
            .and_then(|m| m.resource(mode, &a.type_name, &a.name))
        {
            found_in(&a.module, resource_references(view, r, &[]), &mut pending);
        }
    }
    // A child module's outputs are not kept in the state: each instance's
    // (an instance the plan keeps something in) are planned anew
    // (created) every time.
    let mut instances: Vec<&[ModuleStep]> = plan
        .changes
        .iter()
        .filter(|c| !matches!(c.action, Action::Delete | Action::Forget))
        .flat_map(|c| {
            let path = &c.addr.resource.module[..];
            (1..=path.len()).map(move |n| &path[..n])
        })
        .collect();
    instances.sort();
    instances.dedup();
    for path in instances {
        for o in root
            .at(path)
            .map(|m| &m.config.outputs[..])
            .unwrap_or_default()
        {
            if let Some(expr) = &o.value {
                found_in(path, references(expr), &mut pending);
            }
        }
    }
    for o in &plan.outputs {
        if o.action == Action::NoOp {
            continue;
        }
        if let Some(expr) = root
            .config
            .outputs
            .iter()
            .find(|x| x.name == o.name)
            .and_then(|x| x.value.as_ref())
        {
            found_in(&[], references(expr), &mut pending);
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while let Some(f) = pending.pop_front() {
        let module_text = crate::addr::module_path_text(&f.module);
        if !seen.insert(format!("{module_text}:{}", f.reference.key())) {
            continue;
        }
        if let Subject::Resource { .. } = &f.reference.subject {
            let resource = match module_text.is_empty() {
                true => f.reference.subject.text(),
                false => format!("{module_text}.{}", f.reference.subject.text()),
            };
            let attribute: Vec<Json> = f
                .reference
                .remaining
                .iter()
                .map(|s| match s {
                    Step::Attr(n) => json!(n),
                    Step::Index(k) => k.json(),
                })
                .collect();
            out.push(json!({ "resource": resource, "attribute": attribute }));
        }
        meta_references(view, &f, &mut pending);
    }
    Json::Array(out)
}

/// What a reference's value is made from: the references of the
/// expression that defines it.
fn meta_references(view: &ConfigView, f: &Found, pending: &mut VecDeque<Found>) {
    let Some(module) = view.root().at(&f.module) else {
        return;
    };
    let mut push = |path: &[ModuleStep], refs: Vec<Reference>| {
        pending.extend(refs.into_iter().map(|reference| Found {
            module: path.to_vec(),
            reference,
        }))
    };
    match &f.reference.subject {
        Subject::Local(name) => {
            if let Some(l) = module.config.locals.iter().find(|l| &l.name == name) {
                push(&f.module, references(&l.expr));
            }
        }
        Subject::Var(name) => {
            let Some((call, parent_path)) = f.module.split_last() else {
                return;
            };
            let argument = view.root().at(parent_path).and_then(|parent| {
                let c = parent.config.modules.iter().find(|m| m.name == call.name)?;
                c.body.attribute(name)
            });
            if let Some(a) = argument {
                push(parent_path, references(&a.expr));
            }
        }
        Subject::Module { name, key, output } => {
            let Some(child) = module.child(name) else {
                return;
            };
            let mut path = f.module.clone();
            path.push(ModuleStep {
                name: name.clone(),
                key: match key {
                    Some(Key::Number(n)) => InstanceKey::Int(n.parse().unwrap_or(0)),
                    Some(Key::Str(s)) => InstanceKey::Str(s.clone()),
                    None => InstanceKey::None,
                },
            });
            for o in &child.config.outputs {
                if output.as_ref().is_none_or(|wanted| wanted == &o.name) {
                    if let Some(expr) = &o.value {
                        push(&path, references(expr));
                    }
                }
            }
        }
        Subject::Resource {
            mode,
            type_name,
            name,
            ..
        } => {
            if let Some(r) = module.resource(*mode, type_name, name) {
                push(
                    &f.module,
                    resource_references(view, r, &f.reference.remaining),
                );
            }
        }
        Subject::Other(_) => {}
    }
}

/// The references of a resource's configuration that make the part
/// `steps` names: an argument's expression, the blocks of a nested block
/// type, or the whole body (and `count` or `for_each`) when `steps` is
/// empty. A computed attribute
/// the configuration does not set is made from nothing in it.
fn resource_references(view: &ConfigView, r: &Resource, steps: &[Step]) -> Vec<Reference> {
    let mut bodies: Vec<&Body> = vec![&r.body];
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut schema = view.schema(r);
    let mut top = true;
    for step in steps {
        let Step::Attr(name) = step else {
            continue;
        };
        if let Some(nested) = schema.and_then(|s| s.blocks.get(name)) {
            bodies = bodies
                .iter()
                .flat_map(|b| b.blocks_of(name).map(|x| &x.body))
                .collect();
            schema = Some(&nested.schema);
            top = false;
            continue;
        }
        exprs = bodies
            .iter()
            .filter_map(|b| b.attribute(name).map(|a| &a.expr))
            .collect();
        bodies.clear();
        break;
    }
    let mut out: Vec<Reference> = Vec::new();
    if steps.is_empty() {
        // The whole resource is also made by its repetition.
        for meta in ["count", "for_each"] {
            if let Some(a) = r.body.attribute(meta) {
                out.extend(references(&a.expr));
            }
        }
    }
    out.extend(exprs.into_iter().flat_map(references));
    for body in bodies {
        body_references(body, top, &mut Vec::new(), &mut out);
    }
    out
}

/// The references of a body's arguments and nested blocks (a `dynamic`
/// block's iterator is not one); at the top of a resource, not those of
/// its meta-arguments.
fn body_references<'e>(
    body: &'e Body,
    top: bool,
    scope: &mut Vec<&'e str>,
    out: &mut Vec<Reference>,
) {
    for a in &body.attributes {
        if !(top && RESOURCE_META.contains(&a.name.as_str())) {
            out.extend(references_in_scope(&a.expr, scope));
        }
    }
    for b in &body.blocks {
        if top && RESOURCE_META_BLOCKS.contains(&b.type_name.as_str()) {
            continue;
        }
        if b.type_name == "dynamic" {
            let iterator = b
                .body
                .attribute("iterator")
                .and_then(|a| a.expr.as_traversal())
                .map(|(root, _)| root)
                .or(b.labels.first().map(|l| l.value.as_str()));
            if let Some(a) = b.body.attribute("for_each") {
                out.extend(references_in_scope(&a.expr, scope));
            }
            let depth = scope.len();
            scope.extend(iterator);
            for content in b.body.blocks_of("content") {
                body_references(&content.body, false, scope, out);
            }
            scope.truncate(depth);
            continue;
        }
        body_references(&b.body, false, scope, out);
    }
}
