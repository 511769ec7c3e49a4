//! On-demand prices and GPU facts from the price catalog bundled with
//! Strata (the one the plan's cost estimate uses), for a fleet's
//! `hourly_price` and the offerings data source. Spot prices come from
//! EC2 itself.

use serde_json::Value as J;

/// The catalog, read when asked (it is small: a few dozen entries).
fn catalog() -> J {
    serde_json::from_str(include_str!("../../../engine/core/src/cost/catalog.json"))
        .unwrap_or(J::Null)
}

/// The on-demand price per hour of `instance_type` in `region`, if the
/// catalog has it.
pub(crate) fn on_demand(region: &str, instance_type: &str) -> Option<f64> {
    catalog()
        .pointer(&format!("/regions/{region}/{instance_type}/on_demand"))
        .and_then(J::as_f64)
}

/// (instance type, GPU model) of every machine type the catalog lists
/// with a GPU, in any region (SageMaker's `ml.` types left out).
fn gpu_types() -> Vec<(String, String)> {
    let catalog = catalog();
    catalog
        .get("regions")
        .and_then(J::as_object)
        .into_iter()
        .flat_map(|regions| regions.values())
        .filter_map(J::as_object)
        .flat_map(|types| types.iter())
        .filter(|(name, _)| !name.starts_with("ml."))
        .filter_map(|(name, p)| Some((name.clone(), p.get("gpu")?.as_str()?.to_string())))
        .collect()
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names.dedup();
    names
}

/// The instance types the catalog lists with an accelerator of this
/// name (`A100`, `H100`, …), case-insensitive.
pub(crate) fn types_with_gpu(accelerator: &str) -> Vec<String> {
    sorted(
        gpu_types()
            .into_iter()
            .filter(|(_, gpu)| gpu.eq_ignore_ascii_case(accelerator))
            .map(|(name, _)| name)
            .collect(),
    )
}

/// Every accelerator the catalog names.
pub(crate) fn accelerators() -> Vec<String> {
    sorted(gpu_types().into_iter().map(|(_, gpu)| gpu).collect())
}
