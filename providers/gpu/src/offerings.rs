//! `data "gpu_offerings"`: where instance types of an accelerator (or
//! named types) are offered, what each node carries, the prices known
//! and the quota that limits them.

use crate::cloud;
use crate::config::Clients;
use crate::preflight::quota_codes;
use crate::spec::strings;
use serde_json::{json, Map, Value as J};
use strata_provider::{Attribute, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) const TYPE: &str = "gpu_offerings";

fn offering_type() -> Type {
    let mut attributes = std::collections::BTreeMap::new();
    for k in ["instance_type", "region", "zone", "gpu_model"] {
        attributes.insert(k.to_string(), Type::String);
    }
    for k in [
        "gpus",
        "gpu_memory_gib",
        "vcpus",
        "on_demand_price",
        "spot_price",
        "on_demand_quota_vcpus",
        "spot_quota_vcpus",
    ] {
        attributes.insert(k.to_string(), Type::Number);
    }
    Type::object(attributes)
}

pub(crate) fn schema() -> Schema {
    let mut schema = Schema::new([
        (
            "accelerator",
            Attribute::optional(Type::String).describe("A GPU model: A100, H100, A10G, …"),
        ),
        (
            "instance_types",
            Attribute::optional(Type::list(Type::String)),
        ),
        (
            "regions",
            Attribute::optional(Type::list(Type::String))
                .describe("Default: the provider's regions."),
        ),
        ("id", Attribute::computed(Type::String)),
        (
            "offerings",
            Attribute::computed(Type::list(offering_type())),
        ),
    ]);
    schema.description =
        "Where GPU instance types are offered, with their GPUs, prices and quotas.";
    schema
}

pub(crate) fn read(clients: &Clients, config: &Map<String, J>) -> ProviderResult<Map<String, J>> {
    let mut types = strings(config, "instance_types");
    if let Some(accelerator) = config.get("accelerator").and_then(J::as_str) {
        let of = crate::prices::types_with_gpu(accelerator);
        if of.is_empty() {
            return Err(ProviderError::at(
                "Unknown accelerator",
                format!(
                    "No instance type with a {accelerator:?} GPU is known; known accelerators: {}. Name types with instance_types instead.",
                    crate::prices::accelerators().join(", ")
                ),
                "accelerator",
            ));
        }
        types.extend(of);
    }
    types.sort();
    types.dedup();
    if types.is_empty() {
        return Err(ProviderError::at(
            "Nothing to look up",
            "Set accelerator or instance_types.",
            "accelerator",
        ));
    }
    let mut regions = strings(config, "regions");
    if regions.is_empty() {
        regions = clients.settings().default_regions();
    }
    let mut offerings = Vec::new();
    for region in &regions {
        let client = clients.region(region)?;
        let infos = cloud::instance_types(&client, &types)?;
        for ty in &types {
            let Some(info) = infos.get(ty) else { continue };
            let zones = cloud::offered_zones(&client, ty)?;
            if zones.is_empty() {
                continue;
            }
            let spot = cloud::spot_prices(&client, ty)?;
            let (on_demand_quota, spot_quota) = match quota_codes(ty) {
                Some((od, sp)) => (cloud::quota(&client, od)?, cloud::quota(&client, sp)?),
                None => (None, None),
            };
            for zone in zones {
                offerings.push(json!({
                    "instance_type": ty,
                    "region": region,
                    "zone": zone,
                    "gpus": info.gpus,
                    "gpu_model": info.gpu_model,
                    "gpu_memory_gib": info.gpu_memory_mib as f64 / 1024.0,
                    "vcpus": info.vcpus,
                    "on_demand_price": crate::prices::on_demand(region, ty),
                    "spot_price": spot.get(&zone),
                    "on_demand_quota_vcpus": on_demand_quota,
                    "spot_quota_vcpus": spot_quota,
                }));
            }
        }
    }
    let mut out = config.clone();
    out.insert(
        "id".into(),
        json!(format!("{}@{}", types.join(","), regions.join(","))),
    );
    out.insert("offerings".into(), J::Array(offerings));
    Ok(out)
}
