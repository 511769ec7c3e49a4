//! The plan: a first-class artifact. It records the changes with their
//! reasons, the state lineage and serial it was made from (applying it to a
//! state that moved on is refused), the variable values, and the execution
//! graph that apply runs as it is.

use crate::addr::{InstanceAddr, InstanceKey, Mode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use strata_state::State;
use strata_types::json::{
    apply_marks, known_values_json, sensitive_json, type_from_json, type_to_json, unknown_json,
    value_from_json, value_to_json, value_to_json_redacted,
};
use strata_types::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    /// Replace: delete the old object, then create the new one.
    DeleteThenCreate,
    /// Replace under create_before_destroy.
    CreateThenDelete,
    Delete,
    /// Stop managing without destroying (`removed` with destroy = false).
    Forget,
}

impl Action {
    /// Terraform's `change.actions`.
    pub fn terraform_actions(self) -> Vec<&'static str> {
        match self {
            Action::NoOp => vec!["no-op"],
            Action::Create => vec!["create"],
            Action::Read => vec!["read"],
            Action::Update => vec!["update"],
            Action::DeleteThenCreate => vec!["delete", "create"],
            Action::CreateThenDelete => vec!["create", "delete"],
            Action::Delete => vec!["delete"],
            Action::Forget => vec!["forget"],
        }
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    pub fn deletes(self) -> bool {
        matches!(
            self,
            Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
        )
    }
}

/// A planned value. In memory it is the value itself (unknown and
/// sensitive parts included), shared: a copy (an unchanged object's
/// `after`, which is its `before`) costs a reference count. In a plan file
/// it is written with its type and its unknown and sensitive parts, so it
/// survives the trip; a file whose value does not fit its type is read as
/// null of the type, with the reason kept for [`Plan::check`].
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedValue(Arc<Planned>);

#[derive(Debug, PartialEq)]
struct Planned {
    value: Value,
    /// Why the file's value could not be read, when it could not.
    invalid: Option<String>,
}

/// The parts of an [`EncodedValue`] in a plan file.
#[derive(Serialize, Deserialize)]
struct Encoded {
    value: serde_json::Value,
    #[serde(rename = "type")]
    ty: serde_json::Value,
    #[serde(default, skip_serializing_if = "is_false_json")]
    unknown: serde_json::Value,
    #[serde(default, skip_serializing_if = "is_false_json")]
    sensitive: serde_json::Value,
}

fn is_false_json(v: &serde_json::Value) -> bool {
    matches!(v, serde_json::Value::Bool(false) | serde_json::Value::Null)
        || v.as_object().is_some_and(|o| o.is_empty())
}

impl Serialize for EncodedValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = &self.0.value;
        Encoded {
            value: value_to_json(v),
            ty: type_to_json(&v.ty()),
            unknown: unknown_json(v),
            sensitive: sensitive_json(v),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for EncodedValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let e = Encoded::deserialize(deserializer)?;
        let ty = type_from_json(&e.ty).map_err(|e| format!("type: {e}"));
        let decoded = ty
            .clone()
            .and_then(|ty| value_from_json(&e.value, &ty).map_err(|e| format!("value: {e}")));
        let planned = match decoded {
            Ok(v) => {
                let v = apply_marks(v, &e.unknown, &|x: Value| Value::unknown(x.ty()));
                Planned {
                    value: apply_marks(v, &e.sensitive, &|x: Value| x.mark_sensitive(true)),
                    invalid: None,
                }
            }
            Err(why) => Planned {
                value: Value::null(ty.unwrap_or_default()),
                invalid: Some(why),
            },
        };
        Ok(EncodedValue(Arc::new(planned)))
    }
}

impl EncodedValue {
    pub fn new(value: Value) -> EncodedValue {
        EncodedValue(Arc::new(Planned {
            value,
            invalid: None,
        }))
    }

    pub fn encode(v: &Value) -> EncodedValue {
        EncodedValue::new(v.clone())
    }

    /// The value, or why the plan file's type and value do not agree.
    pub fn try_value(&self) -> Result<&Value, String> {
        match &self.0.invalid {
            Some(why) => Err(why.clone()),
            None => Ok(&self.0.value),
        }
    }

    /// The value (null of its type when the plan file's did not fit it).
    pub fn value(&self) -> &Value {
        &self.0.value
    }

