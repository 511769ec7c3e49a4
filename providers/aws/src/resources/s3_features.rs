//! More bucket-level S3 settings as separate resources, as the Terraform
//! AWS provider and terraform-aws-s3-bucket have them: CORS
//! (`aws_s3_bucket_cors_configuration`), transfer acceleration
//! (`aws_s3_bucket_accelerate_configuration`), default object lock retention
//! (`aws_s3_bucket_object_lock_configuration`), event notifications to
//! queues, topics and functions (`aws_s3_bucket_notification`) and ACLs
//! (`aws_s3_bucket_acl`).

use super::data_stores::escape;
use super::s3_config::{bucket_import, bucket_setting_schema, get, remove, sub};
use super::{block, computed, defaulted, optional, required, string_set};
use crate::api::{self, b, blocks, n, s, strings, Api, Obj};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(Cors),
        Arc::new(Accelerate),
        Arc::new(ObjectLock),
        Arc::new(Notification),
        Arc::new(Acl),
    ]
}

pub(super) const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// `<Name>value</Name>` for each value.
fn elements(name: &str, values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("<{name}>{}</{name}>", escape(v)))
        .collect()
}

/// `<Name>value</Name>` when the value is set.
pub(super) fn element(name: &str, value: Option<String>) -> String {
    value
        .map(|v| format!("<{name}>{}</{name}>", escape(&v)))
        .unwrap_or_default()
}

fn texts(node: xml::Node<'_, '_>, name: &str) -> Vec<String> {
    let mut v: Vec<String> = xml::children(node, name)
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    v.sort();
    v
}

pub(super) fn put(
    api: &Api,
    what: &str,
    bucket: &str,
    resource: &str,
    body: String,
) -> ProviderResult<()> {
    api.send(what, sub("PUT", bucket, resource, Some(body)))
        .map(drop)
}

/// A number as S3 wants it in XML.
fn number(o: &Obj, k: &str) -> Option<String> {
    n(o, k).map(|v| v.to_string())
}

// ---- aws_s3_bucket_cors_configuration -------------------------------------------------

struct Cors;

