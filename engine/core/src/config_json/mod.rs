//! Terraform's JSON view of the configuration behind a plan: the plan
//! JSON's `configuration` (every module's variables, resources, outputs
//! and module calls, each expression as its references or its constant
//! value, and the provider configurations) and `relevant_attributes`
//! (the resource attributes the plan's changes read, followed through
//! locals, module variables and outputs).

mod references;
mod relevant;

pub use relevant::relevant_attributes;

use crate::addr::ModuleStep;
use references::references;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;
use strata_lang::ast::{Body, Expr, ExprKind};
use strata_lang::config::{ChildModule, Config, LoadedStack, Mode, Resource};
use strata_lang::requirements::{module_requirements, resource_provider, SourceAddr};
use strata_provider::{Nesting, Registry, Schema};

/// The configuration a plan was made from, and the providers that give
/// its schemas.
#[derive(Clone, Copy)]
pub struct ConfigView<'a> {
    pub stack: &'a LoadedStack,
    pub registry: &'a Registry,
}

/// One module of the configuration.
#[derive(Clone, Copy)]
struct Module<'a> {
    config: &'a Config,
    children: &'a BTreeMap<String, ChildModule>,
}

impl<'a> Module<'a> {
    fn child(&self, name: &str) -> Option<Module<'a>> {
        self.children.get(name).map(|c| Module {
            config: &c.config,
            children: &c.children,
        })
    }

    /// The module at the end of a module instance path.
    fn at(self, path: &[ModuleStep]) -> Option<Module<'a>> {
        path.iter().try_fold(self, |m, step| m.child(&step.name))
    }

    fn resource(&self, mode: Mode, type_name: &str, name: &str) -> Option<&'a Resource> {
        self.config
            .resources
            .iter()
            .find(|r| r.mode == mode && r.type_name == type_name && r.name == name)
    }
}

impl<'a> ConfigView<'a> {
    fn root(&self) -> Module<'a> {
        Module {
            config: &self.stack.config,
            children: &self.stack.children,
        }
    }

    fn schema(&self, r: &Resource) -> Option<&'a Schema> {
        self.registry
            .type_schema(&r.type_name, r.mode == Mode::Data)
            .map(|s| s.as_ref())
    }
}

/// Arguments of a resource block that are not the resource's own.
const RESOURCE_META: &[&str] = &["count", "for_each", "provider", "depends_on"];
/// Blocks of a resource that are not the resource's own arguments.
const RESOURCE_META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// Terraform's `expression`: the constant value when the expression is
/// one (it evaluates with nothing in scope), and its references. Unlike
/// Terraform, Strata leaves out the constant of what is `sensitive` (an
/// attribute the schema marks, a sensitive variable's default or
/// output): a secret written into the configuration stays out of the
/// plan JSON.
fn expression_json(expr: &Expr, sensitive: bool) -> Json {
    let mut out = Map::new();
    if let Some(v) = constant(expr).filter(|_| !sensitive) {
        out.insert("constant_value".into(), v);
    }
    let mut texts = Vec::new();
    for r in references(expr) {
        r.texts(&mut texts);
    }
    if !texts.is_empty() {
        out.insert("references".into(), json!(texts));
    }
    Json::Object(out)
}

/// The value of an expression that needs nothing to evaluate: no
/// reference and no function call.
fn constant(expr: &Expr) -> Option<Json> {
    let mut calls = false;
    expr.walk(&mut |e| calls |= matches!(e.kind, ExprKind::Call { .. }));
    if calls {
        return None;
    }
    let v = evaluate_alone(expr)?;
    v.is_wholly_known()
        .then(|| strata_types::json::value_to_json(&v))
}

/// The value of an expression evaluated with nothing in scope.
fn evaluate_alone(expr: &Expr) -> Option<strata_types::Value> {
    let empty = std::collections::HashMap::new();
    let env = strata_lang::functions::FunctionEnv::default();
    let ctx = strata_lang::eval::EvalContext {
        variables: &empty,
        overlay: None,
        env: &env,
    };
    strata_lang::eval::evaluate(expr, &ctx).ok()
}

