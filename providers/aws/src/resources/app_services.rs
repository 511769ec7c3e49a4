//! What ML services ship beside their clusters: container registries for
//! model images (`aws_ecr_repository`), queues (`aws_sqs_queue`) and
//! secrets (`aws_secretsmanager_secret` and its values,
//! `aws_secretsmanager_secret_version`).

use super::{block, computed, defaulted, generated_name, optional, required, tagged};
use crate::api::{self, b, blocks, n, s, tags, Api, Obj};
use crate::tags::{json_tags, key_values, retag, tag_list};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(EcrRepository),
        Arc::new(SqsQueue),
        Arc::new(Secret),
        Arc::new(SecretVersion),
    ]
}

/// A call whose "not found" means the object is gone.
fn found(result: ProviderResult<J>, codes: &[&str]) -> ProviderResult<Option<J>> {
    match result {
        Ok(j) => Ok(Some(j)),
        Err(e) if e.has_code(codes) => Ok(None),
        Err(e) => Err(e),
    }
}

// ---- aws_ecr_repository -------------------------------------------------------------

struct EcrRepository;

fn ecr(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json11(
        "ecr",
        &format!("AmazonEC2ContainerRegistry_V20150921.{op}"),
        body,
    )
}

const REPOSITORY_GONE: &[&str] = &["RepositoryNotFoundException"];

