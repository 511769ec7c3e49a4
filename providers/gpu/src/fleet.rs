//! Placing, reading, repairing and removing a fleet.
//!
//! **Acquisition** walks the candidates in order; for each, the markets
//! (spot first when enabled, on-demand when allowed), the regions in
//! order and the zones that offer the type. Each placement is one
//! `RunInstances` of the whole gang (MinCount = MaxCount): EC2 launches all
//! of it or nothing. A capacity error moves on at once to the next zone;
//! a launch that comes back short, or whose nodes die while starting, is
//! terminated before moving on. Every node is tagged with the fleet's id
//! by the launch call itself, so the nodes of an acquisition that was
//! killed midway are found by that tag (the journal records the id
//! before the first call) and nothing is left running unknown.

use crate::cloud::{self, Launch, Node, FLEET_TAG};
use crate::config::Clients;
use crate::spec::{Market, Spec};
use serde_json::{json, Map, Value as J};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use strata_aws_client::Client;
use strata_provider::{ProviderError, ProviderResult};

pub(crate) type Obj = Map<String, J>;

/// One placement tried, and why it did not hold the gang.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Attempt {
    pub(crate) instance_type: String,
    pub(crate) region: String,
    pub(crate) zone: String,
    pub(crate) market: Market,
    pub(crate) error: String,
}

impl Attempt {
    fn to_json(&self) -> J {
        json!({
            "instance_type": self.instance_type,
            "region": self.region,
            "zone": self.zone,
            "market": self.market.as_str(),
            "error": self.error,
        })
    }
}

/// Where a gang landed.
#[derive(Clone, Debug)]
pub(crate) struct Placed {
    pub(crate) instance_type: String,
    pub(crate) region: String,
    pub(crate) zone: String,
    pub(crate) market: Market,
    pub(crate) ids: Vec<String>,
}

/// How long nodes may take to reach `running` before the launch counts
/// as failed.
const START_LIMIT: Duration = Duration::from_secs(600);

