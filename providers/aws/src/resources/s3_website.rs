//! Static website hosting of a bucket
//! (`aws_s3_bucket_website_configuration`): index and error documents, a
//! redirect of every request, and routing rules as blocks or as S3's JSON.

use super::s3_config::{bucket_import, bucket_setting_schema, get, remove};
use super::s3_features::{element, put, XMLNS};
use super::{block, computed, defaulted, optional, required};
use crate::api::{self, blocks, s, Api, Obj};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(Website)]
}

// ---- aws_s3_bucket_website_configuration ----------------------------------------------

struct Website;

/// The redirect and condition fields of a routing rule: argument, element.
const REDIRECT: [(&str, &str); 5] = [
    ("host_name", "HostName"),
    ("http_redirect_code", "HttpRedirectCode"),
    ("protocol", "Protocol"),
    ("replace_key_prefix_with", "ReplaceKeyPrefixWith"),
    ("replace_key_with", "ReplaceKeyWith"),
];
const CONDITION: [(&str, &str); 2] = [
    (
        "http_error_code_returned_equals",
        "HttpErrorCodeReturnedEquals",
    ),
    ("key_prefix_equals", "KeyPrefixEquals"),
];

fn fields_xml(o: &Obj, fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, x)| element(x, s(o, k).map(String::from)))
        .collect()
}

fn fields_json(node: xml::Node<'_, '_>, fields: &[(&str, &str)]) -> J {
    J::Object(
        fields
            .iter()
            .map(|(k, x)| (k.to_string(), json!(xml::child_text(node, x))))
            .collect(),
    )
}