/// Terraform's `expressions` of a body: each argument the schema knows
/// (every argument when there is no schema) and each nested block.
fn expressions_json(body: &Body, schema: Option<&Schema>, skip: &[&str]) -> Map<String, Json> {
    let mut out = Map::new();
    for a in &body.attributes {
        let attribute = schema.map(|s| s.attributes.get(&a.name));
        if attribute.is_some_and(|x| x.is_none()) || skip.contains(&a.name.as_str()) {
            continue;
        }
        let sensitive = attribute.flatten().is_some_and(|x| x.sensitive);
        out.insert(a.name.clone(), expression_json(&a.expr, sensitive));
    }
    for b in &body.blocks {
        let Some(nested) = schema.and_then(|s| s.blocks.get(&b.type_name)) else {
            continue;
        };
        let inner = Json::Object(expressions_json(&b.body, Some(&nested.schema), &[]));
        match nested.nesting {
            Nesting::Single | Nesting::Group => {
                out.insert(b.type_name.clone(), inner);
            }
            Nesting::List | Nesting::Set => {
                let list = out.entry(b.type_name.clone()).or_insert_with(|| json!([]));
                if let Some(items) = list.as_array_mut() {
                    items.push(inner);
                }
            }
        }
    }
    out
}

/// The subjects of a `depends_on` list.
fn depends_on_json(body: &Body) -> Option<Json> {
    let attr = body.attribute("depends_on")?;
    let ExprKind::Tuple(items) = &attr.expr.kind else {
        return None;
    };
    let subjects: Vec<String> = items
        .iter()
        .filter_map(|e| references(e).into_iter().next())
        .map(|r| r.subject.text())
        .collect();
    (!subjects.is_empty()).then(|| json!(subjects))
}

fn literal_attr(body: &Body, name: &str) -> Option<String> {
    body.attribute(name)
        .and_then(|a| strata_lang::ast::literal_string(&a.expr))
}

/// `module.a.module.b`, or empty for the root module.
fn opaque_key(name: &str, module: &str) -> String {
    if module.is_empty() {
        name.to_string()
    } else {
        format!("{module}:{name}")
    }
}

/// A provider configuration of Terraform's `provider_config`.
struct ProviderEntry {
    json: Map<String, Json>,
    full_name: String,
    /// The configuration this one stands for, in a calling module.
    parent_key: Option<String>,
}

/// The key a configuration inherited from a parent module resolves to.
fn source_key(
    start: &str,
    full_name: &str,
    found: &BTreeMap<String, ProviderEntry>,
) -> Option<String> {
    let entry = found.get(start)?;
    if entry.full_name != full_name {
        return None;
    }
    match &entry.parent_key {
        Some(parent) => source_key(parent, full_name, found),
        None => Some(start.to_string()),
    }
}

