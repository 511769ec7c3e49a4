//! The plan in Terraform's JSON layouts: the plan representation
//! (`show -json PLANFILE`) with its checks, and the state representation
//! (`show -json`).

use super::*;
use strata_types::json::{
    after_unknown_json, known_values_json, sensitive_as_bool_json, value_to_json_redacted,
};

impl Plan {
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut add = 0;
        let mut change = 0;
        let mut destroy = 0;
        for c in &self.changes {
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::Delete => destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    add += 1;
                    destroy += 1;
                }
                _ => {}
            }
        }
        (add, change, destroy)
    }

    /// The previous address of an instance a `moved` block moved (no
    /// address is formatted when nothing moved: plans of 100,000
    /// instances ask this of each).
    pub fn moved_from(&self, addr: &crate::addr::InstanceAddr) -> Option<&str> {
        if self.moved.is_empty() {
            return None;
        }
        self.moved.get(&addr.to_string()).map(String::as_str)
    }

    /// The nested blocks of a change's type, if it has any.
    pub fn block_shape(&self, c: &ResourceChange) -> Option<&BlockShape> {
        if self.block_shapes.is_empty() {
            return None;
        }
        let ty = &c.addr.resource.type_name;
        match c.addr.resource.mode {
            Mode::Data => self.block_shapes.get(&format!("data.{ty}")),
            Mode::Managed => self.block_shapes.get(ty.as_str()),
        }
    }

    /// The changes whose drift (changes found outside Strata) bears on
    /// this plan, as Terraform reports drift: all of it for a refresh-only
    /// plan, else the drift of objects the plan changes and of objects
    /// that something it changes depends on. A plan with nothing to do
    /// reports none.
    pub fn relevant_drift(&self) -> Vec<&ResourceChange> {
        if self.changes.iter().all(|c| c.drift.is_empty()) {
            return Vec::new();
        }
        let drifted = self
            .changes
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.drift.is_empty());
        if self.refresh_only {
            return drifted.map(|(_, c)| c).collect();
        }
        let depended_on: std::collections::HashSet<usize> =
            self.graph.iter().map(|e| e.from).collect();
        drifted
            .filter(|(i, c)| {
                !matches!(c.action, Action::NoOp | Action::Read) || depended_on.contains(i)
            })
            .map(|(_, c)| c)
            .collect()
    }

    /// Whether applying the plan changes anything: an import or a move is
    /// a change of the state even when the object needs none, as in
    /// Terraform.
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| !matches!(c.action, Action::NoOp | Action::Read) || c.importing.is_some())
            || !self.moved.is_empty()
            || self.outputs.iter().any(|o| o.action != Action::NoOp)
    }

    /// Terraform's plan JSON layout (`terraform show -json PLAN`), so tools
    /// that read Terraform plans read Strata's. Its `configuration` is
    /// empty: [`crate::config_json::plan_json`] adds it (and
    /// `relevant_attributes`) from the configuration.
    pub fn to_terraform_json(&self) -> serde_json::Value {
        use serde_json::json;
        let resource_changes: Vec<serde_json::Value> = self
            .changes
            .iter()
            .map(|c| {
                let mut change = change_json(
                    c.action.terraform_actions(),
                    c.before.value(),
                    c.after.value(),
                );
                if !c.replace_paths.is_empty() {
                    change["replace_paths"] = json!(c.replace_paths);
                }
                if let Some(id) = &c.importing {
                    change["importing"] = json!({ "id": id });
                }
                let mut rc = resource_json(&c.addr, &c.provider);
                if let Some(from) = self.moved_from(&c.addr) {
                    rc["previous_address"] = json!(from);
                }
                rc["change"] = change;
                if let Some(r) = &c.reason {
                    rc["action_reason"] = json!(r);
                }
                rc
            })
            .collect();
        let output_changes: serde_json::Map<String, serde_json::Value> = self
            .outputs
            .iter()
            .map(|o| {
                let before = o.before.as_ref().map(EncodedValue::value);
                let after = o.after.as_ref().map(EncodedValue::value);
                (
                    o.name.clone(),
                    json!({
                        "actions": o.action.terraform_actions(),
                        "before": if o.sensitive { None } else { before.map(value_to_json_redacted) },
                        "after": if o.sensitive { None } else { after.map(known_values_json) },
                        "after_unknown": after.map(|a| !a.is_wholly_known()).unwrap_or(false),
                        "before_sensitive": o.sensitive,
                        "after_sensitive": o.sensitive,
                    }),
                )
            })
            .collect();
        let variables: serde_json::Map<String, serde_json::Value> = self
            .variables
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    json!({ "value": value_to_json_redacted(v.value()) }),
                )
            })
            .collect();
        let mut out = json!({
            "format_version": "1.2",
            "terraform_version": format!("strata-{}", self.strata_version),
            "variables": variables,
            "planned_values": self.planned_values_json(),
            "resource_changes": resource_changes,
            "output_changes": output_changes,
            "prior_state": state_json(&self.prior_state, None, &self.strata_version),
            "configuration": { "root_module": {} },
            "timestamp": self.timestamp,
            "applyable": !self.errored && self.has_changes(),
            "complete": !self.errored,
            "errored": self.errored,
        });
        if !self.checks.is_empty() {
            out["checks"] = checks_json(&self.checks);
        }
        if !self.resource_drift.is_empty() {
            let null = Value::dynamic_null();
            out["resource_drift"] = self
                .resource_drift
                .iter()
                .map(|d| {
                    let (actions, after) = match &d.after {
                        Some(after) => (Action::Update, after.value()),
                        None => (Action::Delete, &null),
                    };
                    let mut rc = resource_json(&d.addr, &d.provider);
                    rc["change"] =
                        change_json(actions.terraform_actions(), d.before.value(), after);
                    rc
                })
                .collect();
        }
        // Strata's own addition: consumers of Terraform's layout ignore it.
        if let Some(cost) = &self.cost {
            out["cost_estimate"] = serde_json::to_value(cost).unwrap_or_default();
        }
        out
    }
}

