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
    apply_marks, sensitive_json, type_from_json, type_to_json, unknown_json, value_from_json,
    value_to_json,
};
use strata_types::Value;

mod terraform_json;
pub use terraform_json::state_json;

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
    pub dependencies: Arc<[String]>,
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

/// How a checkable object's conditions came out, worst last: an
/// aggregate is the worst of its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Unknown,
    Fail,
    Error,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Unknown => "unknown",
            CheckStatus::Fail => "fail",
            CheckStatus::Error => "error",
        }
    }
}

/// What a checkable object is: a resource with pre- or postconditions,
/// an output with preconditions, a `check` block, a variable with
/// validations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Resource,
    OutputValue,
    Check,
    Var,
}

/// The conditions of one instance of a checkable object, as planning
/// decided them (Terraform's `checks`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub kind: CheckKind,
    /// The module instance it is in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub module: crate::addr::ModulePath,
    /// A resource's address (with its key), or the name of the output,
    /// check or variable.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<InstanceAddr>,
    pub status: CheckStatus,
    /// The error messages of the conditions that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl CheckResult {
    /// Adds another condition of the same instance.
    pub(crate) fn merge(&mut self, status: CheckStatus, problems: Vec<String>) {
        self.status = self.status.max(status);
        self.problems.extend(problems);
    }

    fn same_instance(&self, other: &CheckResult) -> bool {
        self.kind == other.kind
            && self.module == other.module
            && self.name == other.name
            && self.resource == other.resource
    }
}

/// Records results, one per instance. An instance's conditions are
/// recorded one after another (its preconditions, then its
/// postconditions; a check block's asserts), so only the last record can
/// be the same instance's: recording stays constant-time at any count.
pub(crate) fn record_check(checks: &mut Vec<CheckResult>, result: CheckResult) {
    match checks.last_mut().filter(|c| c.same_instance(&result)) {
        Some(c) => c.merge(result.status, result.problems),
        None => checks.push(result),
    }
}

/// An edge of the execution graph: `from` must finish before `to` starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
}

/// The nested blocks of a resource type's schema, so a plan is shown with
/// blocks as blocks (`+ ingress {`), as Terraform shows them.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BlockShape {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub blocks: BTreeMap<String, NestedShape>,
    /// Attributes of any type (`terraform_data`'s `input`): Terraform
    /// does not mark their changes as forcing replacement.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub dynamic: std::collections::BTreeSet<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct NestedShape {
    /// Its elements have no order: they are matched by value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub set: bool,
    #[serde(default, skip_serializing_if = "BlockShape::is_empty")]
    pub shape: BlockShape,
}

impl BlockShape {
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty() && self.dynamic.is_empty()
    }

    /// The shape of a schema's blocks, none when it has no blocks.
    pub fn of(schema: &strata_provider::Schema) -> BlockShape {
        BlockShape {
            blocks: schema
                .blocks
                .iter()
                .filter(|(name, b)| name.as_str() != "timeouts" && !b.as_attribute)
                .map(|(name, b)| {
                    (
                        name.clone(),
                        NestedShape {
                            set: b.nesting == strata_provider::Nesting::Set,
                            shape: BlockShape::of(&b.schema),
                        },
                    )
                })
                .collect(),
            dynamic: schema
                .attributes
                .iter()
                .filter(|(_, a)| a.ty == strata_types::Type::Dynamic)
                .map(|(name, _)| name.clone())
                .collect(),
        }
    }
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
    /// Made with `-refresh-only`: it only records what refresh found.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refresh_only: bool,
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
    /// The nested blocks of the types the changes are of, by type name
    /// (`data.` before a data source's), for showing them as blocks.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub block_shapes: BTreeMap<String, BlockShape>,
    /// Instances that `moved` blocks (or adding or removing `count`)
    /// moved: each new address with its previous one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub moved: BTreeMap<String, String>,
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
    /// What the conditions of checkable objects came to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckResult>,
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
        let mut seen =
            crate::FastSet::with_capacity_and_hasher(self.changes.len(), Default::default());
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
