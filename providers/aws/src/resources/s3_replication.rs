//! Bucket replication (`aws_s3_bucket_replication_configuration`): rules
//! copying new objects to buckets in other regions or accounts, described
//! by a table of fields (`s3_xml`).

use super::data_stores::escape;
use super::s3_config::{bucket_import, get, remove, sub};
use super::s3_xml::{read, schema_of, write, Field, Kind, TAG};
use super::{block, computed, optional, required};
use crate::api::{self, s, Api, Obj};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{Attribute, Nesting, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(Replication)]
}

const STATUS: &[Field] = &[("status", "Status", Kind::RequiredText)];
const MINUTES: &[Field] = &[("minutes", "Minutes", Kind::Number(false))];

const DESTINATION: &[Field] = &[
    ("bucket", "Bucket", Kind::RequiredText),
    ("account", "Account", Kind::Text(false)),
    ("storage_class", "StorageClass", Kind::Text(false)),
    (
        "access_control_translation",
        "AccessControlTranslation",
        Kind::One(&[("owner", "Owner", Kind::RequiredText)], false),
    ),
    (
        "encryption_configuration",
        "EncryptionConfiguration",
        Kind::One(
            &[("replica_kms_key_id", "ReplicaKmsKeyID", Kind::RequiredText)],
            false,
        ),
    ),
    (
        "replication_time",
        "ReplicationTime",
        Kind::One(
            &[
                ("status", "Status", Kind::RequiredText),
                ("time", "Time", Kind::One(MINUTES, true)),
            ],
            false,
        ),
    ),
    (
        "metrics",
        "Metrics",
        Kind::One(
            &[
                ("status", "Status", Kind::RequiredText),
                (
                    "event_threshold",
                    "EventThreshold",
                    Kind::One(MINUTES, false),
                ),
            ],
            false,
        ),
    ),
];

const FILTER: &[Field] = &[
    ("prefix", "Prefix", Kind::Text(false)),
    TAG,
    (
        "and",
        "And",
        Kind::One(
            &[
                ("prefix", "Prefix", Kind::Text(false)),
                ("tags", "Tag", Kind::Tags),
            ],
            false,
        ),
    ),
];

/// A rule, in the order S3's schema has its elements.
const RULE: &[Field] = &[
    ("id", "ID", Kind::Text(true)),
    ("priority", "Priority", Kind::Number(true)),
    ("prefix", "Prefix", Kind::Text(false)),
    ("filter", "Filter", Kind::One(FILTER, false)),
    ("status", "Status", Kind::RequiredText),
    (
        "source_selection_criteria",
        "SourceSelectionCriteria",
        Kind::One(
            &[
                (
                    "sse_kms_encrypted_objects",
                    "SseKmsEncryptedObjects",
                    Kind::One(STATUS, false),
                ),
                (
                    "replica_modifications",
                    "ReplicaModifications",
                    Kind::One(STATUS, false),
                ),
            ],
            false,
        ),
    ),
    (
        "existing_object_replication",
        "ExistingObjectReplication",
        Kind::One(STATUS, false),
    ),
    ("destination", "Destination", Kind::One(DESTINATION, true)),
    (
        "delete_marker_replication",
        "DeleteMarkerReplication",
        Kind::One(STATUS, false),
    ),
];

struct Replication;

impl Resource for Replication {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_replication_configuration"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new([
            ("id", computed(Type::String)),
            ("bucket", required(Type::String).force_new()),
            ("role", required(Type::String)),
        ]);
        schema.attributes.insert(
            "token".into(),
            Attribute {
                sensitive: true,
                ..optional(Type::String)
            },
        );
        block(&mut schema, "rule", Nesting::List, schema_of(RULE), None);
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let bucket = api::req(p, "bucket")?.to_string();
        self.update(api, &bucket, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let text = match get(api, "S3 GetBucketReplication", id, "replication") {
            Ok(Some(t)) => t,
            Ok(None) => return Ok(None),
            Err(e) if e.has_code(&["ReplicationConfigurationNotFoundError"]) => return Ok(None),
            Err(e) => return Err(e),
        };
        let doc = api::parse(&text)?;
        let root = doc.root_element();
        let rules: Vec<J> = xml::children(root, "Rule").map(|r| read(RULE, r)).collect();
        let mut o = bucket_import(id);
        o.insert("role".into(), json!(xml::child_text(root, "Role")));
        o.insert("rule".into(), J::Array(rules));
        o.insert(
            "token".into(),
            prior.get("token").cloned().unwrap_or(J::Null),
        );
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut body = format!(
            "<ReplicationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Role>{}</Role>",
            escape(api::req(p, "role")?)
        );
        for rule in api::blocks(p, "rule") {
            body.push_str("<Rule>");
            write(RULE, rule, &mut body);
            body.push_str("</Rule>");
        }
        body.push_str("</ReplicationConfiguration>");
        let mut request = sub("PUT", id, "replication", Some(body));
        if let Some(token) = s(p, "token") {
            request = request.header("x-amz-bucket-object-lock-token", token);
        }
        api.send("S3 PutBucketReplication", request)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        remove(api, "S3 DeleteBucketReplication", id, "replication")
    }

    fn import_state(&self, id: &str) -> Obj {
        bucket_import(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of a rule is written as S3's element and read back as
    /// it was (what moto cannot show: it answers a fixed filter).
    #[test]
    fn a_rule_reads_back_as_written() {
        let rule = json!({
            "id": "checkpoints", "priority": 2, "prefix": null, "status": "Enabled",
            "filter": [{"prefix": null, "tag": [],
                        "and": [{"prefix": "ckpt/", "tags": {"keep": "true", "team": "ml"}}]}],
            "source_selection_criteria": [{
                "sse_kms_encrypted_objects": [{"status": "Enabled"}],
                "replica_modifications": [],
            }],
            "existing_object_replication": [],
            "destination": [{
                "bucket": "arn:aws:s3:::replica", "account": "123456789012", "storage_class": "GLACIER",
                "access_control_translation": [{"owner": "Destination"}],
                "encryption_configuration": [{"replica_kms_key_id": "arn:aws:kms:us-west-2:1:key/k"}],
                "replication_time": [{"status": "Enabled", "time": [{"minutes": 15}]}],
                "metrics": [{"status": "Enabled", "event_threshold": [{"minutes": 15}]}],
            }],
            "delete_marker_replication": [{"status": "Enabled"}],
        });
        let mut xml_text = String::from("<Rule>");
        write(RULE, rule.as_object().unwrap(), &mut xml_text);
        xml_text.push_str("</Rule>");
        assert!(
            xml_text.contains("<Filter><And><Prefix>ckpt/</Prefix><Tag><Key>keep</Key><Value>true</Value></Tag><Tag><Key>team</Key><Value>ml</Value></Tag></And></Filter><Status>Enabled</Status>"),
            "{xml_text}"
        );
        let doc = xml::parse(&xml_text).unwrap();
        assert_eq!(read(RULE, doc.root_element()), rule);
    }

    #[test]
    fn the_schema_has_every_block_of_the_aws_provider() {
        let schema = Replication.schema();
        let rule = &schema.blocks["rule"].schema;
        for b in [
            "filter",
            "destination",
            "delete_marker_replication",
            "existing_object_replication",
            "source_selection_criteria",
        ] {
            assert!(rule.blocks.contains_key(b), "{b}");
        }
        assert_eq!(rule.blocks["destination"].min_items, 1);
        let destination = &rule.blocks["destination"].schema;
        assert!(destination.blocks.contains_key("replication_time"));
        assert!(destination.attributes["bucket"].required);
    }
}