/// Terraform's `checks`: each checkable object (sorted by address) with
/// the worst status of its instances, and each instance's.
fn checks_json(checks: &[CheckResult]) -> serde_json::Value {
    use serde_json::json;
    let static_module = |c: &CheckResult| {
        c.module
            .iter()
            .map(|s| format!("module.{}", s.name))
            .collect::<Vec<_>>()
            .join(".")
    };
    let in_module = |module: &str, local: String| match module.is_empty() {
        true => local,
        false => format!("{module}.{local}"),
    };
    let mut objects: BTreeMap<String, (serde_json::Value, CheckStatus, Vec<&CheckResult>)> =
        BTreeMap::new();
    for c in checks {
        let module = static_module(c);
        let mut address = match (&c.kind, &c.resource) {
            (CheckKind::Resource, Some(r)) => json!({
                "kind": "resource",
                "mode": r.resource.mode.as_str(),
                "type": r.resource.type_name,
                "name": r.resource.name,
            }),
            (CheckKind::OutputValue, _) => json!({"kind": "output_value", "name": c.name}),
            (CheckKind::Check, _) => json!({"kind": "check", "name": c.name}),
            _ => json!({"kind": "var", "name": c.name}),
        };
        let display = in_module(&module, local_name(c));
        address["to_display"] = json!(display);
        if !module.is_empty() {
            address["module"] = json!(module);
        }
        let entry = objects
            .entry(display)
            .or_insert((address, CheckStatus::Pass, Vec::new()));
        entry.1 = entry.1.max(c.status);
        entry.2.push(c);
    }
    objects
        .into_values()
        .map(|(address, status, mut instances)| {
            instances.sort_by(|a, b| (&a.module, &a.resource).cmp(&(&b.module, &b.resource)));
            let instances: Vec<serde_json::Value> = instances
                .iter()
                .map(|c| {
                    let module = crate::addr::module_path_text(&c.module);
                    let key = c.resource.as_ref().map(|r| r.key.to_string());
                    let local = format!("{}{}", local_name(c), key.unwrap_or_default());
                    let mut a = json!({ "to_display": in_module(&module, local) });
                    if !module.is_empty() {
                        a["module"] = json!(module);
                    }
                    if let Some(k) = c.resource.as_ref().and_then(|r| r.key.to_json()) {
                        a["instance_key"] = k;
                    }
                    let mut i = json!({ "address": a, "status": c.status.as_str() });
                    if !c.problems.is_empty() {
                        i["problems"] =
                            c.problems.iter().map(|m| json!({ "message": m })).collect();
                    }
                    i
                })
                .collect();
            json!({ "address": address, "status": status.as_str(), "instances": instances })
        })
        .collect()
}

