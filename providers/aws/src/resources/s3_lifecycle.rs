//! Bucket lifecycle rules (`aws_s3_bucket_lifecycle_configuration`):
//! when objects move to colder storage classes and when they (or their
//! old versions, or unfinished uploads) expire, for objects a prefix,
//! tags or sizes pick. Described by a table of fields (`s3_xml`).

use super::s3_config::{bucket_import, bucket_setting_schema, get, remove, sub};
use super::s3_xml::{read, schema_of, write, Field, Kind, TAG};
use super::{block, defaulted};
use crate::api::{self, s, Api, Obj};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{Nesting, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(Lifecycle)]
}

const SIZES: [Field; 2] = [
    (
        "object_size_greater_than",
        "ObjectSizeGreaterThan",
        Kind::Number(false),
    ),
    (
        "object_size_less_than",
        "ObjectSizeLessThan",
        Kind::Number(false),
    ),
];

const FILTER: &[Field] = &[
    SIZES[0],
    SIZES[1],
    ("prefix", "Prefix", Kind::Text(false)),
    TAG,
    (
        "and",
        "And",
        Kind::One(
            &[
                SIZES[0],
                SIZES[1],
                ("prefix", "Prefix", Kind::Text(false)),
                ("tags", "Tag", Kind::Tags),
            ],
            false,
        ),
    ),
];

const NONCURRENT: [Field; 2] = [
    (
        "newer_noncurrent_versions",
        "NewerNoncurrentVersions",
        Kind::Number(false),
    ),
    ("noncurrent_days", "NoncurrentDays", Kind::Number(false)),
];

/// A rule, in the order S3's schema has its elements.
const RULE: &[Field] = &[
    (
        "expiration",
        "Expiration",
        Kind::One(
            &[
                ("date", "Date", Kind::Text(false)),
                ("days", "Days", Kind::Number(false)),
                (
                    "expired_object_delete_marker",
                    "ExpiredObjectDeleteMarker",
                    Kind::Bool(false),
                ),
            ],
            false,
        ),
    ),
    ("id", "ID", Kind::RequiredText),
    ("prefix", "Prefix", Kind::Text(false)),
    ("filter", "Filter", Kind::One(FILTER, false)),
    ("status", "Status", Kind::RequiredText),
    (
        "transition",
        "Transition",
        Kind::Many(&[
            ("date", "Date", Kind::Text(false)),
            ("days", "Days", Kind::Number(false)),
            ("storage_class", "StorageClass", Kind::RequiredText),
        ]),
    ),
    (
        "noncurrent_version_transition",
        "NoncurrentVersionTransition",
        Kind::Many(&[
            NONCURRENT[0],
            NONCURRENT[1],
            ("storage_class", "StorageClass", Kind::RequiredText),
        ]),
    ),
    (
        "noncurrent_version_expiration",
        "NoncurrentVersionExpiration",
        Kind::One(&NONCURRENT, false),
    ),
    (
        "abort_incomplete_multipart_upload",
        "AbortIncompleteMultipartUpload",
        Kind::One(
            &[(
                "days_after_initiation",
                "DaysAfterInitiation",
                Kind::Number(false),
            )],
            false,
        ),
    ),
];

struct Lifecycle;

/// A filter that picks every object: no element set.
fn empty_filter(filter: &J) -> bool {
    fn blank(v: &J) -> bool {
        match v {
            J::Null => true,
            J::Array(a) => a.iter().all(blank),
            J::Object(o) => o.values().all(blank),
            _ => false,
        }
    }
    blank(filter)
}

/// The header S3 takes the minimum size of objects moved by default in.
const MINIMUM_SIZE: &str = "x-amz-transition-default-minimum-object-size";

impl Resource for Lifecycle {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_lifecycle_configuration"
    }

    fn schema(&self) -> Schema {
        let mut schema = bucket_setting_schema();
        schema.attributes.insert(
            "transition_default_minimum_object_size".into(),
            defaulted(Type::String),
        );
        block(&mut schema, "rule", Nesting::List, schema_of(RULE), None);
        schema
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(
            config,
            &[(
                "transition_default_minimum_object_size",
                json!("all_storage_classes_128K"),
            )],
        )
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(text) = get(api, "S3 GetBucketLifecycleConfiguration", id, "lifecycle")? else {
            return Ok(None);
        };
        let doc = api::parse(&text)?;
        let written = api::blocks(prior, "rule");
        let rules: Vec<J> = xml::children(doc.root_element(), "Rule")
            .map(|r| {
                let mut rule = read(RULE, r);
                // The empty filter written for a rule without one reads
                // back as no filter when the rule was written without.
                let id = rule.get("id").cloned();
                let unfiltered = written.iter().any(|w| {
                    w.get("id") == id.as_ref()
                        && w.get("filter")
                            .is_none_or(|f| f.as_array().is_none_or(Vec::is_empty))
                });
                if unfiltered && rule.get("filter").is_some_and(empty_filter) {
                    rule["filter"] = json!([]);
                }
                rule
            })
            .collect();
        if rules.is_empty() {
            return Ok(None);
        }
        let mut o = bucket_import(id);
        for k in [
            "expected_bucket_owner",
            "transition_default_minimum_object_size",
        ] {
            o.insert(k.into(), prior.get(k).cloned().unwrap_or(J::Null));
        }
        if o["transition_default_minimum_object_size"].is_null() {
            o.insert(
                "transition_default_minimum_object_size".into(),
                json!("all_storage_classes_128K"),
            );
        }
        o.insert("rule".into(), J::Array(rules));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut body = String::from(
            "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">",
        );
        for rule in api::blocks(p, "rule") {
            body.push_str("<Rule>");
            let mut rule = rule.clone();
            // S3 needs a filter or a prefix: a rule with neither is for
            // every object.
            let filtered = rule
                .get("filter")
                .and_then(J::as_array)
                .is_some_and(|f| !f.is_empty());
            if !filtered && s(&rule, "prefix").is_none() {
                rule.insert("filter".into(), json!([{}]));
            }
            write(RULE, &rule, &mut body);
            body.push_str("</Rule>");
        }
        body.push_str("</LifecycleConfiguration>");
        let mut request = sub("PUT", id, "lifecycle", Some(body));
        if let Some(size) = s(p, "transition_default_minimum_object_size") {
            request = request.header(MINIMUM_SIZE, size);
        }
        api.send("S3 PutBucketLifecycleConfiguration", request)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        remove(api, "S3 DeleteBucketLifecycle", id, "lifecycle")
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}
