//! The cost of a plan: an hourly and monthly delta for what its objects
//! run, from the catalog bundled with Strata or one given as a file. Each
//! provider says what a planned object runs ([`Provider::usage`]:
//! machines by instance type, or storage) and in which region; the
//! catalog prices it, spot capacity at the spot price or the catalog's
//! spot factor. Objects whose size or type is known only after apply, or
//! whose type the catalog lacks, are listed as unpriced.

use crate::plan::{Action, Plan, ResourceChange};
pub use crate::plan::{CostEstimate, CostLine, Unpriced};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use strata_provider::{Machines, PlannedObject, Provider, Registry, Usage};
use strata_types::Value;

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

/// (hourly, gpus, description) of machines, or the first type the
/// catalog lacks.
fn price(
    fleet: &[Machines],
    prices: &BTreeMap<String, Price>,
    spot_factor: f64,
) -> Result<(f64, u32, String), String> {
    let mut hourly = 0.0;
    let mut gpus = 0.0;
    let mut parts = Vec::new();
    for m in fleet {
        let (ty, n) = (&m.instance_type, m.count);
        if n <= 0.0 {
            continue;
        }
        let p = prices
            .get(ty)
            .ok_or_else(|| format!("{ty} is not in the price catalog"))?;
        let each = if m.spot {
            p.spot.unwrap_or(p.on_demand * spot_factor)
        } else {
            p.on_demand
        };
        hourly += each * n;
        gpus += f64::from(p.gpus) * n;
        let market = if m.spot { "spot" } else { "on demand" };
        parts.push(format!("{n} x {ty} {market}"));
    }
    Ok((hourly, gpus.round() as u32, parts.join(" + ")))
}

/// (hourly, gpus, description) of what an object runs in `region`.
fn price_usage(
    usage: &Usage,
    catalog: &Catalog,
    region: &str,
) -> Result<(f64, u32, String), String> {
    match usage {
        Usage::Machines(fleet) => {
            let empty = BTreeMap::new();
            let prices = catalog.regions.get(region).unwrap_or(&empty);
            price(fleet, prices, catalog.spot_factor)
        }
        Usage::OneOf(choices) => one_of(choices, catalog),
        Usage::Storage { kind, gb } => {
            let p = catalog
                .volumes
                .get(region)
                .and_then(|v| v.get(kind))
                .ok_or_else(|| format!("{kind} volumes are not in the price catalog"))?;
            Ok((
                gb * p.gb_month / catalog.hours_per_month,
                0,
                format!("{gb} GB {kind}"),
            ))
        }
    }
}

/// The dearest of several placements, with the range in the description.
fn one_of(
    choices: &[strata_provider::Placement],
    catalog: &Catalog,
) -> Result<(f64, u32, String), String> {
    let empty = BTreeMap::new();
    let mut priced = Vec::new();
    let mut unpriced = Vec::new();
    for c in choices {
        let prices = catalog.regions.get(&c.region).unwrap_or(&empty);
        match price(&c.machines, prices, catalog.spot_factor) {
            Ok(p) => priced.push((p, &c.region)),
            Err(why) => unpriced.push(format!("{why} (region {})", c.region)),
        }
    }
    let by_price = |a: &&((f64, u32, String), &String), b: &&((f64, u32, String), &String)| {
        a.0 .0.total_cmp(&b.0 .0)
    };
    let (Some(low), Some(high)) = (
        priced.iter().min_by(by_price),
        priced.iter().max_by(by_price),
    ) else {
        return Err(unpriced.join("; "));
    };
    let symbol = if catalog.currency == "USD" { "$" } else { "" };
    let mut detail = format!(
        "one of {} placements, {symbol}{:.2}–{symbol}{:.2}/h: cheapest {} in {}, dearest {} in {}",
        choices.len(),
        low.0 .0,
        high.0 .0,
        low.0 .2,
        low.1,
        high.0 .2,
        high.1
    );
    if !unpriced.is_empty() {
        detail.push_str(&format!("; not priced: {}", unpriced.join("; ")));
    }
    Ok((high.0 .0, high.0 .1, detail))
}

/// One change its provider may price, decoded.
struct Decoded<'p> {
    change: &'p ResourceChange,
    address: String,
    before: &'p Value,
    after: &'p Value,
}