impl Resource for EcrRepository {
    fn type_name(&self) -> &'static str {
        "aws_ecr_repository"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", required(Type::String).force_new()),
            ("image_tag_mutability", defaulted(Type::String)),
            ("force_delete", optional(Type::Bool)),
            ("arn", computed(Type::String)),
            ("registry_id", computed(Type::String)),
            ("repository_url", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "image_scanning_configuration",
            Nesting::List,
            Schema::new([("scan_on_push", required(Type::Bool))]),
            Some(1),
        );
        block(
            &mut schema,
            "encryption_configuration",
            Nesting::List,
            Schema::new([
                ("encryption_type", optional(Type::String)),
                ("kms_key", optional(Type::String)),
            ]),
            Some(1),
        );
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["encryption_configuration"]
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(config, &[("image_tag_mutability", json!("MUTABLE"))])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let mut body = json!({
            "repositoryName": name,
            "imageTagMutability": s(p, "image_tag_mutability").unwrap_or("MUTABLE"),
            "tags": key_values(&api.tags_all(&tags(p, "tags"))),
        });
        if let Some(scan) = blocks(p, "image_scanning_configuration").first() {
            body["imageScanningConfiguration"] =
                json!({"scanOnPush": b(scan, "scan_on_push").unwrap_or(false)});
        }
        if let Some(enc) = blocks(p, "encryption_configuration").first() {
            let mut e = json!({"encryptionType": s(enc, "encryption_type").unwrap_or("AES256")});
            if let Some(key) = s(enc, "kms_key") {
                e["kmsKey"] = json!(key);
            }
            body["encryptionConfiguration"] = e;
        }
        ecr(api, "CreateRepository", body)?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(answer) = found(
            ecr(
                api,
                "DescribeRepositories",
                json!({"repositoryNames": [id]}),
            ),
            REPOSITORY_GONE,
        )?
        else {
            return Ok(None);
        };
        let Some(r) = answer["repositories"].as_array().and_then(|a| a.first()) else {
            return Ok(None);
        };
        let arn = r["repositoryArn"].as_str().unwrap_or_default().to_string();
        let listed = ecr(api, "ListTagsForResource", json!({"resourceArn": arn}))?;
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("arn".into(), json!(arn));
        o.insert("registry_id".into(), r["registryId"].clone());
        o.insert("repository_url".into(), r["repositoryUri"].clone());
        o.insert(
            "image_tag_mutability".into(),
            r["imageTagMutability"].clone(),
        );
        o.insert(
            "force_delete".into(),
            prior.get("force_delete").cloned().unwrap_or(J::Null),
        );
        // A block the configuration leaves out reads as unset while AWS
        // keeps its default.
        let unless_default = |name: &str, found: J, default: J| {
            let written = prior
                .get(name)
                .filter(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
            if written.is_none() && found == default {
                J::Null
            } else {
                api::prefer_prior(written, found)
            }
        };
        let scan = json!([{"scan_on_push": r["imageScanningConfiguration"]["scanOnPush"].as_bool().unwrap_or(false)}]);
        o.insert(
            "image_scanning_configuration".into(),
            unless_default(
                "image_scanning_configuration",
                scan,
                json!([{"scan_on_push": false}]),
            ),
        );
        let enc = &r["encryptionConfiguration"];
        let enc = json!([{"encryption_type": enc["encryptionType"].as_str().unwrap_or("AES256"), "kms_key": enc.get("kmsKey").cloned().unwrap_or(J::Null)}]);
        o.insert(
            "encryption_configuration".into(),
            unless_default(
                "encryption_configuration",
                enc,
                json!([{"encryption_type": "AES256", "kms_key": null}]),
            ),
        );
        api.read_tags(&mut o, tag_list(&listed["tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "image_tag_mutability") != s(p, "image_tag_mutability") {
            ecr(
                api,
                "PutImageTagMutability",
                json!({"repositoryName": id, "imageTagMutability": s(p, "image_tag_mutability").unwrap_or("MUTABLE")}),
            )?;
        }
        let scan = |o: &Obj| {
            blocks(o, "image_scanning_configuration")
                .first()
                .and_then(|c| b(c, "scan_on_push"))
                .unwrap_or(false)
        };
        if scan(prior) != scan(p) {
            ecr(
                api,
                "PutImageScanningConfiguration",
                json!({"repositoryName": id, "imageScanningConfiguration": {"scanOnPush": scan(p)}}),
            )?;
        }
        let arn = s(prior, "arn").unwrap_or_default().to_string();
        retag(
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
            |gone| {
                ecr(
                    api,
                    "UntagResource",
                    json!({"resourceArn": arn, "tagKeys": gone}),
                )
                .map(drop)
            },
            |set| {
                ecr(
                    api,
                    "TagResource",
                    json!({"resourceArn": arn, "tags": key_values(set)}),
                )
                .map(drop)
            },
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        found(
            ecr(
                api,
                "DeleteRepository",
                json!({"repositoryName": id, "force": b(prior, "force_delete").unwrap_or(false)}),
            ),
            REPOSITORY_GONE,
        )
        .map(drop)
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

// ---- aws_sqs_queue ------------------------------------------------------------------

struct SqsQueue;

fn sqs(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json("sqs", &format!("AmazonSQS.{op}"), body)
}

const QUEUE_GONE: &[&str] = &[
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
];

/// Arguments and the queue attribute each sets, numbers as strings.
const QUEUE_ATTRIBUTES: &[(&str, &str)] = &[
    ("visibility_timeout_seconds", "VisibilityTimeout"),
    ("message_retention_seconds", "MessageRetentionPeriod"),
    ("max_message_size", "MaximumMessageSize"),
    ("delay_seconds", "DelaySeconds"),
    ("receive_wait_time_seconds", "ReceiveMessageWaitTimeSeconds"),
    ("policy", "Policy"),
    ("redrive_policy", "RedrivePolicy"),
    ("kms_master_key_id", "KmsMasterKeyId"),
    ("sqs_managed_sse_enabled", "SqsManagedSseEnabled"),
    ("content_based_deduplication", "ContentBasedDeduplication"),
    ("fifo_queue", "FifoQueue"),
];

fn queue_attributes(p: &Obj, changed_from: Option<&Obj>) -> serde_json::Map<String, J> {
    QUEUE_ATTRIBUTES
        .iter()
        .filter(|(k, _)| changed_from.is_none_or(|prior| prior.get(*k) != p.get(*k)))
        .filter_map(|(k, attr)| {
            let v = p.get(*k)?;
            let text = match v {
                J::String(s) => s.clone(),
                J::Bool(b) => b.to_string(),
                J::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((attr.to_string(), json!(text)))
        })
        .collect()
}

impl Resource for SqsQueue {
    fn type_name(&self) -> &'static str {
        "aws_sqs_queue"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", defaulted(Type::String).force_new()),
            ("name_prefix", optional(Type::String).force_new()),
            ("fifo_queue", defaulted(Type::Bool).force_new()),
            ("visibility_timeout_seconds", defaulted(Type::Number)),
            ("message_retention_seconds", defaulted(Type::Number)),
            ("max_message_size", defaulted(Type::Number)),
            ("delay_seconds", defaulted(Type::Number)),
            ("receive_wait_time_seconds", defaulted(Type::Number)),
            ("policy", defaulted(Type::String)),
            ("redrive_policy", defaulted(Type::String)),
            ("kms_master_key_id", optional(Type::String)),
            ("sqs_managed_sse_enabled", defaulted(Type::Bool)),
            ("content_based_deduplication", defaulted(Type::Bool)),
            ("arn", computed(Type::String)),
            ("url", computed(Type::String)),
        ])
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(
            config,
            &[
                ("fifo_queue", json!(false)),
                ("visibility_timeout_seconds", json!(30)),
                ("message_retention_seconds", json!(345600)),
                ("delay_seconds", json!(0)),
                ("receive_wait_time_seconds", json!(0)),
            ],
        )
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let mut name = generated_name(p);
        if b(p, "fifo_queue") == Some(true) && !name.ends_with(".fifo") {
            name.push_str(".fifo");
        }
        let mut attributes = queue_attributes(p, None);
        if b(p, "fifo_queue") != Some(true) {
            attributes.remove("FifoQueue");
            attributes.remove("ContentBasedDeduplication");
        }
        let made = sqs(
            api,
            "CreateQueue",
            json!({"QueueName": name, "Attributes": attributes, "tags": api::map_json(&api.tags_all(&tags(p, "tags")))}),
        )?;
        made["QueueUrl"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ProviderError::failed("SQS CreateQueue", "no QueueUrl in the answer"))
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(answer) = found(
            sqs(
                api,
                "GetQueueAttributes",
                json!({"QueueUrl": id, "AttributeNames": ["All"]}),
            ),
            QUEUE_GONE,
        )?
        else {
            return Ok(None);
        };
        let a = &answer["Attributes"];
        let listed = sqs(api, "ListQueueTags", json!({"QueueUrl": id}))?;
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("url".into(), json!(id));
        o.insert("arn".into(), a["QueueArn"].clone());
        o.insert(
            "name".into(),
            json!(id.rsplit('/').next().unwrap_or_default()),
        );
        let number = |k: &str| a[k].as_str().and_then(|t| t.parse::<i64>().ok());
        let flag = |k: &str| a[k].as_str().map(|t| t == "true");
        for (k, attr) in QUEUE_ATTRIBUTES {
            let value = match *k {
                "policy" | "redrive_policy" | "kms_master_key_id" => {
                    let found = a[*attr].as_str().unwrap_or_default();
                    match (s(prior, k), found.is_empty()) {
                        (Some(w), _)
                            if serde_json::from_str::<J>(w).ok()
                                == serde_json::from_str::<J>(found).ok() =>
                        {
                            json!(w)
                        }
                        (None, true) => J::Null,
                        _ => json!(found),
                    }
                }
                "sqs_managed_sse_enabled" | "content_based_deduplication" | "fifo_queue" => {
                    json!(flag(attr).unwrap_or(false))
                }
                _ => json!(number(attr)),
            };
            o.insert(k.to_string(), value);
        }
        o.insert(
            "name_prefix".into(),
            prior.get("name_prefix").cloned().unwrap_or(J::Null),
        );
        api.read_tags(&mut o, json_tags(&listed["Tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut changed = queue_attributes(p, Some(prior));
        changed.remove("FifoQueue");
        if !changed.is_empty() {
            sqs(
                api,
                "SetQueueAttributes",
                json!({"QueueUrl": id, "Attributes": changed}),
            )?;
        }
        retag(
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
            |gone| sqs(api, "UntagQueue", json!({"QueueUrl": id, "TagKeys": gone})).map(drop),
            |set| {
                sqs(
                    api,
                    "TagQueue",
                    json!({"QueueUrl": id, "Tags": api::map_json(set)}),
                )
                .map(drop)
            },
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        found(sqs(api, "DeleteQueue", json!({"QueueUrl": id})), QUEUE_GONE).map(drop)
    }
}

// ---- aws_secretsmanager_secret ------------------------------------------------------

struct Secret;

fn secrets(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json11("secretsmanager", &format!("secretsmanager.{op}"), body)
}

const SECRET_GONE: &[&str] = &["ResourceNotFoundException"];

/// A secret's version, or none when the secret or the version is gone.
fn secret_version(api: &Api, secret: &str, version: &str) -> ProviderResult<Option<J>> {
    found(
        secrets(
            api,
            "GetSecretValue",
            json!({"SecretId": secret, "VersionId": version}),
        ),
        &["ResourceNotFoundException", "InvalidRequestException"],
    )
}

impl Resource for Secret {
    fn type_name(&self) -> &'static str {
        "aws_secretsmanager_secret"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", defaulted(Type::String).force_new()),
            ("name_prefix", optional(Type::String).force_new()),
            ("description", optional(Type::String)),
            ("kms_key_id", optional(Type::String)),
            ("recovery_window_in_days", optional(Type::Number)),
            ("force_overwrite_replica_secret", optional(Type::Bool)),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let mut body = json!({
            "Name": generated_name(p),
            "Tags": key_values(&api.tags_all(&tags(p, "tags"))),
        });
        if let Some(d) = s(p, "description") {
            body["Description"] = json!(d);
        }
        if let Some(k) = s(p, "kms_key_id") {
            body["KmsKeyId"] = json!(k);
        }
        let made = secrets(api, "CreateSecret", body)?;
        made["ARN"].as_str().map(str::to_string).ok_or_else(|| {
            ProviderError::failed("Secrets Manager CreateSecret", "no ARN in the answer")
        })
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(d) = found(
            secrets(api, "DescribeSecret", json!({"SecretId": id})),
            SECRET_GONE,
        )?
        else {
            return Ok(None);
        };
        if !d["DeletedDate"].is_null() {
            return Ok(None);
        }
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("arn".into(), d["ARN"].clone());
        o.insert("name".into(), d["Name"].clone());
        o.insert(
            "description".into(),
            d.get("Description").cloned().unwrap_or(J::Null),
        );
        o.insert(
            "kms_key_id".into(),
            d.get("KmsKeyId").cloned().unwrap_or(J::Null),
        );
        for k in [
            "recovery_window_in_days",
            "force_overwrite_replica_secret",
            "name_prefix",
        ] {
            o.insert(k.into(), prior.get(k).cloned().unwrap_or(J::Null));
        }
        api.read_tags(&mut o, tag_list(&d["Tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "description") != s(p, "description")
            || s(prior, "kms_key_id") != s(p, "kms_key_id")
        {
            let mut body = json!({
                "SecretId": id,
                "Description": s(p, "description").unwrap_or_default(),
                "ClientRequestToken": uuid::Uuid::new_v4().to_string(),
            });
            if let Some(k) = s(p, "kms_key_id") {
                body["KmsKeyId"] = json!(k);
            }
            secrets(api, "UpdateSecret", body)?;
        }
        retag(
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
            |gone| {
                secrets(
                    api,
                    "UntagResource",
                    json!({"SecretId": id, "TagKeys": gone}),
                )
                .map(drop)
            },
            |set| {
                secrets(
                    api,
                    "TagResource",
                    json!({"SecretId": id, "Tags": key_values(set)}),
                )
                .map(drop)
            },
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        let body = match n(prior, "recovery_window_in_days") {
            Some(0) => json!({"SecretId": id, "ForceDeleteWithoutRecovery": true}),
            Some(days) => json!({"SecretId": id, "RecoveryWindowInDays": days}),
            None => json!({"SecretId": id}),
        };
        found(secrets(api, "DeleteSecret", body), SECRET_GONE).map(drop)
    }
}

// ---- aws_secretsmanager_secret_version ----------------------------------------------

/// One value of a secret; its id is `SECRET_ARN|VERSION_ID`, as
/// Terraform's. Deleting it takes its staging labels away (a secret keeps
/// its current value until another replaces it, as in Terraform).
struct SecretVersion;

impl Resource for SecretVersion {
    fn type_name(&self) -> &'static str {
        "aws_secretsmanager_secret_version"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("secret_id", required(Type::String).force_new()),
            (
                "secret_string",
                optional(Type::String).sensitive().force_new(),
            ),
            ("version_stages", defaulted(Type::set(Type::String))),
            ("version_id", computed(Type::String)),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let secret = api::req(p, "secret_id")?;
        let mut body = json!({
            "SecretId": secret,
            "SecretString": s(p, "secret_string").unwrap_or_default(),
            "ClientRequestToken": uuid::Uuid::new_v4().to_string(),
        });
        let stages = api::strings(p, "version_stages");
        if !stages.is_empty() {
            body["VersionStages"] = json!(stages);
        }
        let made = secrets(api, "PutSecretValue", body)?;
        let (arn, version) = (made["ARN"].as_str(), made["VersionId"].as_str());
        match (arn, version) {
            (Some(arn), Some(version)) => Ok(format!("{arn}|{version}")),
            _ => Err(ProviderError::failed(
                "Secrets Manager PutSecretValue",
                "no ARN or VersionId in the answer",
            )),
        }
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some((secret, version)) = id.split_once('|') else {
            return Err(ProviderError::failed(
                "Invalid id",
                format!("{id:?} is not SECRET_ID|VERSION_ID"),
            ));
        };
        let Some(found) = secret_version(api, secret, version)? else {
            return Ok(None);
        };
        let stages: Vec<String> = found["VersionStages"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if stages.is_empty() {
            return Ok(None);
        }
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert(
            "secret_id".into(),
            prior.get("secret_id").cloned().unwrap_or(json!(secret)),
        );
        o.insert("arn".into(), found["ARN"].clone());
        o.insert("version_id".into(), json!(version));
        o.insert(
            "secret_string".into(),
            found.get("SecretString").cloned().unwrap_or(J::Null),
        );
        o.insert("version_stages".into(), json!(stages));
        Ok(Some(o))
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        let Some((secret, version)) = id.split_once('|') else {
            return Ok(());
        };
        let Some(current) = secret_version(api, secret, version)? else {
            return Ok(());
        };
        for stage in current["VersionStages"].as_array().into_iter().flatten() {
            let Some(stage) = stage.as_str().filter(|s| *s != "AWSCURRENT") else {
                continue;
            };
            secrets(
                api,
                "UpdateSecretVersionStage",
                json!({"SecretId": secret, "VersionStage": stage, "RemoveFromVersionId": version}),
            )?;
        }
        Ok(())
    }
}