impl Resource for Website {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_website_configuration"
    }

    fn schema(&self) -> Schema {
        let mut schema = bucket_setting_schema();
        for (k, a) in [
            ("routing_rules", defaulted(Type::String)),
            ("website_domain", computed(Type::String)),
            ("website_endpoint", computed(Type::String)),
        ] {
            schema.attributes.insert(k.into(), a);
        }
        let one = Some(1);
        block(
            &mut schema,
            "index_document",
            Nesting::List,
            Schema::new([("suffix", required(Type::String))]),
            one,
        );
        block(
            &mut schema,
            "error_document",
            Nesting::List,
            Schema::new([("key", required(Type::String))]),
            one,
        );
        block(
            &mut schema,
            "redirect_all_requests_to",
            Nesting::List,
            Schema::new([
                ("host_name", required(Type::String)),
                ("protocol", optional(Type::String)),
            ]),
            one,
        );
        let mut rule = Schema::new([]);
        block(
            &mut rule,
            "condition",
            Nesting::List,
            Schema::new(CONDITION.map(|(k, _)| (k, optional(Type::String)))),
            one,
        );
        block(
            &mut rule,
            "redirect",
            Nesting::List,
            Schema::new(REDIRECT.map(|(k, _)| (k, optional(Type::String)))),
            one,
        );
        block(&mut schema, "routing_rule", Nesting::List, rule, None);
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(text) = get(api, "S3 GetBucketWebsite", id, "website")? else {
            return Ok(None);
        };
        let doc = api::parse(&text)?;
        let root = doc.root_element();
        let mut o = bucket_import(id);
        let single = |name: &str, inner: &str, key: &str| -> J {
            match xml::find(root, name).and_then(|n| xml::child_text(n, inner)) {
                Some(v) => json!([{ key: v }]),
                None => json!([]),
            }
        };
        o.insert(
            "index_document".into(),
            single("IndexDocument", "Suffix", "suffix"),
        );
        o.insert(
            "error_document".into(),
            single("ErrorDocument", "Key", "key"),
        );
        o.insert(
            "redirect_all_requests_to".into(),
            match xml::find(root, "RedirectAllRequestsTo") {
                Some(r) => json!([{
                    "host_name": xml::child_text(r, "HostName"),
                    "protocol": xml::child_text(r, "Protocol"),
                }]),
                None => json!([]),
            },
        );
        let rules: Vec<J> = doc
            .descendants()
            .filter(|n| n.has_tag_name("RoutingRule"))
            .map(|r| {
                let part = |name: &str, fields: &[(&str, &str)]| match xml::child(r, name) {
                    Some(n) => json!([fields_json(n, fields)]),
                    None => json!([]),
                };
                json!({
                    "condition": part("Condition", &CONDITION),
                    "redirect": part("Redirect", &REDIRECT),
                })
            })
            .collect();
        // Rules written as a JSON document stay as written.
        if s(prior, "routing_rules").is_some() {
            o.insert("routing_rules".into(), prior["routing_rules"].clone());
            o.insert("routing_rule".into(), json!([]));
        } else {
            o.insert("routing_rules".into(), J::Null);
            o.insert("routing_rule".into(), J::Array(rules));
        }
        let domain = format!("s3-website-{}.amazonaws.com", api.region);
        o.insert("website_endpoint".into(), json!(format!("{id}.{domain}")));
        o.insert("website_domain".into(), json!(domain));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut body = format!("<WebsiteConfiguration xmlns=\"{XMLNS}\">");
        if let Some(d) = blocks(p, "error_document").first() {
            body.push_str(&format!(
                "<ErrorDocument>{}</ErrorDocument>",
                element("Key", s(d, "key").map(String::from))
            ));
        }
        if let Some(d) = blocks(p, "index_document").first() {
            body.push_str(&format!(
                "<IndexDocument>{}</IndexDocument>",
                element("Suffix", s(d, "suffix").map(String::from))
            ));
        }
        if let Some(r) = blocks(p, "redirect_all_requests_to").first() {
            body.push_str(&format!(
                "<RedirectAllRequestsTo>{}{}</RedirectAllRequestsTo>",
                element("HostName", s(r, "host_name").map(String::from)),
                element("Protocol", s(r, "protocol").map(String::from))
            ));
        }
        let rules = routing_rules_xml(p)?;
        if !rules.is_empty() {
            body.push_str(&format!("<RoutingRules>{rules}</RoutingRules>"));
        }
        body.push_str("</WebsiteConfiguration>");
        put(api, "S3 PutBucketWebsite", id, "website", body)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        remove(api, "S3 DeleteBucketWebsite", id, "website")
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

/// The routing rules, from `routing_rule` blocks or the `routing_rules`
/// JSON document (S3's own field names, as the AWS provider takes it).
fn routing_rules_xml(p: &Obj) -> ProviderResult<String> {
    let mut out = String::new();
    if let Some(doc) = s(p, "routing_rules") {
        let rules: Vec<J> = serde_json::from_str(doc).map_err(|e| {
            ProviderError::at(
                "Invalid routing_rules",
                format!("routing_rules is not a JSON list of routing rules: {e}"),
                "routing_rules",
            )
        })?;
        for rule in rules {
            out.push_str("<RoutingRule>");
            for (part, fields) in [("Condition", &CONDITION[..]), ("Redirect", &REDIRECT[..])] {
                if let Some(o) = rule.get(part).and_then(J::as_object) {
                    out.push_str(&format!("<{part}>"));
                    for (_, x) in fields {
                        let v = o.get(*x).map(|v| match v {
                            J::String(s) => s.clone(),
                            other => other.to_string(),
                        });
                        out.push_str(&element(x, v));
                    }
                    out.push_str(&format!("</{part}>"));
                }
            }
            out.push_str("</RoutingRule>");
        }
        return Ok(out);
    }
    for rule in blocks(p, "routing_rule") {
        out.push_str("<RoutingRule>");
        if let Some(c) = blocks(rule, "condition").first() {
            out.push_str(&format!(
                "<Condition>{}</Condition>",
                fields_xml(c, &CONDITION)
            ));
        }
        if let Some(r) = blocks(rule, "redirect").first() {
            out.push_str(&format!(
                "<Redirect>{}</Redirect>",
                fields_xml(r, &REDIRECT)
            ));
        }
        out.push_str("</RoutingRule>");
    }
    Ok(out)
}