/// The cost of a plan, from what each provider in `registry` says its
/// planned objects run.
pub fn estimate(plan: &Plan, catalog: &Catalog, registry: &Registry) -> CostEstimate {
    // Only the types a provider prices (or reads to price) are decoded: a
    // plan of thousands of other resources pays nothing for its estimate.
    let mut providers: HashMap<&str, Option<Arc<dyn Provider>>> = HashMap::new();
    let mut by_provider: BTreeMap<&str, Vec<Decoded>> = BTreeMap::new();
    for c in &plan.changes {
        let provider = providers
            .entry(c.provider.as_str())
            .or_insert_with(|| registry.instance(&c.provider));
        let Some(provider) = provider else { continue };
        if !provider
            .usage_types()
            .contains(&c.addr.resource.type_name.as_str())
        {
            continue;
        }
        by_provider.entry(&c.provider).or_default().push(Decoded {
            change: c,
            address: c.addr.to_string(),
            before: c.before.value(),
            after: c.after.value(),
        });
    }
    let mut totals = Totals::default();
    for (address, decoded) in &by_provider {
        let Some(Some(provider)) = providers.get(address) else {
            continue;
        };
        let others: Vec<PlannedObject> = decoded.iter().map(|d| planned(d, d.after)).collect();
        let region = provider.pricing_region();
        for d in decoded {
            let c = d.change;
            if c.addr.resource.mode == crate::addr::Mode::Data || c.action == Action::Read {
                continue;
            }
            let side =
                |value: &Value, present: bool| -> Result<Option<(f64, u32, String)>, String> {
                    if !present || value.is_null() {
                        return Ok(Some((0.0, 0, String::new())));
                    }
                    let Some(usage) = provider.usage(&planned(d, value), &others)? else {
                        return Ok(None);
                    };
                    let region = region
                        .as_deref()
                        .ok_or("the provider's region is not known")?;
                    price_usage(&usage, catalog, region).map(Some)
                };
            let had = !matches!(c.action, Action::Create);
            let will = !matches!(c.action, Action::Delete | Action::Forget);
            totals.add(
                &d.address,
                side(d.before, had),
                side(d.after, will),
                region.as_deref(),
            );
        }
    }
    let delta = totals.after - totals.before;
    CostEstimate {
        currency: catalog.currency.clone(),
        hourly_before: totals.before,
        hourly_after: totals.after,
        hourly_delta: delta,
        monthly_delta: delta * catalog.hours_per_month,
        gpus_before: totals.gpus_before,
        gpus_after: totals.gpus_after,
        lines: totals.lines,
        unpriced: totals.unpriced,
        catalog: format!("prices as of {}: {}", catalog.as_of, catalog.source),
    }
}

fn planned<'d>(d: &'d Decoded, value: &'d Value) -> PlannedObject<'d> {
    PlannedObject {
        address: &d.address,
        type_name: &d.change.addr.resource.type_name,
        value,
        dependencies: &d.change.dependencies,
    }
}

type Side = Result<Option<(f64, u32, String)>, String>;

#[derive(Default)]
struct Totals {
    before: f64,
    after: f64,
    gpus_before: u32,
    gpus_after: u32,
    lines: Vec<CostLine>,
    unpriced: Vec<Unpriced>,
}

impl Totals {
    fn add(&mut self, address: &str, before: Side, after: Side, region: Option<&str>) {
        match (before, after) {
            (Ok(Some(b)), Ok(Some(a))) => {
                if b.0 == 0.0 && a.0 == 0.0 && b.1 == 0 && a.1 == 0 {
                    return;
                }
                self.before += b.0;
                self.after += a.0;
                self.gpus_before += b.1;
                self.gpus_after += a.1;
                self.lines.push(CostLine {
                    address: address.to_string(),
                    hourly_before: b.0,
                    hourly_after: a.0,
                    gpus_before: b.1,
                    gpus_after: a.1,
                    detail: if a.2.is_empty() { b.2 } else { a.2 },
                });
            }
            (Ok(None), _) | (_, Ok(None)) => {}
            (Err(why), _) | (_, Err(why)) => self.unpriced.push(Unpriced {
                address: address.to_string(),
                why: match region {
                    Some(region) => format!("{why} (region {region})"),
                    None => why,
                },
            }),
        }
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
