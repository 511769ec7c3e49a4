//! Bucket-level S3 configuration as separate resources, as the Terraform
//! AWS provider has them: default encryption
//! (`aws_s3_bucket_server_side_encryption_configuration`), the public access
//! block (`aws_s3_bucket_public_access_block`), the bucket policy
//! (`aws_s3_bucket_policy`), object ownership
//! (`aws_s3_bucket_ownership_controls`) and access logging
//! (`aws_s3_bucket_logging`).

use super::data_stores::{escape, s3, s3_maybe};
use super::{block, computed, optional, required};
use crate::api::{self, b, blocks, s, Api, Obj};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::{xml, Request};
use strata_provider::{Nesting, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(Encryption),
        Arc::new(PublicAccessBlock),
        Arc::new(BucketPolicy),
        Arc::new(OwnershipControls),
        Arc::new(Logging),
    ]
}

/// A bucket sub-resource request (`?encryption`, `?lifecycle`) with the
/// checksum S3 requires of configuration bodies.
pub(super) fn sub(
    method: &'static str,
    bucket: &str,
    resource: &str,
    body: Option<String>,
) -> Request {
    let mut r = s3(method, format!("/{bucket}")).query(resource, "");
    if let Some(body) = body {
        use base64::Engine;
        use sha2::Digest;
        let sum =
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body.as_bytes()));
        r = r
            .header("x-amz-sdk-checksum-algorithm", "SHA256")
            .header("x-amz-checksum-sha256", sum)
            .body(body);
    }
    r
}

/// The sub-resource's XML, or `None` when the bucket or the
/// configuration is gone (S3 answers 404 for both).
pub(super) fn get(
    api: &Api,
    what: &str,
    bucket: &str,
    resource: &str,
) -> ProviderResult<Option<String>> {
    Ok(s3_maybe(api, what, sub("GET", bucket, resource, None))?.map(|r| r.text()))
}

/// Removes a bucket sub-resource; one already gone is fine.
pub(super) fn remove(api: &Api, what: &str, bucket: &str, resource: &str) -> ProviderResult<()> {
    s3_maybe(api, what, sub("DELETE", bucket, resource, None)).map(|_| ())
}

/// The arguments every bucket-level setting resource has: its bucket
/// (which is also its id) and the expected owner.
pub(super) fn bucket_setting_schema() -> Schema {
    Schema::new([
        ("id", computed(Type::String)),
        ("bucket", required(Type::String).force_new()),
        ("expected_bucket_owner", optional(Type::String).force_new()),
    ])
}

pub(super) fn bucket_import(id: &str) -> Obj {
    let mut o = Obj::new();
    o.insert("id".into(), json!(id));
    o.insert("bucket".into(), json!(id));
    o
}

// ---- aws_s3_bucket_server_side_encryption_configuration ---------------------------

struct Encryption;

