//! The cost of a plan: an hourly and monthly delta for the resources a
//! price catalog covers (EC2 instances including GPU types, auto scaling
//! groups and EKS node groups by desired size, EMR instance groups,
//! SageMaker endpoint variants), from the catalog bundled with Strata or
//! one given as a file. Spot capacity is priced with the catalog's spot
//! factor. Resources whose size or type is only known after apply, or
//! whose type the catalog lacks, are listed as unpriced.

use crate::plan::{Action, Plan, ResourceChange};
use serde::{Deserialize, Serialize};
use serde_json::Value as J;
use std::collections::BTreeMap;
use strata_types::json::value_to_json;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Price {
    pub on_demand: f64,
    #[serde(default)]
    pub spot: Option<f64>,
    #[serde(default)]
    pub gpus: u32,
    #[serde(default)]
    pub gpu: Option<String>,
    #[serde(default)]
    pub quoted: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Catalog {
    pub currency: String,
    pub as_of: String,
    pub source: String,
    pub hours_per_month: f64,
    pub spot_factor: f64,
    pub regions: BTreeMap<String, BTreeMap<String, Price>>,
    /// EBS storage prices per region and volume type.
    #[serde(default)]
    pub volumes: BTreeMap<String, BTreeMap<String, VolumePrice>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VolumePrice {
    pub gb_month: f64,
    #[serde(default)]
    pub quoted: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
}

impl Catalog {
    /// The catalog built into Strata.
    pub fn bundled() -> Catalog {
        serde_json::from_str(include_str!("catalog.json")).expect("the bundled catalog parses")
    }

    pub fn from_json(text: &str) -> Result<Catalog, String> {
        serde_json::from_str(text).map_err(|e| format!("not a price catalog: {e}"))
    }
}

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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unpriced {
    pub address: String,
    pub why: String,
}

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

#[derive(Clone, Copy, PartialEq)]
enum Market {
    OnDemand,
    Spot,
}

/// What an object runs: (instance type, count, market).
type Fleet = Vec<(String, f64, Market)>;

fn s<'a>(j: &'a J, k: &str) -> Option<&'a str> {
    j.get(k).and_then(J::as_str)
}

fn num(j: &J, k: &str) -> Option<f64> {
    j.get(k).and_then(J::as_f64)
}

fn first<'a>(j: &'a J, k: &str) -> Option<&'a J> {
    j.get(k).and_then(J::as_array).and_then(|a| a.first())
}

/// The resource types a cost is worked out for.
const PRICED: &[&str] = &[
    "aws_instance",
    "aws_autoscaling_group",
    "aws_eks_node_group",
    "aws_emr_cluster",
    "aws_sagemaker_endpoint_configuration",
    "aws_ebs_volume",
];