/// A checkable object's address in its module, without a key:
/// `type.name`, `data.type.name`, `output.NAME`, `check.NAME`, `var.NAME`.
fn local_name(c: &CheckResult) -> String {
    match (&c.kind, &c.resource) {
        (CheckKind::Resource, Some(r)) => match r.resource.mode {
            Mode::Managed => format!("{}.{}", r.resource.type_name, r.resource.name),
            Mode::Data => format!("data.{}.{}", r.resource.type_name, r.resource.name),
        },
        (CheckKind::OutputValue, _) => format!("output.{}", c.name),
        (CheckKind::Check, _) => format!("check.{}", c.name),
        _ => format!("var.{}", c.name),
    }
}

/// A resource instance as Terraform's plan JSON names it.
fn resource_json(addr: &InstanceAddr, provider: &str) -> serde_json::Value {
    let mut rc = serde_json::json!({
        "address": addr.to_string(),
        "mode": addr.resource.mode.as_str(),
        "type": addr.resource.type_name,
        "name": addr.resource.name,
        "provider_name": provider,
    });
    if !addr.resource.module.is_empty() {
        rc["module_address"] =
            serde_json::json!(crate::addr::module_path_text(&addr.resource.module));
    }
    if let Some(k) = addr.key.to_json() {
        rc["index"] = k;
    }
    rc
}

/// An instance's known values: [`known_values_json`], and an object none
/// of whose attributes is known yet (a data source read at apply) as an
/// object without them, as Terraform leaves out unknown attributes.
fn known_object_json(v: &Value) -> serde_json::Value {
    match (&v.kind, v.ty()) {
        (strata_types::Kind::Unknown(_), strata_types::Type::Object(_)) if !v.sensitive => {
            serde_json::json!({})
        }
        _ => known_values_json(v),
    }
}

/// A change's `change` object in Terraform's plan JSON.
fn change_json(actions: Vec<&str>, before: &Value, after: &Value) -> serde_json::Value {
    use serde_json::json;
    json!({
        "actions": actions,
        "before": if before.is_null() { serde_json::Value::Null } else { value_to_json_redacted(before) },
        "after": if after.is_null() { serde_json::Value::Null } else { known_object_json(after) },
        // Terraform writes `{}` for an object known whole.
        "after_unknown": if after.is_null() || after.is_wholly_known() { json!({}) } else { after_unknown_json(after) },
        "before_sensitive": if before.is_null() { json!(false) } else { sensitive_as_bool_json(before) },
        "after_sensitive": if after.is_null() { json!(false) } else { sensitive_as_bool_json(after) },
    })
}

