//! Data stores: S3 buckets, their versioning, objects, and DynamoDB
//! tables.

use super::{block, computed, defaulted, optional, required, tagged};
use crate::api::{self, b, blocks, s, tags, Api, Obj};
use crate::Resource;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::sync::Arc;
use strata_aws_client::{xml, Request};
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(Bucket),
        Arc::new(BucketVersioning),
        Arc::new(Object),
        Arc::new(DynamoTable),
    ]
}

pub(super) fn s3(method: &'static str, path: String) -> Request {
    Request::new("s3", method, path)
}

/// An S3 call whose 404 means "gone".
pub(super) fn s3_maybe(
    api: &Api,
    what: &str,
    request: Request,
) -> ProviderResult<Option<strata_aws_client::Response>> {
    match api.client.send(&request) {
        Ok(r) => Ok(Some(r)),
        Err(e) if e.status() == Some(404) => Ok(None),
        Err(e) => Err(api::failure(what, e)),
    }
}

fn tagging_xml(tags: &BTreeMap<String, String>) -> String {
    let mut out = String::from("<Tagging><TagSet>");
    for (k, v) in tags {
        out.push_str(&format!(
            "<Tag><Key>{}</Key><Value>{}</Value></Tag>",
            escape(k),
            escape(v)
        ));
    }
    out.push_str("</TagSet></Tagging>");
    out
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn read_tagging(api: &Api, path: String) -> ProviderResult<BTreeMap<String, String>> {
    let Some(r) = s3_maybe(api, "S3 GetTagging", s3("GET", path).query("tagging", ""))? else {
        return Ok(BTreeMap::new());
    };
    let text = r.text();
    let doc = api::parse(&text)?;
    Ok(doc
        .descendants()
        .filter(|n| n.has_tag_name("Tag"))
        .filter_map(|t| {
            Some((
                xml::child_text(t, "Key")?,
                xml::child_text(t, "Value").unwrap_or_default(),
            ))
        })
        .collect())
}

fn write_tagging(api: &Api, path: String, tags: &BTreeMap<String, String>) -> ProviderResult<()> {
    if tags.is_empty() {
        s3_maybe(
            api,
            "S3 DeleteTagging",
            s3("DELETE", path).query("tagging", ""),
        )?;
        return Ok(());
    }
    api.send(
        "S3 PutTagging",
        s3("PUT", path).query("tagging", "").body(tagging_xml(tags)),
    )
    .map(|_| ())
}

// ---- aws_s3_bucket ---------------------------------------------------------------

struct Bucket;

impl Resource for Bucket {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("bucket", defaulted(Type::String).force_new()),
            ("bucket_prefix", optional(Type::String).force_new()),
            ("force_destroy", optional(Type::Bool)),
            ("object_lock_enabled", defaulted(Type::Bool).force_new()),
            ("arn", computed(Type::String)),
            ("bucket_domain_name", computed(Type::String)),
            ("bucket_regional_domain_name", computed(Type::String)),
            ("region", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = super::generated_from(p, "bucket", "bucket_prefix");
        let mut request = s3("PUT", format!("/{name}"));
        if api.region != "us-east-1" {
            request = request.body(format!(
                "<CreateBucketConfiguration><LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
                api.region
            ));
        }
        if b(p, "object_lock_enabled") == Some(true) {
            request = request.header("x-amz-bucket-object-lock-enabled", "true");
        }
        api.send("S3 CreateBucket", request)?;
        let all = api.tags_all(&tags(p, "tags"));
        if !all.is_empty() {
            write_tagging(api, format!("/{name}"), &all)?;
        }
        Ok(name)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        if s3_maybe(api, "S3 HeadBucket", s3("HEAD", format!("/{id}")))?.is_none() {
            return Ok(None);
        }
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("bucket".into(), json!(id));
        o.insert("arn".into(), json!(format!("arn:aws:s3:::{id}")));
        o.insert(
            "bucket_domain_name".into(),
            json!(format!("{id}.s3.amazonaws.com")),
        );
        o.insert(
            "bucket_regional_domain_name".into(),
            json!(format!("{id}.s3.{}.amazonaws.com", api.region)),
        );
        o.insert("region".into(), json!(api.region));
        o.insert(
            "force_destroy".into(),
            prior.get("force_destroy").cloned().unwrap_or(J::Null),
        );
        // No lock configuration (S3 answers 404) is no lock.
        let lock = s3_maybe(
            api,
            "S3 GetObjectLockConfiguration",
            s3("GET", format!("/{id}")).query("object-lock", ""),
        )?;
        let locked = match lock {
            Some(r) => {
                api::find_text(&api::parse(&r.text())?, "ObjectLockEnabled").as_deref()
                    == Some("Enabled")
            }
            None => false,
        };
        o.insert("object_lock_enabled".into(), json!(locked));
        api.read_tags(&mut o, read_tagging(api, format!("/{id}"))?, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let all = api.tags_all(&tags(p, "tags"));
        if all != tags(prior, "tags_all") {
            write_tagging(api, format!("/{id}"), &all)?;
        }
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        if b(prior, "force_destroy") == Some(true) {
            empty_bucket(api, id)?;
        }
        s3_maybe(api, "S3 DeleteBucket", s3("DELETE", format!("/{id}"))).map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("bucket")
    }
}

/// Deletes every object version in a bucket (`force_destroy`).
fn empty_bucket(api: &Api, bucket: &str) -> ProviderResult<()> {
    loop {
        let Some(r) = s3_maybe(
            api,
            "S3 ListObjectVersions",
            s3("GET", format!("/{bucket}")).query("versions", ""),
        )?
        else {
            return Ok(());
        };
        let text = r.text();
        let doc = api::parse(&text)?;
        let mut any = false;
        for v in doc
            .descendants()
            .filter(|n| n.has_tag_name("Version") || n.has_tag_name("DeleteMarker"))
        {
            let (Some(key), version) = (xml::child_text(v, "Key"), xml::child_text(v, "VersionId"))
            else {
                continue;
            };
            let mut request = s3("DELETE", format!("/{bucket}/{key}"));
            if let Some(version) = version.filter(|v| v != "null") {
                request = request.query("versionId", version);
            }
            api.send("S3 DeleteObject", request)?;
            any = true;
        }
        if !any {
            return Ok(());
        }
    }
}

// ---- aws_s3_bucket_versioning -----------------------------------------------------

struct BucketVersioning;

impl Resource for BucketVersioning {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_versioning"
    }

    fn schema(&self) -> Schema {
        let mut schema = super::s3_config::bucket_setting_schema();
        // The MFA device's serial number and a code, for MFA delete.
        schema.attributes.insert(
            "mfa".into(),
            strata_provider::Attribute {
                sensitive: true,
                ..optional(Type::String)
            },
        );
        block(
            &mut schema,
            "versioning_configuration",
            Nesting::List,
            Schema::new([
                ("status", required(Type::String)),
                ("mfa_delete", optional(Type::String)),
            ]),
            Some(1),
        );
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?;
        self.update(api, bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(r) = s3_maybe(
            api,
            "S3 GetBucketVersioning",
            s3("GET", format!("/{id}")).query("versioning", ""),
        )?
        else {
            return Ok(None);
        };
        let text = r.text();
        let doc = api::parse(&text)?;
        let status = api::find_text(&doc, "Status");
        let Some(status) = status else {
            // Never enabled: the configuration is gone.
            return Ok(None);
        };
        let mfa = api::find_text(&doc, "MfaDelete");
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("bucket".into(), json!(id));
        o.insert(
            "expected_bucket_owner".into(),
            prior
                .get("expected_bucket_owner")
                .cloned()
                .unwrap_or(J::Null),
        );
        o.insert("mfa".into(), prior.get("mfa").cloned().unwrap_or(J::Null));
        let configured_mfa = blocks(prior, "versioning_configuration")
            .first()
            .and_then(|c| s(c, "mfa_delete"))
            .map(str::to_string);
        o.insert(
            "versioning_configuration".into(),
            // MFA delete as configured unless AWS reports it enabled.
            json!([{"status": status, "mfa_delete": if mfa.as_deref() == Some("Enabled") { mfa } else { configured_mfa }}]),
        );
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let configuration = blocks(p, "versioning_configuration");
        let status = configuration
            .first()
            .and_then(|c| s(c, "status"))
            .unwrap_or("Enabled")
            .to_string();
        // S3 takes a change of MFA delete only with the device's code.
        let mfa_delete = configuration
            .first()
            .and_then(|c| s(c, "mfa_delete"))
            .filter(|_| s(p, "mfa").is_some())
            .map(|m| format!("<MfaDelete>{}</MfaDelete>", escape(m)))
            .unwrap_or_default();
        let mut request = s3("PUT", format!("/{id}"))
            .query("versioning", "")
            .body(format!(
            "<VersioningConfiguration><Status>{}</Status>{mfa_delete}</VersioningConfiguration>",
            escape(&status)
        ));
        if let Some(mfa) = s(p, "mfa") {
            request = request.header("x-amz-mfa", mfa);
        }
        api.send("S3 PutBucketVersioning", request)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        // A bucket cannot go back to unversioned: suspend, as Terraform does.
        match s3_maybe(
            api,
            "S3 PutBucketVersioning",
            s3("PUT", format!("/{id}")).query("versioning", "").body(
                "<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>",
            ),
        ) {
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn import_state(&self, id: &str) -> Obj {
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("bucket".into(), json!(id));
        o
    }
}

// ---- aws_s3_object ---------------------------------------------------------------

struct Object;

fn object_path(o: &Obj) -> ProviderResult<String> {
    Ok(format!(
        "/{}/{}",
        api::req(o, "bucket")?,
        api::req(o, "key")?
    ))
}

fn object_bytes(p: &Obj) -> ProviderResult<Vec<u8>> {
    use base64::Engine;
    if let Some(c) = s(p, "content") {
        return Ok(c.as_bytes().to_vec());
    }
    if let Some(c) = s(p, "content_base64") {
        return base64::engine::general_purpose::STANDARD
            .decode(c)
            .map_err(|e| {
                ProviderError::at("Invalid content_base64", e.to_string(), "content_base64")
            });
    }
    if let Some(path) = s(p, "source") {
        return std::fs::read(path).map_err(|e| {
            ProviderError::at("Cannot read source", format!("{path}: {e}"), "source")
        });
    }
    Ok(Vec::new())
}

impl Resource for Object {
    fn type_name(&self) -> &'static str {
        "aws_s3_object"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("bucket", required(Type::String).force_new()),
            ("key", required(Type::String).force_new()),
            ("content", optional(Type::String)),
            ("content_base64", optional(Type::String)),
            ("source", optional(Type::String)),
            ("source_hash", optional(Type::String)),
            ("content_type", defaulted(Type::String)),
            ("cache_control", optional(Type::String)),
            ("content_disposition", optional(Type::String)),
            ("content_encoding", optional(Type::String)),
            ("content_language", optional(Type::String)),
            ("metadata", optional(Type::Map(Box::new(Type::String)))),
            ("acl", optional(Type::String)),
            ("storage_class", defaulted(Type::String)),
            ("server_side_encryption", defaulted(Type::String)),
            ("kms_key_id", defaulted(Type::String)),
            ("bucket_key_enabled", defaulted(Type::Bool)),
            ("force_destroy", optional(Type::Bool)),
            ("etag", computed(Type::String)),
            ("version_id", computed(Type::String)),
        ])
    }

    fn update_unknowns(&self) -> &'static [&'static str] {
        &["etag", "version_id"]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let key = api::req(p, "key")?.to_string();
        self.put(api, p)?;
        Ok(key)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let mut full = prior.clone();
        full.entry("key").or_insert(json!(id));
        let path = object_path(&full)?;
        let Some(head) = s3_maybe(api, "S3 HeadObject", s3("HEAD", path.clone()))? else {
            return Ok(None);
        };
        let key = s(&full, "key").unwrap_or(id).to_string();
        let mut o = Obj::new();
        o.insert("id".into(), json!(key));
        o.insert(
            "bucket".into(),
            full.get("bucket").cloned().unwrap_or(J::Null),
        );
        o.insert("key".into(), json!(key));
        o.insert(
            "etag".into(),
            json!(head.header("etag").unwrap_or_default().trim_matches('"')),
        );
        o.insert(
            "content_type".into(),
            json!(head.header("content-type").unwrap_or("binary/octet-stream")),
        );
        o.insert(
            "version_id".into(),
            json!(head.header("x-amz-version-id").unwrap_or_default()),
        );
        for (attribute, header) in OBJECT_HEADERS {
            o.insert((*attribute).into(), json!(head.header(header)));
        }
        // S3 leaves out the class of a STANDARD object.
        o.insert(
            "storage_class".into(),
            json!(head.header("x-amz-storage-class").unwrap_or("STANDARD")),
        );
        o.insert(
            "bucket_key_enabled".into(),
            json!(head.header("x-amz-server-side-encryption-bucket-key-enabled") == Some("true")),
        );
        let metadata: serde_json::Map<String, J> = head
            .headers
            .iter()
            .filter_map(|(k, v)| {
                let name = k.to_ascii_lowercase();
                let name = name.strip_prefix("x-amz-meta-")?.to_string();
                Some((name, json!(v)))
            })
            .collect();
        o.insert(
            "metadata".into(),
            if metadata.is_empty() && prior.get("metadata").is_none_or(J::is_null) {
                J::Null
            } else {
                J::Object(metadata)
            },
        );
        // Neither is read back: S3 answers the ACL as grants, and the
        // setting is the provider's own.
        for k in ["acl", "force_destroy"] {
            o.insert(k.into(), prior.get(k).cloned().unwrap_or(J::Null));
        }
        // The content is not read back: an edit outside shows as a new
        // etag, which a later plan turns into an update.
        for k in ["content", "content_base64", "source", "source_hash"] {
            o.insert(k.into(), prior.get(k).cloned().unwrap_or(J::Null));
        }
        if let Some(prior_etag) = s(prior, "etag") {
            if s(&o, "etag") != Some(prior_etag) {
                // Changed outside Strata: forget the content we wrote.
                o.insert("content".into(), J::Null);
                o.insert("content_base64".into(), J::Null);
            }
        }
        api.read_tags(&mut o, read_tagging(api, path)?, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        // An object is written whole: a new header is a new upload.
        let content_changed = [
            "content",
            "content_base64",
            "source",
            "source_hash",
            "content_type",
            "cache_control",
            "content_disposition",
            "content_encoding",
            "content_language",
            "metadata",
            "acl",
            "storage_class",
            "server_side_encryption",
            "kms_key_id",
            "bucket_key_enabled",
        ]
        .iter()
        .any(|k| prior.get(*k) != p.get(*k));
        if content_changed {
            self.put(api, p)?;
        } else {
            let all = api.tags_all(&tags(p, "tags"));
            if all != tags(prior, "tags_all") {
                write_tagging(api, object_path(p)?, &all)?;
            }
        }
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<()> {
        s3_maybe(api, "S3 DeleteObject", s3("DELETE", object_path(prior)?)).map(|_| ())
    }

    fn import_id(&self, state: &Obj) -> String {
        format!(
            "{}/{}",
            s(state, "bucket").unwrap_or_default(),
            s(state, "key").unwrap_or_default()
        )
    }

    fn import_state(&self, id: &str) -> Obj {
        let (bucket, key) = id.split_once('/').unwrap_or(("", id));
        let mut o = Obj::new();
        o.insert("id".into(), json!(key));
        o.insert("bucket".into(), json!(bucket));
        o.insert("key".into(), json!(key));
        o
    }

    fn token(&self, planned: &Obj) -> Option<String> {
        Some(format!("{}/{}", s(planned, "bucket")?, s(planned, "key")?))
    }

    fn find(&self, api: &Api, token: &str, planned: &Obj) -> ProviderResult<Option<String>> {
        let key = token.split_once('/').map(|(_, k)| k).unwrap_or(token);
        Ok(self.read(api, key, planned)?.map(|_| key.to_string()))
    }
}

/// Object arguments S3 takes and gives back as headers of their own.
const OBJECT_HEADERS: &[(&str, &str)] = &[
    ("cache_control", "cache-control"),
    ("content_disposition", "content-disposition"),
    ("content_encoding", "content-encoding"),
    ("content_language", "content-language"),
    ("server_side_encryption", "x-amz-server-side-encryption"),
    ("kms_key_id", "x-amz-server-side-encryption-aws-kms-key-id"),
];

impl Object {
    fn put(&self, api: &Api, p: &Obj) -> ProviderResult<()> {
        let mut request = s3("PUT", object_path(p)?).body(object_bytes(p)?);
        if let Some(ct) = s(p, "content_type") {
            request = request.header("content-type", ct);
        }
        for (attribute, header) in OBJECT_HEADERS {
            if let Some(v) = s(p, attribute) {
                request = request.header(header, v);
            }
        }
        if let Some(class) = s(p, "storage_class") {
            request = request.header("x-amz-storage-class", class);
        }
        if let Some(acl) = s(p, "acl") {
            request = request.header("x-amz-acl", acl);
        }
        if b(p, "bucket_key_enabled") == Some(true) {
            request = request.header("x-amz-server-side-encryption-bucket-key-enabled", "true");
        }
        if let Some(J::Object(metadata)) = p.get("metadata") {
            for (k, v) in metadata {
                if let Some(v) = v.as_str() {
                    request = request.header(&format!("x-amz-meta-{k}"), v);
                }
            }
        }
        let all = api.tags_all(&tags(p, "tags"));
        if !all.is_empty() {
            let tagging = all
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        strata_aws_client::encode(k, true),
                        strata_aws_client::encode(v, true)
                    )
                })
                .collect::<Vec<_>>()
                .join("&");
            request = request.header("x-amz-tagging", tagging);
        }
        api.send("S3 PutObject", request).map(|_| ())
    }
}