fn token(parts: &[&str]) -> String {
    let digest = Sha256::digest(parts.join("|").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The regions a candidate is tried in.
pub(crate) fn candidate_regions(
    clients: &Clients,
    candidate: &crate::spec::Candidate,
) -> Vec<String> {
    if candidate.regions.is_empty() {
        clients.settings().default_regions()
    } else {
        candidate.regions.clone()
    }
}

/// The zones of `region` a candidate may use: those that offer its type,
/// in the candidate's order when it lists zones.
fn zones_for(
    client: &Client,
    candidate: &crate::spec::Candidate,
    offered: &mut BTreeMap<(String, String), Vec<String>>,
    region: &str,
) -> ProviderResult<Vec<String>> {
    let key = (region.to_string(), candidate.instance_type.clone());
    if !offered.contains_key(&key) {
        let zones = cloud::offered_zones(client, &candidate.instance_type)?;
        offered.insert(key.clone(), zones);
    }
    let zones = &offered[&key];
    Ok(if candidate.zones.is_empty() {
        zones.clone()
    } else {
        candidate
            .zones
            .iter()
            .filter(|z| zones.contains(z))
            .cloned()
            .collect()
    })
}

/// The tags every node carries: the user's, its name, and the fleet's id.
fn node_tags(spec: &Spec, fleet_id: &str) -> BTreeMap<String, String> {
    let mut tags = spec.tags.clone();
    tags.insert("Name".into(), spec.name.clone());
    tags.insert(FLEET_TAG.into(), fleet_id.to_string());
    tags
}

/// Waits for launched nodes to run; `Err` with the reason when one of
/// them stopped or went while starting (a spot request not fulfilled).
fn wait_running(client: &Client, ids: &[String]) -> ProviderResult<Result<(), String>> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(200);
    loop {
        let nodes = cloud::nodes_by_id(client, ids)?;
        if let Some(dead) = nodes.iter().find(|n| !n.is_live() || n.state == "stopping") {
            return Ok(Err(format!(
                "NodeFailedToStart ({} {})",
                dead.id, dead.state
            )));
        }
        if nodes.len() == ids.len() && nodes.iter().all(|n| n.state == "running") {
            return Ok(Ok(()));
        }
        if started.elapsed() > START_LIMIT {
            return Ok(Err("NodesNotRunningInTime".into()));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}

/// One gang launch in one zone; `Ok(Err(code))` when EC2 could not
/// place it there (nothing of it is left running).
fn try_place(
    client: &Client,
    spec: &Spec,
    fleet_id: &str,
    launch: &Launch<'_>,
) -> ProviderResult<Result<Vec<String>, String>> {
    let ids = match cloud::run_instances(client, launch) {
        Ok(ids) => ids,
        Err(e)
            if e.code()
                .is_some_and(|c| strata_aws_client::CAPACITY_CODES.contains(&c)) =>
        {
            return Ok(Err(e.code().unwrap_or_default().to_string()))
        }
        Err(e) => return Err(e),
    };
    if ids.len() as u64 != launch.count {
        tracing::warn!(
            fleet = fleet_id,
            launched = ids.len(),
            wanted = launch.count,
            "partial launch terminated"
        );
        cloud::terminate(client, &ids)?;
        return Ok(Err(format!(
            "PartialLaunch ({} of {})",
            ids.len(),
            launch.count
        )));
    }
    match wait_running(client, &ids)? {
        Ok(()) => Ok(Ok(ids)),
        Err(why) => {
            cloud::terminate(client, &ids)?;
            let _ = spec;
            Ok(Err(why))
        }
    }
}

/// Refuses to place a fleet whose name another fleet's running nodes
/// carry: the name is the fleet's identity in the account (an
/// interrupted acquisition's nodes are found by it).
pub(crate) fn check_name_free(clients: &Clients, spec: &Spec) -> ProviderResult<()> {
    let mut seen = Vec::new();
    for c in &spec.candidates {
        for region in candidate_regions(clients, c) {
            if seen.contains(&region) {
                continue;
            }
            let nodes = cloud::fleet_nodes(&*clients.region(&region)?, &spec.name)?;
            if let Some(n) = nodes.iter().find(|n| n.is_live()) {
                return Err(ProviderError::Failed {
                    summary: "Fleet name in use".into(),
                    detail: format!(
                        "A fleet named {:?} already runs in {region} (node {} is tagged {FLEET_TAG}={:?}). Fleet names are unique in an account: choose another name, or destroy that fleet first.",
                        spec.name, n.id, spec.name
                    ),
                    attribute: Some(vec!["name".into()]),
                    code: None,
                });
            }
            seen.push(region);
        }
    }
    Ok(())
}

/// Places the whole gang on the first candidate, market, region and zone
/// that takes it. `attempts` collects every placement tried; on failure
/// the error lists them.
pub(crate) fn acquire(
    clients: &Clients,
    spec: &Spec,
    fleet_id: &str,
    attempts: &mut Vec<Attempt>,
) -> ProviderResult<Placed> {
    let tags = node_tags(spec, fleet_id);
    let mut offered = BTreeMap::new();
    let mut groups: Vec<(String, std::sync::Arc<Client>)> = Vec::new();
    let result = (|| {
        for candidate in &spec.candidates {
            for market in spec.markets() {
                for region in candidate_regions(clients, candidate) {
                    let mut attempt = |zone: &str, error: String| {
                        attempts.push(Attempt {
                            instance_type: candidate.instance_type.clone(),
                            region: region.clone(),
                            zone: zone.to_string(),
                            market,
                            error,
                        })
                    };
                    let Some(image) = spec.image_for(&region) else {
                        attempt("", "NoImageForRegion".into());
                        continue;
                    };
                    let client = clients.region(&region)?;
                    let zones = zones_for(&client, candidate, &mut offered, &region)?;
                    if zones.is_empty() {
                        attempt("", "NotOffered".into());
                        continue;
                    }
                    let group = spec.placement_group.then(|| format!("strata-{fleet_id}"));
                    if let Some(g) = &group {
                        if !groups.iter().any(|(r, _)| r == &region) {
                            cloud::create_placement_group(&client, g)?;
                            groups.push((region.clone(), client.clone()));
                        }
                    }
                    for zone in &zones {
                        let client_token =
                            token(&[fleet_id, &candidate.instance_type, zone, market.as_str()]);
                        let launch = Launch {
                            instance_type: &candidate.instance_type,
                            zone,
                            subnet: spec.subnets.get(zone).map(String::as_str),
                            security_groups: &spec.security_groups,
                            instance_profile: spec.instance_profile.as_deref(),
                            user_data: spec.user_data.as_deref(),
                            image,
                            count: spec.nodes,
                            spot: (market == Market::Spot).then_some(spec.max_price),
                            placement_group: group.as_deref(),
                            tags: &tags,
                            client_token: &client_token,
                        };
                        match try_place(&client, spec, fleet_id, &launch)? {
                            Ok(ids) => {
                                return Ok(Placed {
                                    instance_type: candidate.instance_type.clone(),
                                    region: region.clone(),
                                    zone: zone.clone(),
                                    market,
                                    ids,
                                })
                            }
                            Err(code) => attempt(zone, code),
                        }
                    }
                }
            }
        }
        Err(no_capacity(spec, attempts))
    })();
    // Placement groups made in regions the gang did not land in go.
    let landed = result.as_ref().ok().map(|p| p.region.clone());
    for (region, client) in &groups {
        if Some(region) != landed.as_ref() {
            cloud::delete_placement_group(client, &format!("strata-{fleet_id}"))?;
        }
    }
    result
}

fn no_capacity(spec: &Spec, attempts: &[Attempt]) -> ProviderError {
    let tried: Vec<String> = attempts
        .iter()
        .map(|a| {
            let place = if a.zone.is_empty() {
                &a.region
            } else {
                &a.zone
            };
            format!(
                "{} {} in {place}: {}",
                a.instance_type,
                a.market.as_str(),
                a.error
            )
        })
        .collect();
    ProviderError::Failed {
        summary: "No capacity for the fleet".into(),
        detail: format!(
            "No candidate could place all {} node(s) of {:?}; nothing is left running. Tried: {}. Add candidates, regions or zones, allow on-demand fallback, or try again later.",
            spec.nodes,
            spec.name,
            if tried.is_empty() { "nothing".to_string() } else { tried.join("; ") }
        ),
        attribute: Some(vec!["candidate".into()]),
        code: Some("InsufficientInstanceCapacity".into()),
    }
}

/// The price per node-hour of what was taken: the zone's spot price, or
/// the catalog's on-demand price.
fn hourly_price(client: &Client, placed: &Placed) -> J {
    let price = match placed.market {
        Market::Spot => cloud::spot_prices(client, &placed.instance_type)
            .ok()
            .and_then(|p| p.get(&placed.zone).copied()),
        Market::OnDemand => crate::prices::on_demand(&placed.region, &placed.instance_type),
    };
    price.map(|p| json!(p)).unwrap_or(J::Null)
}

/// The state of a fleet placed now: `planned` with its computed values.
pub(crate) fn placed_state(
    clients: &Clients,
    spec: &Spec,
    planned: &Obj,
    placed: &Placed,
    attempts: &[Attempt],
    created_at: chrono::DateTime<chrono::Utc>,
) -> ProviderResult<Obj> {
    let client = clients.region(&placed.region)?;
    let mut o = planned.clone();
    o.insert("instance_ids".into(), json!(placed.ids));
    o.insert("instance_type".into(), json!(placed.instance_type));
    o.insert("region".into(), json!(placed.region));
    o.insert("zone".into(), json!(placed.zone));
    o.insert("market".into(), json!(placed.market.as_str()));
    o.insert("hourly_price".into(), hourly_price(&client, placed));
    o.insert("healthy_nodes".into(), json!(placed.ids.len()));
    o.insert(
        "attempts".into(),
        J::Array(attempts.iter().map(Attempt::to_json).collect()),
    );
    let created = o
        .get("created_at")
        .and_then(J::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(created_at);
    o.insert("created_at".into(), json!(rfc3339(created)));
    o.insert("expires_at".into(), expires_at(spec, created));
    Ok(o)
}

pub(crate) fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// When a fleet created at `created` expires, as state holds it.
pub(crate) fn expires_at(spec: &Spec, created: chrono::DateTime<chrono::Utc>) -> J {
    match spec.ttl {
        Some(secs) => json!(rfc3339(created + chrono::Duration::seconds(secs as i64))),
        None => J::Null,
    }
}

fn s<'a>(o: &'a Obj, k: &str) -> Option<&'a str> {
    o.get(k).and_then(J::as_str)
}

fn ids(o: &Obj) -> Vec<String> {
    o.get("instance_ids")
        .and_then(J::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The fleet as it is now: its nodes that still run; `None` when none do.
pub(crate) fn read(clients: &Clients, prior: &Obj) -> ProviderResult<Option<Obj>> {
    let Some(region) = s(prior, "region") else {
        return Ok(None);
    };
    let client = clients.region(region)?;
    let wanted = ids(prior);
    let live: Vec<Node> = cloud::nodes_by_id(&client, &wanted)?
        .into_iter()
        .filter(Node::is_live)
        .collect();
    if live.is_empty() {
        return Ok(None);
    }
    let kept: Vec<String> = wanted
        .into_iter()
        .filter(|id| live.iter().any(|n| &n.id == id))
        .collect();
    let mut o = prior.clone();
    o.insert("healthy_nodes".into(), json!(kept.len()));
    o.insert("instance_ids".into(), json!(kept));
    Ok(Some(o))
}

/// Terminates every node of the fleet (those in state and any other with
/// its tag) and its placement group.
pub(crate) fn delete(clients: &Clients, prior: &Obj) -> ProviderResult<()> {
    let Some(region) = s(prior, "region") else {
        return Ok(());
    };
    let client = clients.region(region)?;
    let mut all = ids(prior);
    if let Some(id) = s(prior, "id") {
        for n in cloud::fleet_nodes(&client, id)? {
            if !all.contains(&n.id) {
                all.push(n.id);
            }
        }
    }
    cloud::terminate(&client, &all)?;
    if prior.get("placement_group").and_then(J::as_bool) == Some(true) {
        // A group can go only when its nodes have.
        let started = Instant::now();
        while cloud::nodes_by_id(&client, &all)?
            .iter()
            .any(|n| n.state != "terminated")
            && started.elapsed() < START_LIMIT
        {
            std::thread::sleep(Duration::from_secs(2));
        }
        if let Some(id) = s(prior, "id") {
            cloud::delete_placement_group(&client, &format!("strata-{id}"))?;
        }
    }
    Ok(())
}

/// Brings a fleet that lost nodes back to its size: the missing nodes in
/// its zone, type and market; when that zone has no capacity left, the
/// whole gang is placed anew (failover) and the old nodes terminated.
pub(crate) fn repair(
    clients: &Clients,
    spec: &Spec,
    prior: &Obj,
    planned: &Obj,
) -> ProviderResult<Obj> {
    let fleet_id = s(prior, "id").unwrap_or_default().to_string();
    let region = s(prior, "region").unwrap_or_default().to_string();
    let client = clients.region(&region)?;
    let live: Vec<String> = cloud::nodes_by_id(&client, &ids(prior))?
        .into_iter()
        .filter(Node::is_live)
        .map(|n| n.id)
        .collect();
    let missing = spec.nodes.saturating_sub(live.len() as u64);
    let mut attempts: Vec<Attempt> = Vec::new();
    let market = if s(prior, "market") == Some("spot") {
        Market::Spot
    } else {
        Market::OnDemand
    };
    let current = Placed {
        instance_type: s(prior, "instance_type").unwrap_or_default().to_string(),
        region: region.clone(),
        zone: s(prior, "zone").unwrap_or_default().to_string(),
        market,
        ids: live.clone(),
    };
    if missing > 0 {
        let tags = node_tags(spec, &fleet_id);
        let client_token = token(&[&fleet_id, "repair", &live.join(",")]);
        let group = spec.placement_group.then(|| format!("strata-{fleet_id}"));
        let image = spec.image_for(&region).unwrap_or_default();
        let launch = Launch {
            instance_type: &current.instance_type,
            zone: &current.zone,
            subnet: spec.subnets.get(&current.zone).map(String::as_str),
            security_groups: &spec.security_groups,
            instance_profile: spec.instance_profile.as_deref(),
            user_data: spec.user_data.as_deref(),
            image,
            count: missing,
            spot: (market == Market::Spot).then_some(spec.max_price),
            placement_group: group.as_deref(),
            tags: &tags,
            client_token: &client_token,
        };
        match try_place(&client, spec, &fleet_id, &launch)? {
            Ok(new) => {
                let mut placed = current;
                placed.ids.extend(new);
                return placed_state(clients, spec, planned, &placed, &[], chrono::Utc::now());
            }
            Err(code) => attempts.push(Attempt {
                instance_type: current.instance_type.clone(),
                region: region.clone(),
                zone: current.zone.clone(),
                market,
                error: code,
            }),
        }
        // The zone cannot hold the gang again: place all of it anew.
        let placed = acquire(clients, spec, &fleet_id, &mut attempts)?;
        cloud::terminate(&client, &live)?;
        return placed_state(
            clients,
            spec,
            planned,
            &placed,
            &attempts,
            chrono::Utc::now(),
        );
    }
    placed_state(clients, spec, planned, &current, &[], chrono::Utc::now())
}

/// After an interrupted create or repair: the nodes tagged with the
/// fleet's id in every region it could use. A whole gang in one zone is
/// adopted (anything else of the fleet terminated); otherwise every node
/// found is terminated and the fleet is placed again by the next apply.
pub(crate) fn recover(
    clients: &Clients,
    spec: &Spec,
    fleet_id: &str,
    planned: &Obj,
) -> ProviderResult<Option<Obj>> {
    let mut regions: Vec<String> = Vec::new();
    for c in &spec.candidates {
        for r in candidate_regions(clients, c) {
            if !regions.contains(&r) {
                regions.push(r);
            }
        }
    }
    let mut found: Vec<(String, Node)> = Vec::new();
    for region in &regions {
        let client = clients.region(region)?;
        for n in cloud::fleet_nodes(&client, fleet_id)? {
            if n.is_live() {
                found.push((region.clone(), n));
            }
        }
    }
    let mut groups: BTreeMap<(String, String, String, bool), Vec<String>> = BTreeMap::new();
    for (region, n) in &found {
        groups
            .entry((
                region.clone(),
                n.zone.clone(),
                n.instance_type.clone(),
                n.spot,
            ))
            .or_default()
            .push(n.id.clone());
    }
    let whole = groups
        .iter()
        .find(|(_, ids)| ids.len() as u64 == spec.nodes)
        .map(|(k, ids)| (k.clone(), ids.clone()));
    for (region, n) in &found {
        let adopted = whole.as_ref().is_some_and(|(_, ids)| ids.contains(&n.id));
        if !adopted {
            cloud::terminate(&*clients.region(region)?, std::slice::from_ref(&n.id))?;
        }
    }
    let Some(((region, zone, instance_type, spot), ids)) = whole else {
        return Ok(None);
    };
    let placed = Placed {
        instance_type,
        region,
        zone,
        market: if spot { Market::Spot } else { Market::OnDemand },
        ids,
    };
    placed_state(clients, spec, planned, &placed, &[], chrono::Utc::now()).map(Some)
}

/// Sets the fleet's tags on its nodes after a change of `tags`.
pub(crate) fn retag(clients: &Clients, prior: &Obj, spec: &Spec) -> ProviderResult<()> {
    let Some(region) = s(prior, "region") else {
        return Ok(());
    };
    let client = clients.region(region)?;
    let nodes = ids(prior);
    let old: BTreeMap<String, String> = prior
        .get("tags")
        .and_then(J::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let gone: Vec<String> = old
        .keys()
        .filter(|k| !spec.tags.contains_key(*k))
        .cloned()
        .collect();
    cloud::set_tags(&client, &nodes, &spec.tags, &gone)
}
