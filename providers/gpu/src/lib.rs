//! The `gpu` provider: fleets of GPU nodes that live in the same graph,
//! state, journal, plan and cost estimate as the rest of a stack.
//!
//! A `gpu_fleet` is a gang: all of its nodes land in one zone (and one
//! cluster placement group when asked), on the first of its candidate
//! instance types, markets, regions and zones that has capacity for all
//! of them, or none is left running ([`fleet`]). Plan checks what can be
//! known before launching ([`preflight`]); refresh notices lost nodes and
//! apply replaces them; `strata reap` asks [`reap`] whether a fleet has
//! expired, idled or finished. `data "gpu_offerings"` lists where types
//! are offered ([`offerings`]).
//!
//! AWS is the one cloud today: the provider block's `aws` block holds
//! its regions and connection; another cloud would be a sibling block
//! with its own [`cloud`] module.

mod cloud;
mod config;
mod duration;
mod fleet;
mod offerings;
mod preflight;
mod prices;
mod reap;
mod spec;

pub use config::SERVICES as ENDPOINT_SERVICES;

use async_trait::async_trait;
use config::Clients;
use serde_json::{json, Value as J};
use std::sync::{Arc, Mutex};
use strata_provider::{
    ApplyRequest, Machines, Placement, PlanRequest, PlanResponse, PlannedObject, Provider,
    ProviderError, ProviderResult, ProviderSchema, RecoveryKey, Usage,
};
use strata_types::json::{value_from_json, value_to_json};
use strata_types::{Type, Value};

#[derive(Default)]
pub struct GpuProvider {
    clients: Mutex<Arc<Clients>>,
}

fn to_obj(v: &Value) -> fleet::Obj {
    match value_to_json(v) {
        J::Object(m) => m,
        _ => fleet::Obj::new(),
    }
}

/// A state value from JSON, with the configured attributes taken as they
/// were planned (so `image_id` keeps the type it was written with).
fn to_value(o: fleet::Obj, planned: &Value) -> ProviderResult<Value> {
    let schema = spec::schema();
    let mut v = value_from_json(&J::Object(o), &schema.object_type())
        .map_err(|e| ProviderError::failed("Unexpected fleet state", e.to_string()))?;
    for (name, a) in &schema.attributes {
        if !a.computed {
            if let Some(p) = strata_provider::attr(planned, name) {
                v = strata_provider::with_attr(&v, name, p.clone());
            }
        }
    }
    Ok(v)
}

/// Runs blocking AWS work off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ProviderResult<T> + Send + 'static,
) -> ProviderResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ProviderError::failed("GPU provider call failed", e.to_string()))?
}

fn spec_of(o: &fleet::Obj) -> ProviderResult<spec::Spec> {
    spec::read(o).map_err(|mut problems| problems.remove(0))
}

fn unknown_attrs(mut planned: Value, names: &[&str]) -> Value {
    let schema = spec::schema();
    for name in names {
        if let Some(a) = schema.attributes.get(*name) {
            planned = strata_provider::with_attr(&planned, name, Value::unknown(a.ty.clone()));
        }
    }
    planned
}

/// What a fleet computes when it is placed.
const PLACEMENT: &[&str] = &[
    "instance_ids",
    "instance_type",
    "region",
    "zone",
    "market",
    "hourly_price",
    "attempts",
];

impl GpuProvider {
    fn clients(&self) -> Arc<Clients> {
        self.clients.lock().expect("clients").clone()
    }

    /// The planned create of a fleet: the configuration, a new id, the
    /// placement unknown; checked against what EC2 says when the
    /// configuration is known.
    async fn plan_create(&self, request: &PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        let config = to_obj(request.config);
        let spec = spec_of(&config)?;
        let mut planned = unknown_attrs(request.config.clone(), PLACEMENT);
        // The name is the fleet's identity in the account, as a role's
        // name is: its nodes are tagged with it from their launch on.
        let id = strata_provider::attr(request.config, "name")
            .cloned()
            .unwrap_or_else(|| Value::unknown(Type::String));
        planned = strata_provider::with_attr(&planned, "id", id);
        planned = unknown_attrs(planned, &["created_at"]);
        let nodes = strata_provider::attr(request.config, "nodes")
            .cloned()
            .unwrap_or_else(|| Value::unknown(Type::Number));
        planned = strata_provider::with_attr(&planned, "healthy_nodes", nodes);
        let ttl_set = strata_provider::attr(request.config, "ttl").is_some_and(|t| !t.is_null());
        planned = if ttl_set {
            unknown_attrs(planned, &["expires_at"])
        } else {
            strata_provider::with_attr(&planned, "expires_at", Value::null(Type::String))
        };
        let mut warnings = Vec::new();
        if request.config.is_wholly_known() {
            let clients = self.clients();
            let findings = blocking(move || preflight::check(&clients, &spec)).await?;
            if let Some(e) = findings.error {
                return Err(e);
            }
            warnings = findings.warnings;
        }
        Ok(PlanResponse {
            planned,
            requires_replace: Vec::new(),
            warnings,
        })
    }

