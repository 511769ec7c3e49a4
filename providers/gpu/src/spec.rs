//! `gpu_fleet`: its schema, and its configuration read into a [`Spec`]
//! with every problem reported at the attribute it concerns.

use crate::duration;
use serde_json::{Map, Value as J};
use std::collections::BTreeMap;
use strata_provider::{Attribute, NestedBlock, Nesting, ProviderError, Schema};
use strata_types::Type;

pub(crate) const TYPE: &str = "gpu_fleet";

/// Attributes and blocks whose change needs a new fleet.
pub(crate) const FORCE_NEW: &[&str] = &[
    "name",
    "nodes",
    "image_id",
    "subnet_ids",
    "security_group_ids",
    "iam_instance_profile",
    "user_data",
    "placement_group",
    "candidate",
    "spot",
];

fn attempt_type() -> Type {
    Type::object(
        ["instance_type", "region", "zone", "market", "error"]
            .into_iter()
            .map(|k| (k.to_string(), Type::String))
            .collect(),
    )
}

pub(crate) fn schema() -> Schema {
    let opt = Attribute::optional;
    let computed = Attribute::computed;
    let mut schema = Schema::new([
        (
            "name",
            Attribute::required(Type::String).describe("Names the fleet's nodes (the Name tag)."),
        ),
        (
            "nodes",
            Attribute::required(Type::Number)
                .describe("Nodes in the gang: all of them are placed, or none."),
        ),
        (
            "image_id",
            Attribute::required(Type::Dynamic).describe("An AMI id, or a map of region to AMI id."),
        ),
        (
            "subnet_ids",
            opt(Type::map(Type::String)).describe("Subnet per zone; the default VPC elsewhere."),
        ),
        (
            "security_group_ids",
            opt(Type::list(Type::String)).describe(
                "Security groups of the subnets' VPC, for nodes launched into subnet_ids.",
            ),
        ),
        (
            "iam_instance_profile",
            opt(Type::String).describe("The instance profile (by name) the nodes run with."),
        ),
        (
            "user_data",
            opt(Type::String).describe("The nodes' user data, as text."),
        ),
        (
            "placement_group",
            opt(Type::Bool).describe("Place the gang in a cluster placement group."),
        ),
        (
            "ttl",
            opt(Type::String).describe("How long after creation the fleet expires (strata reap)."),
        ),
        (
            "idle_timeout",
            opt(Type::String)
                .describe("GPU utilization below idle_threshold this long makes the fleet idle."),
        ),
        (
            "idle_threshold",
            opt(Type::Number)
                .describe("Percent GPU utilization below which a node is idle (default 5)."),
        ),
        (
            "done_when_object",
            opt(Type::String).describe("s3://BUCKET/KEY whose existence says training is done."),
        ),
        ("tags", opt(Type::map(Type::String))),
        ("id", computed(Type::String)),
        ("instance_ids", computed(Type::list(Type::String))),
        ("instance_type", computed(Type::String)),
        ("region", computed(Type::String)),
        ("zone", computed(Type::String)),
        (
            "market",
            computed(Type::String).describe("spot or on-demand"),
        ),
        (
            "hourly_price",
            computed(Type::Number).describe("USD per node-hour of the market taken, where known."),
        ),
        ("created_at", computed(Type::String)),
        (
            "expires_at",
            computed(Type::String).describe("RFC 3339; null without a ttl."),
        ),
        (
            "healthy_nodes",
            computed(Type::Number).describe("Nodes running or starting, as last read."),
        ),
        (
            "attempts",
            computed(Type::list(attempt_type()))
                .describe("Each placement tried, with the error that moved the fleet on."),
        ),
    ]);
    schema.blocks.insert(
        "candidate".into(),
        NestedBlock {
            nesting: Nesting::List,
            schema: Schema::new([
                ("instance_type", Attribute::required(Type::String)),
                ("regions", opt(Type::list(Type::String))),
                ("zones", opt(Type::list(Type::String))),
            ]),
            min_items: 0,
            max_items: None,
            as_attribute: false,
        },
    );
    schema.blocks.insert(
        "spot".into(),
        NestedBlock {
            nesting: Nesting::List,
            schema: Schema::new([
                ("enabled", opt(Type::Bool)),
                ("fallback_to_on_demand", opt(Type::Bool)),
                ("max_price", opt(Type::Number)),
            ]),
            min_items: 0,
            max_items: Some(1),
            as_attribute: false,
        },
    );
    schema.description = "A gang of GPU nodes placed on the first candidate, region and zone with capacity for all of them.";
    schema
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub(crate) instance_type: String,
    /// Empty: the provider's regions.
    pub(crate) regions: Vec<String>,
    /// Empty: every zone that offers the type.
    pub(crate) zones: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Market {
    Spot,
    OnDemand,
}

impl Market {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Market::Spot => "spot",
            Market::OnDemand => "on-demand",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Spec {
    pub(crate) name: String,
    pub(crate) nodes: u64,
    pub(crate) candidates: Vec<Candidate>,
    pub(crate) image: J,
    pub(crate) subnets: BTreeMap<String, String>,
    pub(crate) security_groups: Vec<String>,
    pub(crate) instance_profile: Option<String>,
    pub(crate) user_data: Option<String>,
    pub(crate) spot: bool,
    pub(crate) fallback_to_on_demand: bool,
    pub(crate) max_price: Option<f64>,
    pub(crate) placement_group: bool,
    pub(crate) ttl: Option<u64>,
    pub(crate) idle_timeout: Option<u64>,
    pub(crate) idle_threshold: f64,
    pub(crate) done_when_object: Option<String>,
    pub(crate) tags: BTreeMap<String, String>,
}

impl Spec {
    /// The markets tried, in order.
    pub(crate) fn markets(&self) -> Vec<Market> {
        match (self.spot, self.fallback_to_on_demand) {
            (true, true) => vec![Market::Spot, Market::OnDemand],
            (true, false) => vec![Market::Spot],
            (false, _) => vec![Market::OnDemand],
        }
    }

    /// The image for `region`: the one id, or the map's entry.
    pub(crate) fn image_for(&self, region: &str) -> Option<&str> {
        match &self.image {
            J::String(s) => Some(s),
            J::Object(m) => m.get(region).and_then(J::as_str),
            _ => None,
        }
    }
}

fn at(path: &[&str], summary: &str, detail: String) -> ProviderError {
    ProviderError::Failed {
        summary: summary.to_string(),
        detail,
        attribute: Some(path.iter().map(|s| s.to_string()).collect()),
        code: None,
    }
}

pub(crate) fn strings(o: &Map<String, J>, k: &str) -> Vec<String> {
    o.get(k)
        .and_then(J::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn string_map(o: &Map<String, J>, k: &str) -> BTreeMap<String, String> {
    o.get(k)
        .and_then(J::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn blocks<'a>(o: &'a Map<String, J>, k: &str) -> Vec<&'a Map<String, J>> {
    match o.get(k) {
        Some(J::Array(a)) => a.iter().filter_map(J::as_object).collect(),
        Some(J::Object(m)) => vec![m],
        _ => Vec::new(),
    }
}

/// Whether an instance type name has EC2's `family.size` shape.
fn looks_like_instance_type(t: &str) -> bool {
    let Some((family, size)) = t.split_once('.') else {
        return false;
    };
    !family.is_empty()
        && !size.is_empty()
        && family
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

/// Reads a configuration (or planned value) of `gpu_fleet`. Values not
/// known yet are read as absent; every problem found is returned, each
/// at its attribute.
pub(crate) fn read(o: &Map<String, J>) -> Result<Spec, Vec<ProviderError>> {
    let mut problems = Vec::new();
    let nodes = match o.get("nodes").and_then(J::as_f64) {
        Some(n) if n < 1.0 || n.fract() != 0.0 => {
            problems.push(at(
                &["nodes"],
                "Invalid nodes",
                format!("nodes must be a whole number of at least 1, not {n}"),
            ));
            1
        }
        Some(n) => n as u64,
        None => 1,
    };
    let candidates: Vec<Candidate> = blocks(o, "candidate")
        .into_iter()
        .map(|c| Candidate {
            instance_type: c
                .get("instance_type")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_string(),
            regions: strings(c, "regions"),
            zones: strings(c, "zones"),
        })
        .collect();
    if candidates.is_empty() {
        problems.push(at(
            &["candidate"],
            "No candidate",
            "A gpu_fleet needs at least one candidate block naming an instance type, such as candidate { instance_type = \"p4d.24xlarge\" }.".into(),
        ));
    }
    for (i, c) in candidates.iter().enumerate() {
        if !c.instance_type.is_empty() && !looks_like_instance_type(&c.instance_type) {
            problems.push(at(
                &["candidate", &i.to_string(), "instance_type"],
                "Unknown instance type",
                format!(
                    "{:?} is not an EC2 instance type (they read FAMILY.SIZE, such as \"p4d.24xlarge\"); data \"gpu_offerings\" lists the types of an accelerator",
                    c.instance_type
                ),
            ));
        }
    }
    let duration = |name: &str, problems: &mut Vec<ProviderError>| -> Option<u64> {
        let text = o.get(name).and_then(J::as_str)?;
        match duration::parse(text) {
            Ok(s) => Some(s),
            Err(why) => {
                problems.push(at(&[name], &format!("Invalid {name}"), why));
                None
            }
        }
    };
    let ttl = duration("ttl", &mut problems);
    let idle_timeout = duration("idle_timeout", &mut problems);
    let idle_threshold = o.get("idle_threshold").and_then(J::as_f64).unwrap_or(5.0);
    if !(0.0..=100.0).contains(&idle_threshold) {
        problems.push(at(
            &["idle_threshold"],
            "Invalid idle_threshold",
            format!("idle_threshold is a percentage from 0 to 100, not {idle_threshold}"),
        ));
    }
    let done_when_object = o
        .get("done_when_object")
        .and_then(J::as_str)
        .map(str::to_string);
    if let Some(url) = &done_when_object {
        let ok = url
            .strip_prefix("s3://")
            .and_then(|r| r.split_once('/'))
            .is_some_and(|(b, k)| !b.is_empty() && !k.is_empty());
        if !ok {
            problems.push(at(
                &["done_when_object"],
                "Invalid done_when_object",
                format!("{url:?} is not an object address: write s3://BUCKET/KEY"),
            ));
        }
    }
    let image = o.get("image_id").cloned().unwrap_or(J::Null);
    match &image {
        J::Null | J::String(_) => {}
        J::Object(m) if m.values().all(J::is_string) && !m.is_empty() => {}
        _ => problems.push(at(
            &["image_id"],
            "Invalid image_id",
            "image_id is an AMI id, or a map of region to AMI id such as { \"us-east-1\" = \"ami-…\" }".into(),
        )),
    }
    let spot = blocks(o, "spot").into_iter().next();
    let flag = |k: &str, default: bool| {
        spot.and_then(|s| s.get(k))
            .and_then(J::as_bool)
            .unwrap_or(default)
    };
    let max_price = spot.and_then(|s| s.get("max_price")).and_then(J::as_f64);
    if max_price.is_some_and(|p| p <= 0.0) {
        problems.push(at(
            &["spot", "0", "max_price"],
            "Invalid max_price",
            "max_price is a price in USD per node-hour above zero".into(),
        ));
    }
    let spec = Spec {
        name: o
            .get("name")
            .and_then(J::as_str)
            .unwrap_or_default()
            .to_string(),
        nodes,
        candidates,
        image,
        subnets: string_map(o, "subnet_ids"),
        security_groups: strings(o, "security_group_ids"),
        instance_profile: o
            .get("iam_instance_profile")
            .and_then(J::as_str)
            .map(str::to_string),
        user_data: o.get("user_data").and_then(J::as_str).map(str::to_string),
        spot: spot.is_some() && flag("enabled", true),
        fallback_to_on_demand: flag("fallback_to_on_demand", false),
        max_price,
        placement_group: o
            .get("placement_group")
            .and_then(J::as_bool)
            .unwrap_or(false),
        ttl,
        idle_timeout,
        idle_threshold,
        done_when_object,
        tags: string_map(o, "tags"),
    };
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(problems)
    }
}