impl Plan {
    /// Terraform's `planned_values`: every resource instance as it will be
    /// after the plan is applied (known values only), by module, and the
    /// outputs — what policy scanners read.
    fn planned_values_json(&self) -> serde_json::Value {
        use serde_json::json;
        let mut modules: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
        for c in &self.changes {
            if c.action == Action::Delete {
                continue;
            }
            let mut r = json!({
                "address": c.addr.to_string(),
                "mode": c.addr.resource.mode.as_str(),
                "type": c.addr.resource.type_name,
                "name": c.addr.resource.name,
                "provider_name": c.provider,
                "schema_version": 0,
            });
            // A forgotten object stays in the world: Terraform lists it,
            // without values (Strata no longer knows them after the plan).
            if c.action != Action::Forget {
                let after = c.after.value();
                r["values"] = known_object_json(after);
                r["sensitive_values"] = sensitive_as_bool_json(after);
            } else {
                r["sensitive_values"] = json!(false);
            }
            if let Some(k) = c.addr.key.to_json() {
                r["index"] = k;
            }
            modules
                .entry(crate::addr::module_path_text(&c.addr.resource.module))
                .or_default()
                .push(r);
        }
        let outputs: serde_json::Map<String, serde_json::Value> = self
            .outputs
            .iter()
            .filter_map(|o| {
                let after = o.after.as_ref()?.decode();
                let mut v = json!({ "sensitive": o.sensitive });
                if after.is_wholly_known() && !o.sensitive {
                    v["value"] = value_to_json_redacted(&after);
                }
                Some((o.name.clone(), v))
            })
            .collect();
        let mut root = json!({
            "resources": modules.remove("").unwrap_or_default(),
        });
        // Child modules, nested by address as Terraform nests them.
        let mut children: Vec<serde_json::Value> = Vec::new();
        for (address, resources) in modules {
            children.push(json!({ "address": address, "resources": resources }));
        }
        if !children.is_empty() {
            root["child_modules"] = nest_modules(children);
        }
        json!({ "outputs": outputs, "root_module": root })
    }
}

/// A state in Terraform's JSON state representation (`terraform show
/// -json`): every instance with its values (sensitive parts null, as in
/// Strata's plan JSON) and `sensitive_values`, nested by module, and the
/// outputs.
pub fn state_json(
    state: &State,
    registry: Option<&strata_provider::Registry>,
    strata_version: &str,
) -> serde_json::Value {
    use serde_json::json;
    let mut modules: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for r in &state.resources {
        for i in &r.instances {
            let key = InstanceKey::from_json(i.index_key.as_ref());
            let addr = InstanceAddr {
                resource: crate::addr::ResourceAddr {
                    module: crate::addr::parse_module_path(&r.module).unwrap_or_default(),
                    mode: Mode::parse(&r.mode),
                    type_name: r.type_name.clone(),
                    name: r.name.clone(),
                },
                key,
            };
            let attributes = i.attributes.to_json();
            let mut v = json!({
                "address": addr.to_string(),
                "mode": r.mode,
                "type": r.type_name,
                "name": r.name,
                "provider_name": r.provider,
                "schema_version": i.schema_version,
                "values": redact_paths(&attributes, &i.sensitive_attributes),
                "sensitive_values": sensitive_values(&attributes, &i.sensitive_attributes),
            });
            // With the provider's schema, values read as Terraform shows
            // them (a dynamic attribute's value, not its stored wrapper).
            let schema = registry.and_then(|registry| {
                registry.type_schema(&r.type_name, addr.resource.mode == Mode::Data)
            });
            if let Some(schema) = schema {
                if let Ok(decoded) = crate::schema_json::decode_attributes(schema, &attributes) {
                    let decoded = crate::schema_json::apply_sensitive_paths(
                        crate::schema_json::mark_schema_sensitive(schema, decoded),
                        &i.sensitive_attributes,
                    );
                    v["values"] = value_to_json_redacted(&decoded);
                    v["sensitive_values"] = sensitive_as_bool_json(&decoded);
                }
            }
            if let Some(k) = &i.index_key {
                v["index"] = k.clone();
            }
            if !i.dependencies.is_empty() {
                v["depends_on"] = json!(i.dependencies);
            }
            modules.entry(r.module.clone()).or_default().push(v);
        }
    }
    let outputs: serde_json::Map<String, serde_json::Value> = state
        .outputs
        .iter()
        .map(|(name, o)| {
            let mut v = json!({ "sensitive": o.sensitive, "type": o.ty });
            if !o.sensitive {
                v["value"] = o.value.clone();
            }
            (name.clone(), v)
        })
        .collect();
    let mut root = json!({ "resources": modules.remove("").unwrap_or_default() });
    let children: Vec<serde_json::Value> = modules
        .into_iter()
        .map(|(address, resources)| json!({ "address": address, "resources": resources }))
        .collect();
    if !children.is_empty() {
        root["child_modules"] = nest_modules(children);
    }
    json!({
        "format_version": "1.0",
        "terraform_version": format!("strata-{strata_version}"),
        "values": { "outputs": outputs, "root_module": root },
    })
}