    /// An in-place change: tags and reaping settings; a fleet that lost
    /// nodes is planned to get them back.
    fn plan_update(&self, request: &PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        let prior = to_obj(request.prior);
        let proposed = to_obj(request.proposed);
        let spec = spec_of(&proposed)?;
        let mut planned = request.proposed.clone();
        let healthy = prior
            .get("healthy_nodes")
            .and_then(J::as_u64)
            .unwrap_or(spec.nodes);
        if healthy < spec.nodes {
            planned = unknown_attrs(planned, PLACEMENT);
            planned = strata_provider::with_attr(
                &planned,
                "healthy_nodes",
                Value::number(strata_types::Number::from_i64(spec.nodes as i64)),
            );
        }
        if prior.get("ttl") != proposed.get("ttl") {
            let created = prior
                .get("created_at")
                .and_then(J::as_str)
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&chrono::Utc));
            let expires = match created {
                Some(c) => value_from_json(&fleet::expires_at(&spec, c), &Type::String)
                    .unwrap_or_else(|_| Value::unknown(Type::String)),
                None => Value::unknown(Type::String),
            };
            planned = strata_provider::with_attr(&planned, "expires_at", expires);
        }
        Ok(PlanResponse {
            planned,
            requires_replace: spec::FORCE_NEW
                .iter()
                .map(|n| vec![n.to_string()])
                .collect(),
            warnings: Vec::new(),
        })
    }
}

#[async_trait]
impl Provider for GpuProvider {
    fn name(&self) -> &str {
        "gpu"
    }

    fn schema(&self) -> ProviderSchema {
        let mut schema = ProviderSchema {
            provider: config::schema(),
            ..Default::default()
        };
        schema.resources.insert(spec::TYPE.into(), spec::schema());
        schema
            .data_sources
            .insert(offerings::TYPE.into(), offerings::schema());
        schema
    }

    async fn configure(&self, config: &Value) -> ProviderResult<()> {
        let settings = config::Settings::from_config(&value_to_json(config))?;
        *self.clients.lock().expect("clients") = Arc::new(Clients::new(settings));
        Ok(())
    }