/// Collects the provider configurations of `module` and of the modules
/// it calls, as Terraform's `provider_config` keys them.
fn provider_configs(
    view: &ConfigView,
    module: Module,
    path: &str,
    parent: Option<&str>,
    found: &mut BTreeMap<String, ProviderEntry>,
) {
    let requirements = module_requirements(module.config);
    let full_name = |local: &str| {
        requirements
            .get(local)
            .map(|(source, _)| source.clone())
            .unwrap_or_else(|| SourceAddr::implied(local))
            .to_string()
    };
    let constraint = |local: &str| {
        requirements
            .get(local)
            .and_then(|(_, c)| c.as_ref())
            .map(|c| c.to_string())
    };
    let entry = |name: &str, local: &str| {
        let mut json = Map::new();
        json.insert("name".into(), json!(name));
        json.insert("full_name".into(), json!(full_name(local)));
        if !path.is_empty() {
            json.insert("module_address".into(), json!(path));
        }
        if let Some(c) = constraint(local) {
            json.insert("version_constraint".into(), json!(c));
        }
        ProviderEntry {
            json,
            full_name: full_name(local),
            parent_key: None,
        }
    };
    let inherit = |local: &str, e: &mut ProviderEntry, found: &BTreeMap<String, ProviderEntry>| {
        if let Some(parent) = parent {
            e.parent_key = source_key(&opaque_key(local, parent), &e.full_name, found);
        }
    };
    for block in &module.config.providers {
        let Some(name) = block.labels.first().map(|l| l.value.as_str()) else {
            continue;
        };
        let alias = literal_attr(&block.body, "alias");
        let mut e = entry(name, name);
        let schema = view.registry.schema(name).map(|s| &s.provider);
        let expressions = expressions_json(&block.body, schema, &["alias", "version"]);
        if !expressions.is_empty() {
            e.json
                .insert("expressions".into(), Json::Object(expressions));
        }
        let local = match &alias {
            Some(a) => {
                e.json.insert("alias".into(), json!(a));
                format!("{name}.{a}")
            }
            None => name.to_string(),
        };
        found.insert(opaque_key(&local, path), e);
    }
    for local in requirements.keys() {
        let key = opaque_key(local, path);
        if !found.contains_key(&key) {
            let mut e = entry(local, local);
            inherit(local, &mut e, found);
            found.insert(key, e);
        }
    }
    for r in &module.config.resources {
        let (local, config_name) = resource_provider(r);
        let key = opaque_key(&config_name, path);
        if !found.contains_key(&key) {
            let mut e = entry(&local, &local);
            inherit(&local, &mut e, found);
            found.insert(key, e);
        }
    }
    for call in &module.config.modules {
        let Some(child) = module.child(&call.name) else {
            continue;
        };
        let child_path = if path.is_empty() {
            format!("module.{}", call.name)
        } else {
            format!("{path}.module.{}", call.name)
        };
        let child_requirements = module_requirements(child.config);
        for (in_child, in_parent) in passed_providers(&call.body) {
            let local = in_child.split('.').next().unwrap_or(&in_child).to_string();
            let full = child_requirements
                .get(&local)
                .map(|(s, _)| s.clone())
                .unwrap_or_else(|| SourceAddr::implied(&local))
                .to_string();
            let mut json = Map::new();
            json.insert("name".into(), json!(in_child));
            json.insert("full_name".into(), json!(full));
            json.insert("module_address".into(), json!(child_path));
            let parent_key = source_key(&opaque_key(&in_parent, path), &full, found);
            found.insert(
                opaque_key(&in_child, &child_path),
                ProviderEntry {
                    json,
                    full_name: full,
                    parent_key,
                },
            );
        }
        provider_configs(view, child, &child_path, Some(path), found);
    }
}

/// A module call's `providers = { aws = aws.west }`: (in the child, in
/// the caller).
fn passed_providers(body: &Body) -> Vec<(String, String)> {
    let Some(attr) = body.attribute("providers") else {
        return Vec::new();
    };
    let ExprKind::Object(items) = &attr.expr.kind else {
        return Vec::new();
    };
    let text = |e: &Expr| {
        let (root, steps) = e.as_traversal()?;
        Some(match steps.first() {
            Some(strata_lang::ast::TraversalStep::Attr(alias, _)) => format!("{root}.{alias}"),
            _ => root.to_string(),
        })
    };
    items
        .iter()
        .filter_map(|(k, v)| {
            let key = match k {
                strata_lang::ast::ObjectKey::Name(n) => Some(n.clone()),
                strata_lang::ast::ObjectKey::Expr(e) => text(e),
            }?;
            Some((key, text(v)?))
        })
        .collect()
}

/// A plan in Terraform's plan JSON, with the `configuration` and the
/// `relevant_attributes` of the configuration it was made from.
pub fn plan_json(plan: &crate::Plan, view: &ConfigView) -> Json {
    let mut out = plan.to_terraform_json();
    out["configuration"] = configuration(view);
    let relevant = relevant_attributes(plan, view);
    if relevant.as_array().is_some_and(|r| !r.is_empty()) {
        out["relevant_attributes"] = relevant;
    }
    out
}