// ---- aws_dynamodb_table ----------------------------------------------------------

struct DynamoTable;

const DYNAMO: &str = "DynamoDB_20120810";

fn dynamo(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json("dynamodb", &format!("{DYNAMO}.{op}"), body)
}

fn dynamo_maybe(api: &Api, op: &str, body: J) -> ProviderResult<Option<J>> {
    match dynamo(api, op, body) {
        Ok(j) => Ok(Some(j)),
        Err(e) if e.has_code(&["ResourceNotFoundException"]) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Resource for DynamoTable {
    fn type_name(&self) -> &'static str {
        "aws_dynamodb_table"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", required(Type::String).force_new()),
            ("billing_mode", defaulted(Type::String)),
            ("hash_key", required(Type::String).force_new()),
            ("range_key", optional(Type::String).force_new()),
            ("read_capacity", defaulted(Type::Number)),
            ("write_capacity", defaulted(Type::Number)),
            ("arn", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "attribute",
            Nesting::Set,
            Schema::new([
                ("name", required(Type::String)),
                ("type", required(Type::String)),
            ]),
            None,
        );
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["attribute"]
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        let mut o = Obj::new();
        o.insert("billing_mode".into(), json!("PROVISIONED"));
        if s(config, "billing_mode") == Some("PAY_PER_REQUEST") {
            o.insert("read_capacity".into(), json!(0));
            o.insert("write_capacity".into(), json!(0));
        }
        o
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let mut keys = vec![json!({"AttributeName": api::req(p, "hash_key")?, "KeyType": "HASH"})];
        if let Some(r) = s(p, "range_key") {
            keys.push(json!({"AttributeName": r, "KeyType": "RANGE"}));
        }
        let attributes: Vec<J> = blocks(p, "attribute")
            .iter()
            .map(|a| json!({"AttributeName": s(a, "name"), "AttributeType": s(a, "type")}))
            .collect();
        let billing = s(p, "billing_mode").unwrap_or("PROVISIONED");
        let mut body = json!({
            "TableName": name,
            "KeySchema": keys,
            "AttributeDefinitions": attributes,
            "BillingMode": billing,
        });
        if billing == "PROVISIONED" {
            body["ProvisionedThroughput"] = json!({
                "ReadCapacityUnits": api::n(p, "read_capacity").unwrap_or(1),
                "WriteCapacityUnits": api::n(p, "write_capacity").unwrap_or(1),
            });
        }
        let all = api.tags_all(&tags(p, "tags"));
        if !all.is_empty() {
            body["Tags"] = J::Array(
                all.iter()
                    .map(|(k, v)| json!({"Key": k, "Value": v}))
                    .collect(),
            );
        }
        dynamo(api, "CreateTable", body)?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(d) = dynamo_maybe(api, "DescribeTable", json!({"TableName": id}))? else {
            return Ok(None);
        };
        let t = &d["Table"];
        let key = |kind: &str| {
            t["KeySchema"]
                .as_array()
                .and_then(|k| k.iter().find(|k| k["KeyType"] == kind))
                .and_then(|k| k["AttributeName"].as_str())
                .map(str::to_string)
        };
        let billing = t["BillingModeSummary"]["BillingMode"]
            .as_str()
            .unwrap_or("PROVISIONED");
        let arn = t["TableArn"].as_str().unwrap_or_default().to_string();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("arn".into(), json!(arn));
        o.insert("hash_key".into(), json!(key("HASH")));
        o.insert("range_key".into(), json!(key("RANGE")));
        o.insert("billing_mode".into(), json!(billing));
        let throughput = &t["ProvisionedThroughput"];
        o.insert(
            "read_capacity".into(),
            json!(throughput["ReadCapacityUnits"].as_i64().unwrap_or(0)),
        );
        o.insert(
            "write_capacity".into(),
            json!(throughput["WriteCapacityUnits"].as_i64().unwrap_or(0)),
        );
        let attributes: Vec<J> = t["AttributeDefinitions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| json!({"name": x["AttributeName"], "type": x["AttributeType"]}))
                    .collect()
            })
            .unwrap_or_default();
        o.insert("attribute".into(), J::Array(attributes));
        let listed = dynamo(api, "ListTagsOfResource", json!({"ResourceArn": arn}))?;
        api.read_tags(&mut o, crate::tags::tag_list(&listed["Tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let billing = s(p, "billing_mode").unwrap_or("PROVISIONED");
        let capacity_changed = api::n(prior, "read_capacity") != api::n(p, "read_capacity")
            || api::n(prior, "write_capacity") != api::n(p, "write_capacity");
        if s(prior, "billing_mode") != Some(billing)
            || (billing == "PROVISIONED" && capacity_changed)
        {
            let mut body = json!({"TableName": id, "BillingMode": billing});
            if billing == "PROVISIONED" {
                body["ProvisionedThroughput"] = json!({
                    "ReadCapacityUnits": api::n(p, "read_capacity").unwrap_or(1),
                    "WriteCapacityUnits": api::n(p, "write_capacity").unwrap_or(1),
                });
            }
            dynamo(api, "UpdateTable", body)?;
        }
        let arn = api::req(prior, "arn")?;
        let old = tags(prior, "tags_all");
        let new = api.tags_all(&tags(p, "tags"));
        crate::tags::retag(
            &old,
            &new,
            |gone| {
                dynamo(
                    api,
                    "UntagResource",
                    json!({"ResourceArn": arn, "TagKeys": gone}),
                )
                .map(drop)
            },
            |set| {
                let tags = crate::tags::key_values(set);
                dynamo(
                    api,
                    "TagResource",
                    json!({"ResourceArn": arn, "Tags": tags}),
                )
                .map(drop)
            },
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        dynamo_maybe(api, "DeleteTable", json!({"TableName": id})).map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}
