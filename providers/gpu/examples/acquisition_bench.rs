//! How many API calls and seconds placing a fleet takes as its candidates
//! and regions (and so the zones tried) grow. Every placement is out of
//! capacity but the last zone of the last region of the last candidate,
//! so an acquisition tries every zone before it lands. Capacity is played
//! by the tests' proxy in front of moto.
//!
//!   cargo run --release -p strata-provider-gpu --example acquisition_bench -- MOTO_ENDPOINT [RUNS]
//!
//! (`bash bench/gpu_acquisition.sh [RUNS]` starts moto and runs this.)

#[path = "../tests/common/mod.rs"]
mod common;

use common::sim::{none, Ec2, Room};
use serde_json::json;
use std::time::Instant;

const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-northeast-1",
];
const TYPES: &[&str] = &["g5.xlarge", "p4d.24xlarge"];

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let moto = args.get(1).cloned().unwrap_or_else(common::moto);
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    std::env::set_var("STRATA_TEST_S3", &moto);
    println!("| candidates | regions | zones tried | RunInstances | other calls | calls per zone tried | seconds (median of {runs}) |");
    println!("|---|---|---|---|---|---|---|");
    for candidates in 1..=TYPES.len() {
        for regions in [1, 2, 4, 6] {
            let regions = &REGIONS[..regions];
            let mut seconds = Vec::new();
            let mut row = None;
            for run in 0..runs {
                let sim = Ec2::start(&moto);
                let p = common::provider(&sim.proxy.url, regions).await;
                // The one zone with room: the last one tried.
                let last_type = TYPES[candidates - 1];
                let last_region = regions[regions.len() - 1];
                let zones = offered(last_region, last_type);
                let winner = zones.last().expect("offered").clone();
                let mut rooms: Vec<Room> = vec![none(last_type).in_zone(&winner).nodes(1000)];
                rooms.extend(TYPES[..candidates].iter().map(|t| none(t)));
                sim.rooms(rooms);
                let name = format!(
                    "bench-{candidates}-{}-{run}-{}",
                    regions.len(),
                    std::process::id()
                );
                let config = common::fleet_config(
                    &p,
                    json!({
                        "name": name, "nodes": 2, "image_id": common::X86_IMAGE,
                        "candidate": TYPES[..candidates].iter().map(|t| json!({"instance_type": t})).collect::<Vec<_>>(),
                    }),
                );
                sim.proxy.reset();
                let started = Instant::now();
                let state = common::create(&p, &config).await.expect("placed");
                seconds.push(started.elapsed().as_secs_f64());
                let tried = common::json_of(&state)["attempts"]
                    .as_array()
                    .unwrap()
                    .len()
                    + 1;
                let launches = sim.proxy.count("RunInstances");
                let total = sim.proxy.calls.lock().unwrap().len();
                row = Some((tried, launches, total - launches));
                common::destroy(&p, &state).await;
            }
            seconds.sort_by(f64::total_cmp);
            let (tried, launches, other) = row.expect("ran");
            println!(
                "| {candidates} | {} | {tried} | {launches} | {other} | {:.2} | {:.3} |",
                regions.len(),
                (launches + other) as f64 / tried as f64,
                seconds[seconds.len() / 2]
            );
        }
    }
}

/// The zones moto offers a type in, sorted.
fn offered(region: &str, instance_type: &str) -> Vec<String> {
    let text = common::ec2(
        region,
        "DescribeInstanceTypeOfferings",
        &[
            ("LocationType", "availability-zone"),
            ("Filter.1.Name", "instance-type"),
            ("Filter.1.Value.1", instance_type),
        ],
    );
    let doc = roxmltree::Document::parse(&text).expect("xml");
    let mut zones: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("location"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    zones.sort();
    zones
}
