//! The resource types, by service.

mod app_services;
mod batch;
mod compute;
mod data_stores;
mod defaults;
mod ec2;
mod efs;
mod eks;
mod emr;
mod endpoints;
mod flow_logs;
mod fsx;
mod iam;
mod iam_access;
mod kms_logs;
mod msk;
mod nacl;
mod nat;
mod placement;
mod routes;
mod s3_config;
mod s3_features;
mod s3_lifecycle;
mod s3_replication;
mod s3_website;
mod s3_xml;
mod sagemaker;
mod sg_rules;
mod subnet_groups;
mod unsupported;
mod vpc;
mod vpc_options;
mod vpn;

use crate::api::{Api, Obj};
use crate::Resource;
use serde_json::Value as J;
use std::sync::Arc;
use std::time::Duration;
use strata_provider::{Attribute, NestedBlock, Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    let mut out: Vec<Arc<dyn Resource>> = Vec::new();
    out.extend(ec2::all());
    out.extend(vpc::all());
    out.extend(routes::all());
    out.extend(placement::all());
    out.extend(iam::all());
    out.extend(iam_access::all());
    out.extend(data_stores::all());
    out.extend(s3_config::all());
    out.extend(s3_features::all());
    out.extend(s3_lifecycle::all());
    out.extend(s3_replication::all());
    out.extend(s3_website::all());
    out.extend(endpoints::all());
    out.extend(flow_logs::all());
    out.extend(fsx::all());
    out.extend(nat::all());
    out.extend(nacl::all());
    out.extend(defaults::all());
    out.extend(sg_rules::all());
    out.extend(vpn::all());
    out.extend(vpc_options::all());
    out.extend(subnet_groups::all());
    out.extend(unsupported::all());
    out.extend(kms_logs::all());
    out.extend(app_services::all());
    out.extend(efs::all());
    out.extend(compute::all());
    for service in [eks::all, emr::all, sagemaker::all, batch::all, msk::all] {
        out.extend(service());
    }
    out
}

/// The name of an object whose configuration may leave it to AWS: `name`,
/// else `name_prefix` and 26 digits that make it unique (as Terraform
/// makes them), else `terraform-` and such digits.
pub(crate) fn generated_name(p: &Obj) -> String {
    generated_from(p, "name", "name_prefix")
}

/// The defaults of the arguments `config` leaves unset, for
/// [`Resource::plan_known`].
pub(crate) fn unset_defaults(config: &Obj, defaults: &[(&str, J)]) -> Obj {
    defaults
        .iter()
        .filter(|(k, _)| config.get(*k).is_none_or(J::is_null))
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The same for arguments named otherwise (`bucket`, `bucket_prefix`).
pub(crate) fn generated_from(p: &Obj, name: &str, prefix: &str) -> String {
    if let Some(name) = crate::api::s(p, name) {
        return name.to_string();
    }
    let prefix = crate::api::s(p, prefix).unwrap_or("terraform-");
    let digits = uuid::Uuid::new_v4().as_u128() % 10u128.pow(26);
    format!("{prefix}{digits:026}")
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

/// The `ingress` and `egress` rule blocks (sets) of a security group or
/// network ACL.
pub(crate) fn rule_blocks(schema: &mut Schema, rule: fn() -> Schema) {
    for name in ["ingress", "egress"] {
        block(schema, name, Nesting::Set, rule(), None);
    }
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
            as_attribute: false,
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

/// Waits (up to 60 minutes, as Terraform's default timeouts for clusters)
/// until `status` returns one of `wanted` ("(gone)": no object); a status
/// in `failed` ends it.
pub(crate) fn wait_status(
    api: &Api,
    what: &str,
    wanted: &[&str],
    failed: &[&str],
    mut status: impl FnMut() -> ProviderResult<Option<String>>,
) -> ProviderResult<()> {
    poll(api, what, Duration::from_secs(3600), || {
        let now = status()?;
        match now.as_deref() {
            Some(s) if wanted.contains(&s) => Ok(true),
            None => Ok(wanted.contains(&"(gone)")),
            Some(s) if failed.contains(&s) => Err(ProviderError::failed(
                format!("{what} failed"),
                format!("its status became {s}"),
            )),
            _ => Ok(false),
        }
    })
}

/// A JSON list of strings, sorted (AWS answers sets in any order).
pub(crate) fn sorted(j: &J) -> Vec<String> {
    let mut v: Vec<String> = j
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Moves an object's tags from the prior object's to the planned
/// configuration's through REST `/tags/{arn}` (EKS, Batch, MSK).
pub(crate) fn rest_retag(
    api: &Api,
    service: &str,
    prefix: &str,
    prior: &Obj,
    planned: &Obj,
) -> ProviderResult<()> {
    let arn = crate::api::req(prior, "arn")?;
    let path = format!("{prefix}/tags/{arn}");
    crate::tags::retag(
        &crate::api::tags(prior, "tags_all"),
        &api.tags_all(&crate::api::tags(planned, "tags")),
        |gone| {
            let mut request = strata_aws_client::Request::new(service, "DELETE", path.clone());
            for k in gone {
                request = request.query("tagKeys", k.clone());
            }
            api.send(&format!("{service} untag"), request).map(drop)
        },
        |set| {
            api.rest(
                service,
                "POST",
                &path,
                Some(serde_json::json!({"tags": set})),
            )
            .map(drop)
        },
    )
}