impl Resource for Cors {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_cors_configuration"
    }

    fn schema(&self) -> Schema {
        let rule = Schema::new([
            ("id", optional(Type::String)),
            ("allowed_headers", optional(string_set())),
            ("allowed_methods", required(string_set())),
            ("allowed_origins", required(string_set())),
            ("expose_headers", optional(string_set())),
            ("max_age_seconds", optional(Type::Number)),
        ]);
        let mut schema = bucket_setting_schema();
        block(&mut schema, "cors_rule", Nesting::Set, rule, Some(100));
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(text) = get(api, "S3 GetBucketCors", id, "cors")? else {
            return Ok(None);
        };
        let doc = api::parse(&text)?;
        let rules: Vec<J> = doc
            .descendants()
            .filter(|n| n.has_tag_name("CORSRule"))
            .map(|r| {
                let list = |name: &str| {
                    let v = texts(r, name);
                    if v.is_empty() {
                        J::Null
                    } else {
                        json!(v)
                    }
                };
                json!({
                    "id": xml::child_text(r, "ID"),
                    "allowed_headers": list("AllowedHeader"),
                    "allowed_methods": texts(r, "AllowedMethod"),
                    "allowed_origins": texts(r, "AllowedOrigin"),
                    "expose_headers": list("ExposeHeader"),
                    "max_age_seconds": xml::child_text(r, "MaxAgeSeconds")
                        .and_then(|v| v.parse::<i64>().ok()),
                })
            })
            .collect();
        if rules.is_empty() {
            return Ok(None);
        }
        let mut o = bucket_import(id);
        o.insert("cors_rule".into(), J::Array(rules));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut body = format!("<CORSConfiguration xmlns=\"{XMLNS}\">");
        for rule in blocks(p, "cors_rule") {
            body.push_str("<CORSRule>");
            body.push_str(&element("ID", s(rule, "id").map(String::from)));
            body.push_str(&elements(
                "AllowedHeader",
                &strings(rule, "allowed_headers"),
            ));
            body.push_str(&elements(
                "AllowedMethod",
                &strings(rule, "allowed_methods"),
            ));
            body.push_str(&elements(
                "AllowedOrigin",
                &strings(rule, "allowed_origins"),
            ));
            body.push_str(&elements("ExposeHeader", &strings(rule, "expose_headers")));
            body.push_str(&element("MaxAgeSeconds", number(rule, "max_age_seconds")));
            body.push_str("</CORSRule>");
        }
        body.push_str("</CORSConfiguration>");
        put(api, "S3 PutBucketCors", id, "cors", body)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        remove(api, "S3 DeleteBucketCors", id, "cors")
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

// ---- aws_s3_bucket_accelerate_configuration -------------------------------------------

struct Accelerate;

fn put_accelerate(api: &Api, bucket: &str, status: &str) -> ProviderResult<()> {
    let body = format!(
        "<AccelerateConfiguration xmlns=\"{XMLNS}\"><Status>{}</Status></AccelerateConfiguration>",
        escape(status)
    );
    put(
        api,
        "S3 PutBucketAccelerateConfiguration",
        bucket,
        "accelerate",
        body,
    )
}

impl Resource for Accelerate {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_accelerate_configuration"
    }

    fn schema(&self) -> Schema {
        let mut schema = bucket_setting_schema();
        schema
            .attributes
            .insert("status".into(), required(Type::String));
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(text) = get(api, "S3 GetBucketAccelerateConfiguration", id, "accelerate")? else {
            return Ok(None);
        };
        // A bucket never accelerated has no status, which is the same as
        // suspended: a configuration suspending it is there.
        let status = match api::find_text(&api::parse(&text)?, "Status") {
            Some(status) => status,
            None if s(prior, "status") == Some("Suspended") => "Suspended".into(),
            None => return Ok(None),
        };
        let mut o = bucket_import(id);
        o.insert("status".into(), json!(status));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        put_accelerate(api, id, api::req(p, "status")?)?;
        Ok(id.to_string())
    }

    /// S3 cannot forget acceleration: it is suspended, as Terraform does.
    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        match put_accelerate(api, id, "Suspended") {
            Err(e) if e.has_code(&["NoSuchBucket"]) => Ok(()),
            other => other,
        }
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

// ---- aws_s3_bucket_object_lock_configuration ------------------------------------------

struct ObjectLock;

impl Resource for ObjectLock {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_object_lock_configuration"
    }

    fn schema(&self) -> Schema {
        let mut schema = bucket_setting_schema();
        schema.attributes.insert(
            "object_lock_enabled".into(),
            defaulted(Type::String).force_new(),
        );
        schema.attributes.insert(
            "token".into(),
            strata_provider::Attribute {
                sensitive: true,
                ..optional(Type::String)
            },
        );
        let mut rule = Schema::new([]);
        block(
            &mut rule,
            "default_retention",
            Nesting::List,
            Schema::new([
                ("days", optional(Type::Number)),
                ("mode", optional(Type::String)),
                ("years", optional(Type::Number)),
            ]),
            Some(1),
        );
        block(&mut schema, "rule", Nesting::List, rule, Some(1));
        schema
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(config, &[("object_lock_enabled", json!("Enabled"))])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let text = match get(api, "S3 GetObjectLockConfiguration", id, "object-lock") {
            Ok(Some(t)) => t,
            Ok(None) => return Ok(None),
            Err(e) if e.has_code(&["ObjectLockConfigurationNotFoundError"]) => return Ok(None),
            Err(e) => return Err(e),
        };
        let doc = api::parse(&text)?;
        let root = doc.root_element();
        let mut o = bucket_import(id);
        o.insert(
            "object_lock_enabled".into(),
            json!(api::find_text(&doc, "ObjectLockEnabled").unwrap_or_else(|| "Enabled".into())),
        );
        let rule = xml::find(root, "DefaultRetention").map(|d| {
            // A period left out reads as 0 from some servers.
            let num = |k: &str| {
                xml::child_text(d, k)
                    .and_then(|v| v.parse::<i64>().ok())
                    .filter(|v| *v > 0)
            };
            json!([{"default_retention": [{
                "days": num("Days"),
                "mode": xml::child_text(d, "Mode"),
                "years": num("Years"),
            }]}])
        });
        o.insert("rule".into(), rule.unwrap_or(json!([])));
        o.insert(
            "token".into(),
            prior.get("token").cloned().unwrap_or(J::Null),
        );
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let enabled = s(p, "object_lock_enabled").unwrap_or("Enabled");
        let mut body = format!(
            "<ObjectLockConfiguration xmlns=\"{XMLNS}\"><ObjectLockEnabled>{}</ObjectLockEnabled>",
            escape(enabled)
        );
        let retention = blocks(p, "rule")
            .first()
            .and_then(|r| blocks(r, "default_retention").first().copied());
        if let Some(d) = retention {
            body.push_str(&format!(
                "<Rule><DefaultRetention>{}{}{}</DefaultRetention></Rule>",
                element("Mode", s(d, "mode").map(String::from)),
                element("Days", number(d, "days")),
                element("Years", number(d, "years"))
            ));
        }
        body.push_str("</ObjectLockConfiguration>");
        let mut request = sub("PUT", id, "object-lock", Some(body));
        if let Some(token) = s(p, "token") {
            request = request.header("x-amz-bucket-object-lock-token", token);
        }
        api.send("S3 PutObjectLockConfiguration", request)?;
        Ok(id.to_string())
    }

    /// Object lock cannot be turned off: the default retention goes.
    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        let mut bare = prior.clone();
        bare.insert("rule".into(), json!([]));
        match self.update(api, id, prior, &bare) {
            Err(e) if e.has_code(&["NoSuchBucket"]) => Ok(()),
            other => other.map(drop),
        }
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

// ---- aws_s3_bucket_notification ---------------------------------------------------------

struct Notification;

/// The notification kinds: block, ARN argument, S3's element and ARN element.
const TARGETS: [(&str, &str, &str, &str); 3] = [
    ("queue", "queue_arn", "QueueConfiguration", "Queue"),
    ("topic", "topic_arn", "TopicConfiguration", "Topic"),
    (
        "lambda_function",
        "lambda_function_arn",
        "CloudFunctionConfiguration",
        "CloudFunction",
    ),
];

impl Resource for Notification {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_notification"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new([
            ("id", computed(Type::String)),
            ("bucket", required(Type::String).force_new()),
            ("eventbridge", defaulted(Type::Bool)),
        ]);
        for (name, arn, _, _) in TARGETS {
            block(
                &mut schema,
                name,
                Nesting::List,
                Schema::new([
                    ("id", defaulted(Type::String)),
                    (arn, optional(Type::String)),
                    ("events", required(string_set())),
                    ("filter_prefix", optional(Type::String)),
                    ("filter_suffix", optional(Type::String)),
                ]),
                None,
            );
        }
        schema
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(config, &[("eventbridge", json!(false))])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(text) = get(
            api,
            "S3 GetBucketNotificationConfiguration",
            id,
            "notification",
        )?
        else {
            return Ok(None);
        };
        let doc = api::parse(&text)?;
        let root = doc.root_element();
        let eventbridge = xml::child(root, "EventBridgeConfiguration").is_some();
        let mut o = bucket_import(id);
        o.insert("eventbridge".into(), json!(eventbridge));
        let mut any = eventbridge;
        for (name, arn, element_name, arn_element) in TARGETS {
            let configured: Vec<J> = xml::children(root, element_name)
                .map(|c| {
                    let rule = |which: &str| {
                        c.descendants()
                            .filter(|n| n.has_tag_name("FilterRule"))
                            .find(|r| {
                                xml::child_text(*r, "Name")
                                    .is_some_and(|n| n.eq_ignore_ascii_case(which))
                            })
                            .and_then(|r| xml::child_text(r, "Value"))
                    };
                    json!({
                        "id": xml::child_text(c, "Id"),
                        arn: xml::child_text(c, arn_element),
                        "events": texts(c, "Event"),
                        "filter_prefix": rule("prefix"),
                        "filter_suffix": rule("suffix"),
                    })
                })
                .collect();
            any |= !configured.is_empty();
            o.insert(name.into(), J::Array(configured));
        }
        // An empty configuration is what deleting leaves.
        Ok(any.then_some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut body = format!("<NotificationConfiguration xmlns=\"{XMLNS}\">");
        for (name, arn, element_name, arn_element) in TARGETS {
            for (i, c) in blocks(p, name).into_iter().enumerate() {
                // S3 names a configuration left unnamed; name it as it would
                // be read back.
                let id_value = s(c, "id")
                    .map(String::from)
                    .unwrap_or_else(|| format!("tf-s3-{name}-{}", i + 1));
                let mut filter = String::new();
                for (which, k) in [("prefix", "filter_prefix"), ("suffix", "filter_suffix")] {
                    if let Some(v) = s(c, k) {
                        filter.push_str(&format!(
                            "<FilterRule><Name>{which}</Name><Value>{}</Value></FilterRule>",
                            escape(v)
                        ));
                    }
                }
                body.push_str(&format!(
                    "<{element_name}><Id>{}</Id>{}{}{}</{element_name}>",
                    escape(&id_value),
                    element(arn_element, s(c, arn).map(String::from)),
                    elements("Event", &strings(c, "events")),
                    if filter.is_empty() {
                        String::new()
                    } else {
                        format!("<Filter><S3Key>{filter}</S3Key></Filter>")
                    }
                ));
            }
        }
        if b(p, "eventbridge") == Some(true) {
            body.push_str("<EventBridgeConfiguration></EventBridgeConfiguration>");
        }
        body.push_str("</NotificationConfiguration>");
        put(
            api,
            "S3 PutBucketNotificationConfiguration",
            id,
            "notification",
            body,
        )?;
        Ok(id.to_string())
    }

    /// Deleting the notifications is putting an empty configuration.
    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        let body =
            format!("<NotificationConfiguration xmlns=\"{XMLNS}\"></NotificationConfiguration>");
        match put(
            api,
            "S3 PutBucketNotificationConfiguration",
            id,
            "notification",
            body,
        ) {
            Err(e) if e.has_code(&["NoSuchBucket"]) => Ok(()),
            other => other,
        }
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