/// Terraform's `configuration`: `provider_config` and `root_module`.
pub fn configuration(view: &ConfigView) -> Json {
    let mut providers = BTreeMap::new();
    provider_configs(view, view.root(), "", None, &mut providers);
    let resolve = |key: String| match providers.get(&key).and_then(|e| e.parent_key.clone()) {
        Some(parent) if providers.contains_key(&parent) => parent,
        _ => key,
    };
    let root = module_json(view, view.root(), "", &resolve);
    let provider_config: Map<String, Json> = providers
        .iter()
        .filter(|(_, e)| e.parent_key.is_none())
        .map(|(k, e)| (k.clone(), Json::Object(e.json.clone())))
        .collect();
    let mut out = Map::new();
    if !provider_config.is_empty() {
        out.insert("provider_config".into(), Json::Object(provider_config));
    }
    out.insert("root_module".into(), root);
    Json::Object(out)
}

fn module_json(
    view: &ConfigView,
    module: Module,
    path: &str,
    resolve: &dyn Fn(String) -> String,
) -> Json {
    let mut out = Map::new();
    let outputs: Map<String, Json> = module
        .config
        .outputs
        .iter()
        .map(|o| {
            let mut j = Map::new();
            if o.sensitive {
                j.insert("sensitive".into(), json!(true));
            }
            j.insert(
                "expression".into(),
                o.value
                    .as_ref()
                    .map(|e| expression_json(e, o.sensitive))
                    .unwrap_or(json!({})),
            );
            if let Some(d) = literal_attr(&o.body, "description").filter(|d| !d.is_empty()) {
                j.insert("description".into(), json!(d));
            }
            if let Some(d) = depends_on_json(&o.body) {
                j.insert("depends_on".into(), d);
            }
            (o.name.clone(), Json::Object(j))
        })
        .collect();
    if !outputs.is_empty() {
        out.insert("outputs".into(), Json::Object(outputs));
    }
    let mut resources: Vec<(Mode, String, Json)> = module
        .config
        .resources
        .iter()
        .map(|r| (r.mode, r.address(), resource_json(view, r, path, resolve)))
        .collect();
    resources.sort_by(|a, b| (a.0 == Mode::Data, &a.1).cmp(&(b.0 == Mode::Data, &b.1)));
    if !resources.is_empty() {
        out.insert(
            "resources".into(),
            Json::Array(resources.into_iter().map(|r| r.2).collect()),
        );
    }
    let calls: Map<String, Json> = module
        .config
        .modules
        .iter()
        .map(|call| {
            let child = module.child(&call.name);
            let child_path = if path.is_empty() {
                format!("module.{}", call.name)
            } else {
                format!("{path}.module.{}", call.name)
            };
            let mut j = Map::new();
            j.insert(
                "source".into(),
                json!(literal_attr(&call.body, "source").unwrap_or_default()),
            );
            if let Some(v) = literal_attr(&call.body, "version") {
                j.insert("version_constraint".into(), json!(v));
            }
            let variables: BTreeMap<&str, bool> = child
                .map(|c| {
                    c.config
                        .variables
                        .iter()
                        .map(|v| (v.name.as_str(), v.sensitive))
                        .collect()
                })
                .unwrap_or_default();
            let expressions: Map<String, Json> = call
                .body
                .attributes
                .iter()
                .filter_map(|a| {
                    let sensitive = variables.get(a.name.as_str())?;
                    Some((a.name.clone(), expression_json(&a.expr, *sensitive)))
                })
                .collect();
            if !expressions.is_empty() {
                j.insert("expressions".into(), Json::Object(expressions));
            }
            let repetition = ["count", "for_each"].iter().find_map(|meta| {
                let e = expression_json(&call.body.attribute(meta)?.expr, false);
                (e != json!({})).then(|| (format!("{meta}_expression"), e))
            });
            if let Some((k, e)) = repetition {
                j.insert(k, e);
            }
            j.insert(
                "module".into(),
                child
                    .map(|c| module_json(view, c, &child_path, resolve))
                    .unwrap_or(json!({})),
            );
            if let Some(d) = depends_on_json(&call.body) {
                j.insert("depends_on".into(), d);
            }
            (call.name.clone(), Json::Object(j))
        })
        .collect();
    if !calls.is_empty() {
        out.insert("module_calls".into(), Json::Object(calls));
    }
    let variables: Map<String, Json> = module
        .config
        .variables
        .iter()
        .map(|v| {
            let mut j = Map::new();
            // A sensitive default stays out of the plan JSON (Terraform
            // writes it).
            if let Some(d) = variable_default(v).filter(|_| !v.sensitive) {
                j.insert("default".into(), d);
            }
            if let Some(d) = v.description.as_ref().filter(|d| !d.is_empty()) {
                j.insert("description".into(), json!(d));
            }
            if v.sensitive {
                j.insert("sensitive".into(), json!(true));
            }
            (v.name.clone(), Json::Object(j))
        })
        .collect();
    if !variables.is_empty() {
        out.insert("variables".into(), Json::Object(variables));
    }
    Json::Object(out)
}