    /// A copy of the value.
    pub fn decode(&self) -> Value {
        self.0.value.clone()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceChange {
    pub addr: InstanceAddr,
    pub provider: String,
    pub action: Action,
    /// Terraform's `action_reason`, such as `replace_because_cannot_update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub before: EncodedValue,
    pub after: EncodedValue,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_paths: Vec<Vec<String>>,
    /// Instances this one's configuration refers to (direct only).
    #[serde(default)]
    pub dependencies: Vec<String>,
    #[serde(default)]
    pub create_before_destroy: bool,
    /// Attributes changed outside Strata, found by refresh.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<String>,
    /// Set when an `import` block brings the object in, with its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<String>,
}

/// An object that changed outside Strata, as refresh found it: what the
/// state held (`before`) and what the provider read (`after`; none when
/// the object is gone). Terraform's `resource_drift`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceDrift {
    pub addr: InstanceAddr,
    pub provider: String,
    pub before: EncodedValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<EncodedValue>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Option<EncodedValue>,
    pub after: Option<EncodedValue>,
    pub sensitive: bool,
}

/// An edge of the execution graph: `from` must finish before `to` starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: String,
    pub strata_version: String,
    /// The lineage and serial of the state the plan was made from (none
    /// when there was no state).
    pub lineage: Option<String>,
    pub serial: Option<u64>,
    pub destroy: bool,
    pub variables: BTreeMap<String, EncodedValue>,
    pub changes: Vec<ResourceChange>,
    pub outputs: Vec<OutputChange>,
    /// The state after refresh, which the changes apply to.
    pub prior_state: State,
    /// Instances of the state that refresh found gone, so the prior state
    /// no longer holds them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refreshed_away: Vec<String>,
    /// Objects refresh found changed outside Strata, in address order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_drift: Vec<ResourceDrift>,
    /// Over indices into `changes`.
    pub graph: Vec<Edge>,
    /// Set when checks or errors make the plan unusable.
    #[serde(default)]
    pub errored: bool,
    /// Data sources read while planning: apply sees the same values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<DataValue>,
    /// What the changes cost, for the resources the price catalog covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostEstimate>,
    /// What the policies checked against this plan said.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy: Vec<PolicyFinding>,
    /// When the plan was made (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub timestamp: String,
}

