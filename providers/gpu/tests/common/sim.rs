//! EC2 capacity as the fleet tests play it, in front of moto: rules say
//! which instance types, zones and markets have room for how many nodes,
//! and the proxy answers a launch that does not fit as real EC2 does
//! (HTTP 500, `InsufficientInstanceCapacity`, nothing launched). moto
//! does not implement placement groups or EC2's Service Quotas, so the
//! proxy answers those calls (groups recorded, quotas as set). Launches can be held back to kill a run
//! mid-acquisition.
#![allow(dead_code)]

use super::proxy::{Proxy, Verdict};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Room for `available` nodes of a type (in a zone, in a market; `None`
/// matches any). The first rule that matches a launch decides it; a
/// launch no rule matches goes through.
#[derive(Clone, Debug)]
pub struct Room {
    pub instance_type: String,
    pub zone: Option<String>,
    pub market: Option<&'static str>,
    pub available: u64,
    /// The error code EC2 answers with when the gang does not fit.
    pub code: &'static str,
}

pub fn none(instance_type: &str) -> Room {
    Room {
        instance_type: instance_type.into(),
        zone: None,
        market: None,
        available: 0,
        code: "InsufficientInstanceCapacity",
    }
}

impl Room {
    pub fn in_zone(mut self, zone: &str) -> Room {
        self.zone = Some(zone.into());
        self
    }
    pub fn market(mut self, market: &'static str) -> Room {
        self.market = Some(market);
        self
    }
    pub fn nodes(mut self, n: u64) -> Room {
        self.available = n;
        self
    }
    pub fn code(mut self, code: &'static str) -> Room {
        self.code = code;
        self
    }
}

#[derive(Default)]
pub struct State {
    pub rooms: Vec<Room>,
    pub placement_groups: BTreeMap<String, bool>,
    /// How long each launch's answer is held back.
    pub launch_delay: Option<Duration>,
    /// Every launch asked for: (type, zone, market, count).
    pub launches: Vec<(String, String, String, u64)>,
    /// Service Quotas values by quota code (vCPUs), answered as the
    /// service does; moto does not serve EC2's quotas.
    pub quotas: BTreeMap<String, f64>,
}

pub struct Ec2 {
    pub proxy: Proxy,
    pub state: Arc<Mutex<State>>,
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn error(code: &str, message: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>sim</RequestID></Response>")
}

fn decide(state: &Mutex<State>, action: &str, body: &str) -> Verdict {
    let mut s = state.lock().unwrap();
    if let Ok(serde_json::Value::Object(request)) = serde_json::from_str(body) {
        if let Some(code) = request.get("QuotaCode").and_then(|c| c.as_str()) {
            return match s.quotas.get(code) {
                Some(value) => Verdict::Answer(
                    200,
                    serde_json::json!({"Quota": {"ServiceCode": "ec2", "QuotaCode": code, "Value": value}}).to_string(),
                ),
                None => Verdict::Answer(400, serde_json::json!({"__type": "NoSuchResourceException", "message": "The request failed because the specified service quota does not exist."}).to_string()),
            };
        }
    }
    let f = form(body);
    match action {
        "CreatePlacementGroup" => {
            let name = f.get("GroupName").cloned().unwrap_or_default();
            s.placement_groups.insert(name, true);
            Verdict::Answer(200, "<CreatePlacementGroupResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><return>true</return></CreatePlacementGroupResponse>".into())
        }
        "DeletePlacementGroup" => {
            let name = f.get("GroupName").cloned().unwrap_or_default();
            s.placement_groups.remove(&name);
            Verdict::Answer(200, "<DeletePlacementGroupResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><return>true</return></DeletePlacementGroupResponse>".into())
        }
        "RunInstances" => {
            let ty = f.get("InstanceType").cloned().unwrap_or_default();
            let zone = f
                .get("Placement.AvailabilityZone")
                .cloned()
                .unwrap_or_default();
            let market = if f
                .get("InstanceMarketOptions.MarketType")
                .map(String::as_str)
                == Some("spot")
            {
                "spot"
            } else {
                "on-demand"
            };
            let count: u64 = f.get("MinCount").and_then(|c| c.parse().ok()).unwrap_or(1);
            s.launches
                .push((ty.clone(), zone.clone(), market.to_string(), count));
            let room = s.rooms.iter().find(|r| {
                r.instance_type == ty
                    && r.zone.as_ref().is_none_or(|z| *z == zone)
                    && r.market.is_none_or(|m| m == market)
            });
            if let Some(r) = room {
                if r.available < count {
                    let message = format!("We currently do not have sufficient {ty} capacity in the Availability Zone you requested ({zone}). Our system will be working on provisioning additional capacity.");
                    let status = if r.code == "InsufficientInstanceCapacity" {
                        500
                    } else {
                        400
                    };
                    return Verdict::Answer(status, error(r.code, &message));
                }
            }
            match s.launch_delay {
                Some(d) => Verdict::ForwardDelayed(d),
                None => Verdict::Forward,
            }
        }
        _ => Verdict::Forward,
    }
}

impl Ec2 {
    pub fn start(moto: &str) -> Ec2 {
        let state = Arc::new(Mutex::new(State::default()));
        let rules_state = state.clone();
        let proxy = Proxy::with_rules(
            moto,
            0,
            Arc::new(move |action: &str, body: &str| decide(&rules_state, action, body)),
        );
        Ec2 { proxy, state }
    }

    pub fn rooms(&self, rooms: Vec<Room>) {
        self.state.lock().unwrap().rooms = rooms;
    }

    pub fn launches(&self) -> Vec<(String, String, String, u64)> {
        self.state.lock().unwrap().launches.clone()
    }
}
