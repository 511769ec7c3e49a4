//! The resource types, by service.

mod compute;
mod data_stores;
mod ec2;
mod iam;
mod ml;

use crate::Resource;
use std::sync::Arc;
use strata_provider::{Attribute, NestedBlock, Nesting, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    let mut out: Vec<Arc<dyn Resource>> = Vec::new();
    out.extend(ec2::all());
    out.extend(iam::all());
    out.extend(data_stores::all());
    out.extend(compute::all());
    out.extend(ml::all());
    out
}

// ---- schema shorthands ------------------------------------------------------------

pub(crate) fn string() -> Attribute {
    Attribute::optional(Type::String)
}

pub(crate) fn required(ty: Type) -> Attribute {
    Attribute::required(ty)
}

pub(crate) fn optional(ty: Type) -> Attribute {
    Attribute::optional(ty)
}

pub(crate) fn computed(ty: Type) -> Attribute {
    Attribute::computed(ty)
}

pub(crate) fn defaulted(ty: Type) -> Attribute {
    Attribute::optional_computed(ty)
}

pub(crate) fn strings() -> Type {
    Type::list(Type::String)
}

pub(crate) fn string_set() -> Type {
    Type::set(Type::String)
}

pub(crate) fn string_map() -> Type {
    Type::map(Type::String)
}

/// A schema with `id`, `tags` and `tags_all` besides `attributes`.
pub(crate) fn tagged(attributes: Vec<(&'static str, Attribute)>) -> Schema {
    let mut all = vec![
        ("id", computed(Type::String)),
        ("tags", optional(string_map())),
        ("tags_all", computed(string_map())),
    ];
    all.extend(attributes);
    Schema::new(all)
}

pub(crate) fn block(
    schema: &mut Schema,
    name: &str,
    nesting: Nesting,
    inner: Schema,
    max: Option<usize>,
) {
    schema.blocks.insert(
        name.to_string(),
        NestedBlock {
            nesting,
            schema: inner,
            min_items: 0,
            max_items: max,
        },
    );
}

/// Polls `check` until it says done, backing off from 100 ms to 10 s
/// between polls, for at most `limit` (or what `timeouts` asks).
pub(crate) fn poll(
    api: &crate::api::Api,
    what: &str,
    limit: std::time::Duration,
    mut check: impl FnMut() -> strata_provider::ProviderResult<bool>,
) -> strata_provider::ProviderResult<()> {
    let limit = api.wait_limit.unwrap_or(limit);
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(100);
    while !check()? {
        if started.elapsed() > limit {
            return Err(strata_provider::ProviderError::failed(
                "Timed out waiting",
                format!("{what} did not happen within {} s", limit.as_secs()),
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(std::time::Duration::from_secs(10));
    }
    Ok(())
}
