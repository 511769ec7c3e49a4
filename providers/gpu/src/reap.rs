//! Whether a fleet is finished: past its ttl, idle (the CloudWatch
//! agent's `nvidia_smi_utilization_gpu` averaged over the fleet below
//! `idle_threshold` for `idle_timeout`), or done (`done_when_object`
//! exists).

use crate::cloud;
use crate::config::Clients;
use crate::fleet::Obj;
use crate::spec;
use chrono::{DateTime, Utc};
use serde_json::Value as J;
use strata_provider::ProviderResult;

fn time(o: &Obj, k: &str) -> Option<DateTime<Utc>> {
    o.get(k)
        .and_then(J::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Why the fleet in `state` should go now, or `None`.
pub(crate) fn reason(
    clients: &Clients,
    state: &Obj,
    now: DateTime<Utc>,
) -> ProviderResult<Option<String>> {
    let Ok(spec) = spec::read(state) else {
        return Ok(None);
    };
    if let Some(expires) = time(state, "expires_at") {
        if expires <= now {
            let ttl = state.get("ttl").and_then(J::as_str).unwrap_or_default();
            return Ok(Some(format!(
                "expired at {} (ttl {ttl})",
                crate::fleet::rfc3339(expires)
            )));
        }
    }
    let region = state.get("region").and_then(J::as_str).map(str::to_string);
    let Some(region) = region else {
        return Ok(None);
    };
    let client = clients.region(&region)?;
    if let Some(url) = &spec.done_when_object {
        let (bucket, _) = cloud::split_s3_url(url)?;
        let bucket_client = clients.region(&cloud::bucket_region(&client, bucket)?)?;
        if cloud::object_exists(&bucket_client, url)? {
            return Ok(Some(format!("done: {url} exists")));
        }
    }
    if let Some(window) = spec.idle_timeout {
        let ids: Vec<String> = state
            .get("instance_ids")
            .and_then(J::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if ids.is_empty() {
            return Ok(None);
        }
        let start = now - chrono::Duration::seconds(window as i64);
        let points = cloud::gpu_utilization(&client, &ids, start, now)?;
        // Idle only when every node reported, over the whole window.
        if points.len() < ids.len() || points.values().any(|p| p.1 > start + slack(window)) {
            return Ok(None);
        }
        let average = points.values().map(|p| p.0).sum::<f64>() / points.len() as f64;
        if average < spec.idle_threshold {
            let timeout = state
                .get("idle_timeout")
                .and_then(J::as_str)
                .unwrap_or_default();
            return Ok(Some(format!(
                "idle: GPU utilization averaged {average:.1}% over the last {timeout} (threshold {}%)",
                spec.idle_threshold
            )));
        }
    }
    Ok(None)
}

/// How late the first data point of the window may be and still count
/// as covering it: a quarter of the window, at most five minutes.
fn slack(window: u64) -> chrono::Duration {
    chrono::Duration::seconds((window / 4).min(300) as i64)
}