/// The fleet an object of `type_name` runs; Err says why it cannot be
/// priced. `launch_type` finds a launch template's instance type.
fn fleet(
    type_name: &str,
    o: &J,
    launch_type: &dyn Fn(&J) -> Option<String>,
) -> Result<Option<Fleet>, String> {
    let need = |v: Option<&str>, what: &str| -> Result<String, String> {
        v.map(str::to_string)
            .ok_or_else(|| format!("{what} is known only after apply"))
    };
    Ok(Some(match type_name {
        "aws_instance" => vec![(
            need(s(o, "instance_type"), "instance_type")?,
            1.0,
            Market::OnDemand,
        )],
        "aws_autoscaling_group" => {
            let n = num(o, "desired_capacity")
                .or_else(|| num(o, "min_size"))
                .ok_or("desired_capacity is known only after apply")?;
            match first(o, "mixed_instances_policy") {
                Some(mixed) => {
                    let lt = first(mixed, "launch_template");
                    let ty = lt
                        .and_then(|l| first(l, "override"))
                        .and_then(|o| s(o, "instance_type").map(str::to_string))
                        .or_else(|| {
                            lt.and_then(|l| first(l, "launch_template_specification"))
                                .and_then(launch_type)
                        });
                    let ty = need(ty.as_deref(), "the instance type")?;
                    let d = first(mixed, "instances_distribution");
                    let base = d
                        .and_then(|d| num(d, "on_demand_base_capacity"))
                        .unwrap_or(0.0)
                        .min(n);
                    let pct = d
                        .and_then(|d| num(d, "on_demand_percentage_above_base_capacity"))
                        .unwrap_or(100.0);
                    let on_demand = base + (n - base) * pct / 100.0;
                    vec![
                        (ty.clone(), on_demand, Market::OnDemand),
                        (ty, n - on_demand, Market::Spot),
                    ]
                }
                None => {
                    let ty = first(o, "launch_template").and_then(launch_type);
                    vec![(
                        need(ty.as_deref(), "the launch template's instance type")?,
                        n,
                        Market::OnDemand,
                    )]
                }
            }
        }
        "aws_eks_node_group" => {
            let scaling = first(o, "scaling_config").ok_or("scaling_config is missing")?;
            let n = num(scaling, "desired_size").ok_or("desired_size is known only after apply")?;
            let ty = o
                .get("instance_types")
                .and_then(J::as_array)
                .and_then(|a| a.first())
                .and_then(J::as_str)
                .unwrap_or("t3.medium")
                .to_string();
            let market = if s(o, "capacity_type") == Some("SPOT") {
                Market::Spot
            } else {
                Market::OnDemand
            };
            vec![(ty, n, market)]
        }
        "aws_emr_cluster" => {
            let mut out = Vec::new();
            for (block, default_count) in
                [("master_instance_group", 1.0), ("core_instance_group", 1.0)]
            {
                if let Some(g) = first(o, block) {
                    let market = if s(g, "bid_price").is_some() {
                        Market::Spot
                    } else {
                        Market::OnDemand
                    };
                    out.push((
                        need(s(g, "instance_type"), "instance_type")?,
                        num(g, "instance_count").unwrap_or(default_count),
                        market,
                    ));
                }
            }
            out
        }
        "aws_sagemaker_endpoint_configuration" => o
            .get("production_variants")
            .and_then(J::as_array)
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        Ok((
                            need(s(v, "instance_type"), "instance_type")?,
                            num(v, "initial_instance_count").unwrap_or(1.0),
                            Market::OnDemand,
                        ))
                    })
                    .collect::<Result<Fleet, String>>()
            })
            .transpose()?
            .unwrap_or_default(),
        _ => return Ok(None),
    }))
}

/// (hourly, gpus, description) of a fleet, or the first type the catalog
/// lacks.
fn price(
    fleet: &Fleet,
    prices: &BTreeMap<String, Price>,
    spot_factor: f64,
) -> Result<(f64, u32, String), String> {
    let mut hourly = 0.0;
    let mut gpus = 0.0;
    let mut parts = Vec::new();
    for (ty, n, market) in fleet {
        if *n <= 0.0 {
            continue;
        }
        let p = prices
            .get(ty)
            .ok_or_else(|| format!("{ty} is not in the price catalog"))?;
        let each = match market {
            Market::OnDemand => p.on_demand,
            Market::Spot => p.spot.unwrap_or(p.on_demand * spot_factor),
        };
        hourly += each * n;
        gpus += f64::from(p.gpus) * n;
        parts.push(format!(
            "{n} x {ty} {}",
            if *market == Market::Spot {
                "spot"
            } else {
                "on demand"
            }
        ));
    }
    Ok((hourly, gpus.round() as u32, parts.join(" + ")))
}

