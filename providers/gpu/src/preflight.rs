//! What plan checks before a fleet is placed: that each candidate's type
//! is offered where it may go, that the image runs on it, that the
//! account's quota holds the gang and that spot offers are not all above
//! `max_price`. A candidate that cannot work is a warning; when none can,
//! the plan fails.

use crate::cloud::{self, TypeInfo};
use crate::config::Clients;
use crate::fleet::candidate_regions;
use crate::spec::{Candidate, Market, Spec};
use strata_aws_client::Client;
use strata_provider::{ProviderError, ProviderResult};

/// The Service Quotas codes (on-demand, spot) that limit a type's
/// running vCPUs, by its family; `None` for families not checked.
pub(crate) fn quota_codes(instance_type: &str) -> Option<(&'static str, &'static str)> {
    let family: String = instance_type
        .chars()
        .take_while(|c| c.is_ascii_lowercase())
        .collect();
    match family.as_str() {
        "p" => Some(("L-417A185B", "L-7212CCBC")),
        "g" | "vt" => Some(("L-DB2E81BA", "L-3819A6DF")),
        "a" | "c" | "d" | "h" | "i" | "m" | "r" | "t" | "z" => Some(("L-1216C47A", "L-34B43A08")),
        _ => None,
    }
}

/// What rules a candidate out in one region, if anything does.
fn region_problem(
    client: &Client,
    spec: &Spec,
    candidate: &Candidate,
    region: &str,
    info: Option<&TypeInfo>,
) -> ProviderResult<Option<String>> {
    let ty = &candidate.instance_type;
    let offered = cloud::offered_zones(client, ty)?;
    let zones: Vec<String> = if candidate.zones.is_empty() {
        offered.clone()
    } else {
        candidate
            .zones
            .iter()
            .filter(|z| offered.contains(z))
            .cloned()
            .collect()
    };
    if zones.is_empty() {
        return Ok(Some(if offered.is_empty() || candidate.zones.is_empty() {
            format!("{ty} is not offered in {region}")
        } else {
            format!(
                "{ty} is offered in {region} only in {}, not in {}",
                offered.join(", "),
                candidate.zones.join(", ")
            )
        }));
    }
    let Some(image) = spec.image_for(region) else {
        return Ok(Some(format!("image_id names no image for {region}")));
    };
    match cloud::image_architecture(client, image)? {
        None => return Ok(Some(format!("image {image} does not exist in {region}"))),
        Some(arch) => {
            if let Some(info) = info.filter(|i| !i.architectures.is_empty()) {
                if !info.architectures.contains(&arch) {
                    return Ok(Some(format!(
                        "image {image} is built for {arch}, but {ty} runs {}",
                        info.architectures.join(", ")
                    )));
                }
            }
        }
    }
    let mut closed = Vec::new();
    for market in spec.markets() {
        if let (Some(info), Some((on_demand, spot))) = (info, quota_codes(ty)) {
            let code = if market == Market::Spot {
                spot
            } else {
                on_demand
            };
            let needed = (info.vcpus * spec.nodes) as f64;
            if let Some(limit) = cloud::quota(client, code)? {
                if limit < needed {
                    closed.push(format!(
                        "the {} vCPU quota {code} in {region} is {limit}, and the gang needs {needed}",
                        market.as_str()
                    ));
                    continue;
                }
            }
        }
        if let (Market::Spot, Some(max)) = (market, spec.max_price) {
            let prices = cloud::spot_prices(client, ty)?;
            let offers: Vec<f64> = zones
                .iter()
                .filter_map(|z| prices.get(z).copied())
                .collect();
            if let Some(low) = offers.iter().copied().reduce(f64::min) {
                if low > max {
                    closed.push(format!(
                        "every spot offer of {ty} in {region} is above max_price {max} (lowest {low})"
                    ));
                    continue;
                }
            }
        }
        return Ok(None);
    }
    Ok(Some(closed.join("; ")))
}

/// The checks' findings: warnings for candidates that cannot work, and
/// an error when none can.
pub(crate) struct Findings {
    pub(crate) warnings: Vec<ProviderError>,
    pub(crate) error: Option<ProviderError>,
}

fn at_candidate(i: usize, summary: &str, detail: String) -> ProviderError {
    ProviderError::Failed {
        summary: summary.into(),
        detail,
        attribute: Some(vec![
            "candidate".into(),
            i.to_string(),
            "instance_type".into(),
        ]),
        code: None,
    }
}

pub(crate) fn check(clients: &Clients, spec: &Spec) -> ProviderResult<Findings> {
    let mut warnings = Vec::new();
    let mut all = Vec::new();
    let mut any_possible = false;
    let mut first_problem = None;
    for (i, candidate) in spec.candidates.iter().enumerate() {
        let regions = candidate_regions(clients, candidate);
        if regions.is_empty() {
            return Err(ProviderError::Failed {
                summary: "No region for the candidate".into(),
                detail: format!(
                    "Candidate {} ({}) names no regions and the provider has none: set regions in the candidate, or aws {{ regions = [...] }} in the gpu provider block.",
                    i + 1,
                    candidate.instance_type
                ),
                attribute: Some(vec!["candidate".into(), i.to_string()]),
                code: None,
            });
        }
        let mut problems = Vec::new();
        let mut known = false;
        let mut possible = false;
        for region in &regions {
            let client = clients.region(region)?;
            let types =
                cloud::instance_types(&client, std::slice::from_ref(&candidate.instance_type))?;
            let info = types.get(&candidate.instance_type);
            known |= info.is_some();
            match region_problem(&client, spec, candidate, region, info)? {
                None => {
                    possible = true;
                    break;
                }
                Some(p) => problems.push(p),
            }
        }
        if possible {
            any_possible = true;
            continue;
        }
        let detail = if known {
            format!(
                "Candidate {} ({}) cannot place {} node(s): {}.",
                i + 1,
                candidate.instance_type,
                spec.nodes,
                problems.join("; ")
            )
        } else {
            format!(
                "Candidate {}: EC2 knows no instance type {:?} in {}. data \"gpu_offerings\" lists the types of an accelerator.",
                i + 1,
                candidate.instance_type,
                regions.join(", ")
            )
        };
        let summary = if known {
            "Candidate cannot be placed"
        } else {
            "Unknown instance type"
        };
        first_problem.get_or_insert(i);
        all.push(detail.clone());
        warnings.push(at_candidate(i, summary, detail));
    }
    if any_possible {
        return Ok(Findings {
            warnings,
            error: None,
        });
    }
    let error = match (warnings.len(), first_problem) {
        (1, _) => warnings.pop(),
        (_, Some(i)) => Some(at_candidate(
            i,
            "No candidate can be placed",
            format!("None of the fleet's candidates can work: {}", all.join(" ")),
        )),
        _ => None,
    };
    Ok(Findings {
        warnings: Vec::new(),
        error,
    })
}