    fn validate_resource(&self, type_name: &str, config: &Value) -> Vec<ProviderError> {
        if type_name != spec::TYPE {
            return Vec::new();
        }
        spec::read(&to_obj(config)).err().unwrap_or_default()
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        if request.type_name != spec::TYPE {
            return Err(ProviderError::UnsupportedType(
                request.type_name.to_string(),
            ));
        }
        if request.proposed.is_null() {
            return Ok(PlanResponse {
                planned: request.proposed.clone(),
                requires_replace: Vec::new(),
                warnings: Vec::new(),
            });
        }
        if request.prior.is_null() {
            self.plan_create(&request).await
        } else {
            self.plan_update(&request)
        }
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value> {
        if request.type_name != spec::TYPE {
            return Err(ProviderError::UnsupportedType(
                request.type_name.to_string(),
            ));
        }
        let clients = self.clients();
        let prior = to_obj(request.prior);
        let planned_value = request.planned.clone();
        let planned = to_obj(request.planned);
        if request.planned.is_null() {
            blocking(move || fleet::delete(&clients, &prior)).await?;
            return Ok(request.planned.clone());
        }
        let spec = spec_of(&planned)?;
        let state = if request.prior.is_null() {
            let id = spec.name.clone();
            blocking(move || {
                fleet::check_name_free(&clients, &spec)?;
                let mut attempts = Vec::new();
                let placed = fleet::acquire(&clients, &spec, &id, &mut attempts)?;
                let mut planned = planned;
                planned.insert("id".into(), json!(id));
                fleet::placed_state(
                    &clients,
                    &spec,
                    &planned,
                    &placed,
                    &attempts,
                    chrono::Utc::now(),
                )
            })
            .await?
        } else {
            let repairing = strata_provider::attr(request.planned, "instance_ids")
                .is_some_and(|v| !v.is_wholly_known());
            blocking(move || {
                if repairing {
                    return fleet::repair(&clients, &spec, &prior, &planned);
                }
                let mut o = planned;
                for k in PLACEMENT
                    .iter()
                    .chain(&["id", "created_at", "healthy_nodes"])
                {
                    if let Some(v) = prior.get(*k) {
                        o.insert(k.to_string(), v.clone());
                    }
                }
                if o.get("tags") != prior.get("tags") {
                    fleet::retag(&clients, &prior, &spec)?;
                }
                Ok(o)
            })
            .await?
        };
        to_value(state, &planned_value)
    }

    async fn read(&self, type_name: &str, state: &Value) -> ProviderResult<Option<Value>> {
        if type_name != spec::TYPE {
            return Err(ProviderError::UnsupportedType(type_name.to_string()));
        }
        let clients = self.clients();
        let prior = to_obj(state);
        let found = blocking(move || fleet::read(&clients, &prior)).await?;
        found.map(|o| to_value(o, state)).transpose()
    }

    async fn read_data_source(&self, type_name: &str, config: &Value) -> ProviderResult<Value> {
        if type_name != offerings::TYPE {
            return Err(ProviderError::UnsupportedType(type_name.to_string()));
        }
        let clients = self.clients();
        let config_obj = to_obj(config);
        let o = blocking(move || offerings::read(&clients, &config_obj)).await?;
        value_from_json(&J::Object(o), &offerings::schema().object_type())
            .map_err(|e| ProviderError::failed("Unexpected offerings", e.to_string()))
    }

    fn recovery_key(&self, type_name: &str, planned: &Value) -> RecoveryKey {
        match strata_provider::attr_str(planned, "id") {
            Some(id) if type_name == spec::TYPE => RecoveryKey::Token(id.to_string()),
            _ => RecoveryKey::None,
        }
    }

    async fn recover(
        &self,
        type_name: &str,
        token: &str,
        planned: &Value,
    ) -> ProviderResult<Option<Value>> {
        if type_name != spec::TYPE {
            return Ok(None);
        }
        let clients = self.clients();
        let o = to_obj(planned);
        let spec = spec_of(&o)?;
        let token = token.to_string();
        let found = blocking(move || fleet::recover(&clients, &spec, &token, &o)).await?;
        found.map(|o| to_value(o, planned)).transpose()
    }

    fn pricing_region(&self) -> Option<String> {
        Some(
            self.clients()
                .settings()
                .default_regions()
                .into_iter()
                .next()
                .unwrap_or_else(|| "us-east-1".to_string()),
        )
    }

    fn usage_types(&self) -> &[&str] {
        &[spec::TYPE]
    }

    /// A placed fleet runs its nodes where it landed; a planned one, one
    /// of its candidates' placements (each region, spot and on-demand as
    /// its markets allow), priced as a range.
    fn usage(
        &self,
        object: &PlannedObject<'_>,
        _others: &[PlannedObject<'_>],
    ) -> Result<Option<Usage>, String> {
        let o = to_obj(object.value);
        let spec = spec::read(&o).map_err(|p| p[0].to_string())?;
        let count = spec.nodes as f64;
        if let (Some(ty), Some(region)) = (
            o.get("instance_type").and_then(J::as_str),
            o.get("region").and_then(J::as_str),
        ) {
            let nodes = o
                .get("instance_ids")
                .and_then(J::as_array)
                .map_or(count, |a| a.len() as f64);
            return Ok(Some(Usage::OneOf(vec![Placement {
                region: region.to_string(),
                machines: vec![Machines {
                    instance_type: ty.to_string(),
                    count: nodes,
                    spot: o.get("market").and_then(J::as_str) == Some("spot"),
                }],
            }])));
        }
        let clients = self.clients();
        let mut choices = Vec::new();
        for c in &spec.candidates {
            for region in fleet::candidate_regions(&clients, c) {
                for market in spec.markets() {
                    choices.push(Placement {
                        region: region.clone(),
                        machines: vec![Machines {
                            instance_type: c.instance_type.clone(),
                            count,
                            spot: market == spec::Market::Spot,
                        }],
                    });
                }
            }
        }
        Ok(Some(Usage::OneOf(choices)))
    }

    /// "4 x p4d.24xlarge spot in us-west-2b at $2.10/node-hour, after 3
    /// tries": what the fleet took, for apply's progress line.
    fn describe_applied(&self, type_name: &str, state: &Value) -> Option<String> {
        if type_name != spec::TYPE {
            return None;
        }
        let o = to_obj(state);
        let nodes = o.get("instance_ids")?.as_array()?.len();
        let mut text = format!(
            "{nodes} x {} {} in {}",
            o.get("instance_type")?.as_str()?,
            o.get("market")?.as_str()?,
            o.get("zone")?.as_str()?
        );
        if let Some(price) = o.get("hourly_price").and_then(J::as_f64) {
            text.push_str(&format!(" at ${price}/node-hour"));
        }
        let tries = o.get("attempts").and_then(J::as_array).map_or(0, Vec::len);
        if tries > 0 {
            text.push_str(&format!(", after {tries} placement(s) without room"));
        }
        Some(text)
    }

    fn reapable_types(&self) -> &[&str] {
        &[spec::TYPE]
    }

    async fn reap_reason(&self, type_name: &str, state: &Value) -> ProviderResult<Option<String>> {
        if type_name != spec::TYPE {
            return Ok(None);
        }
        let clients = self.clients();
        let o = to_obj(state);
        blocking(move || reap::reason(&clients, &o, chrono::Utc::now())).await
    }

    fn new_instance(&self) -> Option<Arc<dyn Provider>> {
        Some(Arc::new(GpuProvider::default()))
    }
}