// ---- aws_s3_bucket_acl ---------------------------------------------------------------

struct Acl;

impl Resource for Acl {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_acl"
    }

    fn schema(&self) -> Schema {
        let mut schema = bucket_setting_schema();
        schema
            .attributes
            .insert("acl".into(), optional(Type::String));
        let mut grant = Schema::new([("permission", required(Type::String))]);
        block(
            &mut grant,
            "grantee",
            Nesting::List,
            Schema::new([
                ("type", required(Type::String)),
                ("id", optional(Type::String)),
                ("uri", optional(Type::String)),
                ("email_address", optional(Type::String)),
                ("display_name", computed(Type::String)),
            ]),
            Some(1),
        );
        let mut policy = Schema::new([]);
        block(&mut policy, "grant", Nesting::Set, grant, None);
        block(
            &mut policy,
            "owner",
            Nesting::List,
            Schema::new([
                ("id", required(Type::String)),
                ("display_name", defaulted(Type::String)),
            ]),
            Some(1),
        );
        block(
            &mut schema,
            "access_control_policy",
            Nesting::List,
            policy,
            Some(1),
        );
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?;
        self.update(api, bucket, &Obj::new(), p)?;
        // The id names the canned ACL too, as in the AWS provider.
        Ok(match s(p, "acl") {
            Some(acl) => format!("{bucket},{acl}"),
            None => bucket.to_string(),
        })
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let bucket = id.split(',').next().unwrap_or(id);
        let Some(text) = get(api, "S3 GetBucketAcl", bucket, "acl")? else {
            return Ok(None);
        };
        let doc = api::parse(&text)?;
        let root = doc.root_element();
        let owner = xml::child(root, "Owner").map(|o| {
            json!({
                "id": xml::child_text(o, "ID"),
                "display_name": xml::child_text(o, "DisplayName"),
            })
        });
        let grants: Vec<J> = doc
            .descendants()
            .filter(|n| n.has_tag_name("Grant"))
            .map(|g| {
                let grantee = xml::child(g, "Grantee");
                let field = |k: &str| grantee.and_then(|n| xml::child_text(n, k));
                let kind = grantee
                    .and_then(|n| {
                        n.attributes()
                            .find(|a| a.name() == "type")
                            .map(|a| a.value().to_string())
                    })
                    .unwrap_or_else(|| "CanonicalUser".into());
                json!({
                    "permission": xml::child_text(g, "Permission"),
                    "grantee": [{
                        "type": kind,
                        "id": field("ID"),
                        "uri": field("URI"),
                        "email_address": field("EmailAddress"),
                        "display_name": field("DisplayName"),
                    }],
                })
            })
            .collect();
        let mut o = bucket_import(bucket);
        o.insert("id".into(), json!(id));
        o.insert(
            "acl".into(),
            json!(s(prior, "acl")
                .map(String::from)
                .or_else(|| id.split_once(',').map(|(_, acl)| acl.to_string()))),
        );
        // A canned ACL is the setting: the grants it makes are reported
        // only when the object was written (or imported) as grants.
        let canned = prior
            .get("access_control_policy")
            .is_none_or(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty))
            && (s(prior, "acl").is_some() || id.contains(','));
        o.insert(
            "access_control_policy".into(),
            if canned {
                J::Null
            } else {
                json!([{"grant": grants, "owner": owner.into_iter().collect::<Vec<_>>()}])
            },
        );
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let bucket = id.split(',').next().unwrap_or(id);
        let request = match (s(p, "acl"), blocks(p, "access_control_policy").first()) {
            (Some(acl), _) => sub("PUT", bucket, "acl", None).header("x-amz-acl", acl),
            (None, Some(policy)) => sub("PUT", bucket, "acl", Some(policy_xml(policy))),
            (None, None) => {
                return Err(ProviderError::at(
                    "Missing ACL",
                    "aws_s3_bucket_acl needs acl or an access_control_policy block",
                    "acl",
                ))
            }
        };
        api.send("S3 PutBucketAcl", request)?;
        Ok(id.to_string())
    }

    /// S3 has no "no ACL": destroying only forgets it, as in Terraform.
    fn delete(&self, _api: &Api, _id: &str, _prior: &Obj) -> ProviderResult<()> {
        Ok(())
    }

    fn import_id(&self, state: &Obj) -> String {
        s(state, "id").unwrap_or_default().to_string()
    }

    fn import_state(&self, id: &str) -> Obj {
        let mut o = bucket_import(id.split(',').next().unwrap_or(id));
        o.insert("id".into(), json!(id));
        o
    }
}

fn policy_xml(policy: &Obj) -> String {
    let mut out = format!(
        "<AccessControlPolicy xmlns=\"{XMLNS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    );
    if let Some(owner) = blocks(policy, "owner").first() {
        out.push_str(&format!(
            "<Owner>{}{}</Owner>",
            element("ID", s(owner, "id").map(String::from)),
            element("DisplayName", s(owner, "display_name").map(String::from))
        ));
    }
    out.push_str("<AccessControlList>");
    for grant in blocks(policy, "grant") {
        let Some(g) = blocks(grant, "grantee").first().copied() else {
            continue;
        };
        out.push_str(&format!(
            "<Grant><Grantee xsi:type=\"{}\">{}{}{}</Grantee>{}</Grant>",
            escape(s(g, "type").unwrap_or("CanonicalUser")),
            element("ID", s(g, "id").map(String::from)),
            element("URI", s(g, "uri").map(String::from)),
            element("EmailAddress", s(g, "email_address").map(String::from)),
            element("Permission", s(grant, "permission").map(String::from))
        ));
    }
    out.push_str("</AccessControlList></AccessControlPolicy>");
    out
}