impl Resource for Encryption {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_server_side_encryption_configuration"
    }

    fn schema(&self) -> Schema {
        let mut by_default = Schema::new([
            ("sse_algorithm", required(Type::String)),
            ("kms_master_key_id", optional(Type::String)),
        ]);
        by_default.description = "How objects are encrypted when a request does not say.";
        let mut rule = Schema::new([("bucket_key_enabled", optional(Type::Bool))]);
        block(
            &mut rule,
            "apply_server_side_encryption_by_default",
            Nesting::List,
            by_default,
            Some(1),
        );
        let mut schema = bucket_setting_schema();
        block(&mut schema, "rule", Nesting::Set, rule, None);
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(text) = get(api, "S3 GetBucketEncryption", id, "encryption")? else {
            return Ok(None);
        };
        let doc = api::parse(&text)?;
        let rules: Vec<J> = doc
            .descendants()
            .filter(|n| n.has_tag_name("Rule"))
            .map(|rule| {
                let by_default: Vec<J> = xml::child(rule, "ApplyServerSideEncryptionByDefault")
                    .map(|d| {
                        vec![json!({
                            "sse_algorithm": xml::child_text(d, "SSEAlgorithm"),
                            "kms_master_key_id": xml::child_text(d, "KMSMasterKeyID"),
                        })]
                    })
                    .unwrap_or_default();
                json!({
                    "bucket_key_enabled": xml::child_text(rule, "BucketKeyEnabled").map(|t| t == "true"),
                    "apply_server_side_encryption_by_default": by_default,
                })
            })
            .collect();
        if rules.is_empty() {
            return Ok(None);
        }
        let mut o = bucket_import(id);
        o.insert(
            "expected_bucket_owner".into(),
            prior
                .get("expected_bucket_owner")
                .cloned()
                .unwrap_or(J::Null),
        );
        // A key enabled flag the configuration leaves out reads as unset.
        let configured_flag = blocks(prior, "rule")
            .first()
            .map(|r| r.get("bucket_key_enabled").cloned().unwrap_or(J::Null));
        let rules = rules
            .into_iter()
            .map(|mut r| {
                if configured_flag == Some(J::Null) && r["bucket_key_enabled"] == json!(false) {
                    r["bucket_key_enabled"] = J::Null;
                }
                r
            })
            .collect::<Vec<_>>();
        o.insert("rule".into(), J::Array(rules));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut body = String::from("<ServerSideEncryptionConfiguration>");
        for rule in blocks(p, "rule") {
            body.push_str("<Rule>");
            if let Some(d) = blocks(rule, "apply_server_side_encryption_by_default").first() {
                body.push_str("<ApplyServerSideEncryptionByDefault>");
                body.push_str(&format!(
                    "<SSEAlgorithm>{}</SSEAlgorithm>",
                    escape(s(d, "sse_algorithm").unwrap_or("AES256"))
                ));
                if let Some(key) = s(d, "kms_master_key_id") {
                    body.push_str(&format!("<KMSMasterKeyID>{}</KMSMasterKeyID>", escape(key)));
                }
                body.push_str("</ApplyServerSideEncryptionByDefault>");
            }
            if let Some(flag) = b(rule, "bucket_key_enabled") {
                body.push_str(&format!("<BucketKeyEnabled>{flag}</BucketKeyEnabled>"));
            }
            body.push_str("</Rule>");
        }
        body.push_str("</ServerSideEncryptionConfiguration>");
        api.send(
            "S3 PutBucketEncryption",
            sub("PUT", id, "encryption", Some(body)),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        remove(api, "S3 DeleteBucketEncryption", id, "encryption")
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

// ---- aws_s3_bucket_public_access_block --------------------------------------------

struct PublicAccessBlock;

const ACCESS_FLAGS: &[(&str, &str)] = &[
    ("block_public_acls", "BlockPublicAcls"),
    ("block_public_policy", "BlockPublicPolicy"),
    ("ignore_public_acls", "IgnorePublicAcls"),
    ("restrict_public_buckets", "RestrictPublicBuckets"),
];

impl Resource for PublicAccessBlock {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_public_access_block"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new([
            ("id", computed(Type::String)),
            ("bucket", required(Type::String).force_new()),
        ]);
        for (name, _) in ACCESS_FLAGS {
            schema
                .attributes
                .insert(name.to_string(), super::defaulted(Type::Bool));
        }
        schema
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        ACCESS_FLAGS
            .iter()
            .filter(|(name, _)| config.get(*name).is_none_or(J::is_null))
            .map(|(name, _)| (name.to_string(), json!(false)))
            .collect()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(text) = get(api, "S3 GetPublicAccessBlock", id, "publicAccessBlock")? else {
            return Ok(None);
        };
        let doc = api::parse(&text)?;
        let mut o = bucket_import(id);
        for (name, tag) in ACCESS_FLAGS {
            let on = api::find_text(&doc, tag).is_some_and(|t| t == "true");
            o.insert(name.to_string(), json!(on));
        }
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut body = String::from(
            "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">",
        );
        for (name, tag) in ACCESS_FLAGS {
            body.push_str(&format!("<{tag}>{}</{tag}>", b(p, name).unwrap_or(false)));
        }
        body.push_str("</PublicAccessBlockConfiguration>");
        api.send(
            "S3 PutPublicAccessBlock",
            sub("PUT", id, "publicAccessBlock", Some(body)),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        remove(api, "S3 DeletePublicAccessBlock", id, "publicAccessBlock")
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

// ---- aws_s3_bucket_policy ----------------------------------------------------------

struct BucketPolicy;

impl Resource for BucketPolicy {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_policy"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("bucket", required(Type::String).force_new()),
            ("policy", required(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(found) = get(api, "S3 GetBucketPolicy", id, "policy")? else {
            return Ok(None);
        };
        // Kept as written when it means the same document.
        let same = |a: &str, b: &str| {
            serde_json::from_str::<J>(a).ok() == serde_json::from_str::<J>(b).ok()
        };
        let policy = match s(prior, "policy") {
            Some(written) if same(written, &found) => written.to_string(),
            _ => found,
        };
        let mut o = bucket_import(id);
        o.insert("policy".into(), json!(policy));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let policy = api::req(p, "policy")?.to_string();
        api.send(
            "S3 PutBucketPolicy",
            sub("PUT", id, "policy", Some(policy)).header("content-type", "application/json"),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        remove(api, "S3 DeleteBucketPolicy", id, "policy")
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

// ---- aws_s3_bucket_ownership_controls ---------------------------------------------

struct OwnershipControls;

impl Resource for OwnershipControls {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_ownership_controls"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new([
            ("id", computed(Type::String)),
            ("bucket", required(Type::String).force_new()),
        ]);
        block(
            &mut schema,
            "rule",
            Nesting::List,
            Schema::new([("object_ownership", required(Type::String))]),
            Some(1),
        );
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(text) = get(
            api,
            "S3 GetBucketOwnershipControls",
            id,
            "ownershipControls",
        )?
        else {
            return Ok(None);
        };
        let doc = api::parse(&text)?;
        let Some(ownership) = api::find_text(&doc, "ObjectOwnership") else {
            return Ok(None);
        };
        let mut o = bucket_import(id);
        o.insert("rule".into(), json!([{"object_ownership": ownership}]));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let ownership = blocks(p, "rule")
            .first()
            .and_then(|r| s(r, "object_ownership"))
            .unwrap_or("BucketOwnerEnforced")
            .to_string();
        let body = format!(
            "<OwnershipControls xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ObjectOwnership>{}</ObjectOwnership></Rule></OwnershipControls>",
            escape(&ownership)
        );
        api.send(
            "S3 PutBucketOwnershipControls",
            sub("PUT", id, "ownershipControls", Some(body)),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        remove(
            api,
            "S3 DeleteBucketOwnershipControls",
            id,
            "ownershipControls",
        )
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

// ---- aws_s3_bucket_logging ----------------------------------------------------------

struct Logging;

const LOGGING_XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

use super::s3_xml::{Field, Kind};

/// Where a bucket's access logs go, as `LoggingEnabled` has it.
const LOGGING: &[Field] = &[
    ("target_bucket", "TargetBucket", Kind::RequiredText),
    ("target_prefix", "TargetPrefix", Kind::RequiredText),
    (
        "target_object_key_format",
        "TargetObjectKeyFormat",
        Kind::One(
            &[
                ("simple_prefix", "SimplePrefix", Kind::One(&[], false)),
                (
                    "partitioned_prefix",
                    "PartitionedPrefix",
                    Kind::One(
                        &[(
                            "partition_date_source",
                            "PartitionDateSource",
                            Kind::RequiredText,
                        )],
                        false,
                    ),
                ),
            ],
            false,
        ),
    ),
];

impl Resource for Logging {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_logging"
    }

    fn schema(&self) -> Schema {
        let mut schema = bucket_setting_schema();
        let logging = super::s3_xml::schema_of(LOGGING);
        schema.attributes.extend(logging.attributes);
        schema.blocks.extend(logging.blocks);
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    /// Gone when the bucket is, or when it no longer logs.
    fn read(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(text) = get(api, "S3 GetBucketLogging", id, "logging")? else {
            return Ok(None);
        };
        let doc = api::parse(&text)?;
        let Some(enabled) = xml::find(doc.root_element(), "LoggingEnabled") else {
            return Ok(None);
        };
        let mut o = bucket_import(id);
        if let J::Object(fields) = super::s3_xml::read(LOGGING, enabled) {
            o.extend(fields);
        }
        // No prefix reads as none; the argument is required, so as "".
        if o.get("target_prefix").is_none_or(J::is_null) {
            o.insert("target_prefix".into(), json!(""));
        }
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        api::req(p, "target_bucket")?;
        let mut body = format!("<BucketLoggingStatus xmlns=\"{LOGGING_XMLNS}\"><LoggingEnabled>");
        let mut fields = p.clone();
        if s(p, "target_prefix").is_none() {
            fields.insert("target_prefix".into(), json!(""));
        }
        super::s3_xml::write(LOGGING, &fields, &mut body);
        body.push_str("</LoggingEnabled></BucketLoggingStatus>");
        api.send("S3 PutBucketLogging", sub("PUT", id, "logging", Some(body)))?;
        Ok(id.to_string())
    }

    /// Logging is switched off by an empty status (there is no delete).
    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        let body = format!("<BucketLoggingStatus xmlns=\"{LOGGING_XMLNS}\"></BucketLoggingStatus>");
        s3_maybe(
            api,
            "S3 PutBucketLogging",
            sub("PUT", id, "logging", Some(body)),
        )
        .map(|_| ())
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}