impl Plan {
    /// Checks a saved plan's prior state against the state it is applied
    /// to: every instance there is in the plan's prior state with the same
    /// id, or was moved (its id is at another address), or refresh found
    /// it gone. A plan edited to drop an instance from the state or change
    /// its id is refused. (With a key set, plans are also authenticated.)
    pub fn check_prior_state(&self, current: &State) -> Result<(), String> {
        let id_of = |i: &strata_state::InstanceState| i.attributes.id();
        let address = |r: &strata_state::ResourceState, i: &strata_state::InstanceState| {
            crate::addr::state_instance_address(r, i).to_string()
        };
        let mut planned: std::collections::HashMap<String, Option<String>> = Default::default();
        let mut planned_ids = std::collections::HashSet::new();
        for r in &self.prior_state.resources {
            for i in &r.instances {
                let id = id_of(i);
                planned_ids.extend(id.clone());
                planned.insert(address(r, i), id);
            }
        }
        for r in &current.resources {
            for i in &r.instances {
                let addr = address(r, i);
                let id = id_of(i);
                match planned.get(&addr) {
                    Some(Some(p)) if id.as_ref().is_some_and(|id| id != p) => {
                        return Err(format!(
                            "its prior state gives {addr} the id {p:?}, but the state holds {:?}",
                            id.unwrap_or_default()
                        ))
                    }
                    Some(_) => {}
                    None if self.refreshed_away.contains(&addr) => {}
                    None if id.as_ref().is_some_and(|id| planned_ids.contains(id)) => {}
                    None => {
                        return Err(format!(
                            "its prior state lacks {addr}, which the state holds"
                        ))
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that the plan is whole before anything is applied from it:
    /// every change names a distinct instance and carries values its
    /// action allows, the execution graph is over its changes and has no
    /// cycle, and its prior state holds each instance once. A plan file
    /// that was damaged or edited fails here, not halfway through.
    pub fn check(&self) -> Result<(), String> {
        let _span = tracing::info_span!("check_plan").entered();
        let mut seen = std::collections::HashSet::new();
        for (i, c) in self.changes.iter().enumerate() {
            let what = || format!("change {i} ({})", c.addr);
            if !seen.insert(&c.addr) {
                return Err(format!("{} appears twice", what()));
            }
            let before = c
                .before
                .try_value()
                .map_err(|e| format!("{}: before {e}", what()))?;
            let after = c
                .after
                .try_value()
                .map_err(|e| format!("{}: after {e}", what()))?;
            let (needs_before, needs_after) = match c.action {
                Action::Create => (Some(false), Some(true)),
                Action::Delete | Action::Forget => (Some(true), Some(false)),
                Action::Update | Action::NoOp => (Some(true), Some(true)),
                Action::DeleteThenCreate | Action::CreateThenDelete => (Some(true), Some(true)),
                Action::Read => (None, None),
            };
            if needs_before.is_some_and(|n| n == before.is_null())
                || needs_after.is_some_and(|n| n == after.is_null())
            {
                return Err(format!(
                    "{}: its values do not fit a {:?}",
                    what(),
                    c.action
                ));
            }
        }
        for d in &self.data {
            d.value
                .try_value()
                .map_err(|e| format!("data {}: {e}", d.addr))?;
        }
        let n = self.changes.len();
        let mut indegree = vec![0usize; n];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for e in &self.graph {
            if e.from >= n || e.to >= n || e.from == e.to {
                return Err(format!(
                    "the execution graph has an edge {} -> {} over {n} changes",
                    e.from, e.to
                ));
            }
            indegree[e.to] += 1;
            dependents[e.from].push(e.to);
        }
        let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut ordered = 0;
        while let Some(i) = ready.pop() {
            ordered += 1;
            for &d in &dependents[i] {
                indegree[d] -= 1;
                if indegree[d] == 0 {
                    ready.push(d);
                }
            }
        }
        if ordered != n {
            return Err("the execution graph has a cycle".into());
        }
        self.prior_state.check_unique()
    }
}

/// One policy's verdict on a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyFinding {
    /// `deny` stops the plan; `warn` is shown.
    pub level: String,
    /// The policy's package.
    pub policy: String,
    pub message: String,
}

/// A data source instance as it was read during planning.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DataValue {
    pub addr: InstanceAddr,
    pub value: EncodedValue,
}

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

    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| !matches!(c.action, Action::NoOp | Action::Read))
            || self.outputs.iter().any(|o| o.action != Action::NoOp)
    }

    /// Terraform's plan JSON layout (`terraform show -json PLAN`), so tools
    /// that read Terraform plans read Strata's.
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
                        "after": if o.sensitive { None } else { after.map(value_to_json_redacted) },
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

/// A change's `change` object in Terraform's plan JSON.
fn change_json(actions: Vec<&str>, before: &Value, after: &Value) -> serde_json::Value {
    use serde_json::json;
    json!({
        "actions": actions,
        "before": if before.is_null() { serde_json::Value::Null } else { value_to_json_redacted(before) },
        "after": if after.is_null() { serde_json::Value::Null } else { value_to_json_redacted(after) },
        "after_unknown": if after.is_null() { json!({}) } else { unknown_json(after) },
        "before_sensitive": if before.is_null() { json!(false) } else { sensitive_json(before) },
        "after_sensitive": if after.is_null() { json!(false) } else { sensitive_json(after) },
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
                r["values"] = known_values_json(after);
                r["sensitive_values"] = sensitive_json(after);
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
                    v["sensitive_values"] = sensitive_json(&decoded);
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

/// One priced object of a plan's cost estimate (worked out by the cost module).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostLine {
    pub address: String,
    pub hourly_before: f64,
    pub hourly_after: f64,
    pub gpus_before: u32,
    pub gpus_after: u32,
    /// How the figure was made ("2 x p4d.24xlarge on demand").
    pub detail: String,
}

/// An object that costs money to run but could not be priced, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unpriced {
    pub address: String,
    pub why: String,
}

/// What a plan changes in hourly and monthly cost and in GPUs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostEstimate {
    pub currency: String,
    pub hourly_before: f64,
    pub hourly_after: f64,
    pub hourly_delta: f64,
    pub monthly_delta: f64,
    pub gpus_before: u32,
    pub gpus_after: u32,
    pub lines: Vec<CostLine>,
    pub unpriced: Vec<Unpriced>,
    /// Where the prices come from, and when.
    pub catalog: String,
}