/// Terraform's `sensitive_values`: the attributes' shape with `true` where
/// the paths (the state's `sensitive_attributes`) mark a value sensitive,
/// and only the parts on the way to one.
fn sensitive_values(
    attributes: &serde_json::Value,
    paths: &[serde_json::Value],
) -> serde_json::Value {
    let mut out = serde_json::Value::Object(serde_json::Map::new());
    for path in paths {
        let Some(steps) = path.as_array() else {
            continue;
        };
        let mut slot = &mut out;
        for (n, step) in steps.iter().enumerate() {
            let last = n + 1 == steps.len();
            match crate::schema_json::path_key(step) {
                Some(crate::schema_json::PathKey::Name(key)) => {
                    if !slot.is_object() {
                        *slot = serde_json::Value::Object(serde_json::Map::new());
                    }
                    let m = slot.as_object_mut().expect("made an object above");
                    slot = m.entry(key.to_string()).or_insert(serde_json::Value::Null);
                }
                Some(crate::schema_json::PathKey::Index(i)) => {
                    let here = crate::schema_json::stored_at(attributes, &steps[..n]);
                    let len = here
                        .and_then(|h| {
                            h.get("value")
                                .filter(|_| h.get("type").is_some())
                                .or(Some(h))
                        })
                        .and_then(serde_json::Value::as_array)
                        .map_or(0, Vec::len)
                        .max(i + 1);
                    if !slot.is_array() {
                        *slot = serde_json::Value::Array(vec![serde_json::Value::Bool(false); len]);
                    }
                    let a = slot.as_array_mut().expect("made an array above");
                    if a.len() <= i {
                        a.resize(i + 1, serde_json::Value::Bool(false));
                    }
                    slot = &mut a[i];
                }
                None => break,
            }
            if last {
                *slot = serde_json::Value::Bool(true);
            }
        }
    }
    out
}

/// Flat module entries (`module.a`, `module.a.module.b`) nested as
/// Terraform's `child_modules` nest them.
fn nest_modules(flat: Vec<serde_json::Value>) -> serde_json::Value {
    fn insert(level: &mut Vec<serde_json::Value>, entry: serde_json::Value) {
        let address = entry["address"].as_str().unwrap_or("").to_string();
        for m in level.iter_mut() {
            let parent = m["address"].as_str().unwrap_or("").to_string();
            if address.starts_with(&format!("{parent}.module.")) {
                let children = m
                    .as_object_mut()
                    .expect("a module entry is an object")
                    .entry("child_modules")
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                if let Some(list) = children.as_array_mut() {
                    insert(list, entry);
                }
                return;
            }
        }
        level.push(entry);
    }
    let mut top = Vec::new();
    // Parents sort before their children (a prefix sorts first).
    for entry in flat {
        insert(&mut top, entry);
    }
    serde_json::Value::Array(top)
}

/// State attributes with the parts at `paths` (Terraform's
/// `sensitive_attributes` shape) replaced by `null`.
fn redact_paths(attributes: &serde_json::Value, paths: &[serde_json::Value]) -> serde_json::Value {
    let mut out = attributes.clone();
    for path in paths {
        if let Some(steps) = path.as_array() {
            null_at(&mut out, steps);
        }
    }
    out
}

fn null_at(v: &mut serde_json::Value, steps: &[serde_json::Value]) {
    if let Some(slot) = crate::schema_json::stored_at_mut(v, steps) {
        *slot = serde_json::Value::Null;
    }
}