/// A variable's default, converted to its type as Terraform records it.
fn variable_default(v: &strata_lang::config::Variable) -> Option<Json> {
    let value = evaluate_alone(v.default.as_ref()?)?;
    let value = match &v.constraint {
        Some(c) => strata_lang::types::convert_to_constraint(&value, c).ok()?,
        None => value,
    };
    Some(strata_types::json::value_to_json(&value))
}

fn resource_json(
    view: &ConfigView,
    r: &Resource,
    path: &str,
    resolve: &dyn Fn(String) -> String,
) -> Json {
    let schema = view.schema(r);
    let (_, config_name) = resource_provider(r);
    let mut j = Map::new();
    j.insert("address".into(), json!(r.address()));
    j.insert(
        "mode".into(),
        json!(match r.mode {
            Mode::Managed => "managed",
            Mode::Data => "data",
        }),
    );
    j.insert("type".into(), json!(r.type_name));
    j.insert("name".into(), json!(r.name));
    j.insert(
        "provider_config_key".into(),
        json!(resolve(opaque_key(&config_name, path))),
    );
    let provisioners: Vec<Json> = r
        .body
        .blocks_of("provisioner")
        .map(|p| {
            let expressions =
                Json::Object(expressions_json(&p.body, None, &["when", "on_failure"]));
            json!({
                "type": p.labels.first().map(|l| l.value.as_str()).unwrap_or_default(),
                "expressions": expressions,
            })
        })
        .collect();
    if !provisioners.is_empty() {
        j.insert("provisioners".into(), json!(provisioners));
    }
    // Nested blocks are those of the schema: the meta blocks (lifecycle,
    // provisioner, …) are never among them.
    let expressions = expressions_json(&r.body, schema, RESOURCE_META);
    if !expressions.is_empty() {
        j.insert("expressions".into(), Json::Object(expressions));
    }
    j.insert(
        "schema_version".into(),
        json!(schema.map(|s| s.version).unwrap_or(0)),
    );
    for meta in ["count", "for_each"] {
        if let Some(a) = r.body.attribute(meta) {
            let e = expression_json(&a.expr, false);
            if e != json!({}) {
                j.insert(format!("{meta}_expression"), e);
            }
        }
    }
    if let Some(d) = depends_on_json(&r.body) {
        j.insert("depends_on".into(), d);
    }
    Json::Object(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expression(source: &str) -> Json {
        let parsed = strata_lang::parser::parse_expression(source, 0);
        expression_json(&parsed.value, false)
    }

    #[test]
    fn an_expression_is_its_constant_or_its_references() {
        assert_eq!(expression("\"lit\""), json!({"constant_value": "lit"}));
        assert_eq!(
            expression("{ k = [1, true] }"),
            json!({"constant_value": {"k": [1, true]}})
        );
        assert_eq!(
            expression("true ? null : 1"),
            json!({"constant_value": null})
        );
        assert_eq!(
            expression("[for x in [1, 2] : x * 2]"),
            json!({"constant_value": [2, 4]})
        );
        // A function call is not a constant (Terraform evaluates with no
        // functions), nor is what refers to something.
        assert_eq!(expression("upper(\"x\")"), json!({}));
        assert_eq!(expression("[1, var.x]"), json!({"references": ["var.x"]}));
    }

    #[test]
    fn a_sensitive_constant_is_left_out() {
        let parsed = strata_lang::parser::parse_expression("\"hunter2\"", 0);
        assert_eq!(expression_json(&parsed.value, true), json!({}));
    }
}