/// The cost of a plan. `region_of` gives the region of a provider
/// configuration (by address), when the provider knows it.
pub fn estimate(
    plan: &Plan,
    catalog: &Catalog,
    region_of: &dyn Fn(&str) -> Option<String>,
) -> CostEstimate {
    // Only the types priced here (and launch templates, which auto scaling
    // groups name) are decoded: a plan of thousands of other resources
    // pays nothing for its cost estimate.
    let decoded: Vec<(&ResourceChange, J, J)> = plan
        .changes
        .iter()
        .filter(|c| {
            PRICED.contains(&c.addr.resource.type_name.as_str())
                || c.addr.resource.type_name == "aws_launch_template"
        })
        .map(|c| {
            (
                c,
                value_to_json(&c.before.decode()),
                value_to_json(&c.after.decode()),
            )
        })
        .collect();
    let mut lines = Vec::new();
    let mut unpriced = Vec::new();
    let (mut before_total, mut after_total) = (0.0, 0.0);
    let (mut gpus_before, mut gpus_after) = (0u32, 0u32);
    for (c, before, after) in &decoded {
        if c.addr.resource.mode == crate::addr::Mode::Data || c.action == Action::Read {
            continue;
        }
        let type_name = c.addr.resource.type_name.as_str();
        // A launch template in the plan, by id or by the dependency.
        let launch_type = |spec: &J| -> Option<String> {
            let id = s(spec, "id").or_else(|| s(spec, "launch_template_id"));
            decoded
                .iter()
                .filter(|(o, _, _)| o.addr.resource.type_name == "aws_launch_template")
                .find(|(o, _, a)| {
                    (id.is_some() && s(a, "id") == id)
                        || (id.is_none() && c.dependencies.contains(&o.addr.to_string()))
                })
                .and_then(|(_, _, a)| s(a, "instance_type").map(str::to_string))
        };
        let region = region_of(&c.provider).unwrap_or_else(|| "us-east-1".into());
        let empty = BTreeMap::new();
        let prices = catalog.regions.get(&region).unwrap_or(&empty);
        let volumes = catalog.volumes.get(&region);
        let side = |o: &J, present: bool| -> Result<Option<(f64, u32, String)>, String> {
            if !present || o.is_null() {
                return Ok(Some((0.0, 0, String::new())));
            }
            if type_name == "aws_ebs_volume" {
                let kind = s(o, "type").ok_or("type is known only after apply")?;
                let size = num(o, "size").ok_or("size is known only after apply")?;
                let p = volumes
                    .and_then(|v| v.get(kind))
                    .ok_or_else(|| format!("{kind} volumes are not in the price catalog"))?;
                return Ok(Some((
                    size * p.gb_month / catalog.hours_per_month,
                    0,
                    format!("{size} GB {kind}"),
                )));
            }
            match fleet(type_name, o, &launch_type)? {
                None => Ok(None),
                Some(f) => price(&f, prices, catalog.spot_factor).map(Some),
            }
        };
        let had = !matches!(c.action, Action::Create);
        let will = !matches!(c.action, Action::Delete | Action::Forget);
        match (side(before, had), side(after, will)) {
            (Ok(Some(b)), Ok(Some(a))) => {
                if b.0 == 0.0 && a.0 == 0.0 && b.1 == 0 && a.1 == 0 {
                    continue;
                }
                before_total += b.0;
                after_total += a.0;
                gpus_before += b.1;
                gpus_after += a.1;
                lines.push(CostLine {
                    address: c.addr.to_string(),
                    hourly_before: b.0,
                    hourly_after: a.0,
                    gpus_before: b.1,
                    gpus_after: a.1,
                    detail: if a.2.is_empty() { b.2 } else { a.2 },
                });
            }
            (Ok(None), _) | (_, Ok(None)) => {}
            (Err(why), _) | (_, Err(why)) => unpriced.push(Unpriced {
                address: c.addr.to_string(),
                why: format!("{why} (region {region})"),
            }),
        }
    }
    let delta = after_total - before_total;
    CostEstimate {
        currency: catalog.currency.clone(),
        hourly_before: before_total,
        hourly_after: after_total,
        hourly_delta: delta,
        monthly_delta: delta * catalog.hours_per_month,
        gpus_before,
        gpus_after,
        lines,
        unpriced,
        catalog: format!("prices as of {}: {}", catalog.as_of, catalog.source),
    }
}

/// `+$12.34` / `-$0.50` with thousands separators.
pub fn money(amount: f64, currency: &str) -> String {
    let sign = if amount < 0.0 { "-" } else { "+" };
    let cents = (amount.abs() * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let symbol = if currency == "USD" { "$" } else { "" };
    format!("{sign}{symbol}{grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_is_grouped_and_signed() {
        assert_eq!(super::money(23862.24, "USD"), "+$23,862.24");
        assert_eq!(super::money(-0.5, "USD"), "-$0.50");
        assert_eq!(super::money(0.0, "USD"), "+$0.00");
    }
}
