//! Tags, one way for every service: what moving an object's tags from
//! one set to another takes ([`retag`]: the keys to remove, then the tags
//! new or changed), and the shapes services write tags in (a JSON object,
//! a `Key`/`Value` list).

use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use strata_provider::ProviderResult;

pub(crate) type Tags = BTreeMap<String, String>;

/// Moves tags from `old` to `new` through a service's own calls: `untag`
/// with the keys `new` lacks (when there are any), then `tag` with the
/// tags that are new or changed (when there are any).
pub(crate) fn retag(
    old: &Tags,
    new: &Tags,
    untag: impl FnOnce(&[String]) -> ProviderResult<()>,
    tag: impl FnOnce(&Tags) -> ProviderResult<()>,
) -> ProviderResult<()> {
    let gone = removed(old, new);
    if !gone.is_empty() {
        untag(&gone)?;
    }
    let changed: Tags = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        tag(&changed)?;
    }
    Ok(())
}

/// The keys of `old` that `new` lacks.
pub(crate) fn removed(old: &Tags, new: &Tags) -> Vec<String> {
    old.keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect()
}

/// Tags written as a JSON object of strings (`{"team": "ml"}`).
pub(crate) fn json_tags(j: &J) -> Tags {
    j.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Tags written as a list of `{"Key": …, "Value": …}`.
pub(crate) fn tag_list(j: &J) -> Tags {
    j.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some((
                        t["Key"].as_str()?.to_string(),
                        t["Value"].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The `Key`/`Value` list form of `tags`.
pub(crate) fn key_values(tags: &Tags) -> J {
    J::Array(
        tags.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}
