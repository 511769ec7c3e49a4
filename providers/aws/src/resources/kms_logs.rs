//! Encryption keys and log groups, which most published stacks (EKS,
//! data lakes) create beside their clusters: `aws_kms_key`,
//! `aws_kms_alias` and `aws_cloudwatch_log_group`.

use super::{computed, defaulted, optional, required, tagged};
use crate::api::{self, b, n, s, tags, Api, Obj};
use crate::tags::{json_tags, retag, Tags};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(KmsKey), Arc::new(KmsAlias), Arc::new(LogGroup)]
}

fn kms(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json11("kms", &format!("TrentService.{op}"), body)
}

fn logs(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json11("logs", &format!("Logs_20140328.{op}"), body)
}

/// A call whose "not found" means the object is gone.
fn gone_is_none(result: ProviderResult<J>, codes: &[&str]) -> ProviderResult<Option<J>> {
    match result {
        Ok(j) => Ok(Some(j)),
        Err(e) if e.has_code(codes) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The policy as read, kept as written when it is the same document.
fn same_document(found: &str, written: Option<&str>) -> String {
    match written {
        Some(w) if serde_json::from_str::<J>(w).ok() == serde_json::from_str::<J>(found).ok() => {
            w.to_string()
        }
        _ => found.to_string(),
    }
}

// ---- aws_kms_key --------------------------------------------------------------------

struct KmsKey;

const KEY_GONE: &[&str] = &["NotFoundException"];

fn kms_tags(list: &J) -> Tags {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some((
                        t["TagKey"].as_str()?.to_string(),
                        t["TagValue"].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn kms_tag_list(tags: &Tags) -> J {
    J::Array(
        tags.iter()
            .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
            .collect(),
    )
}

impl Resource for KmsKey {
    fn type_name(&self) -> &'static str {
        "aws_kms_key"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("description", defaulted(Type::String)),
            ("key_usage", defaulted(Type::String).force_new()),
            (
                "customer_master_key_spec",
                defaulted(Type::String).force_new(),
            ),
            ("policy", defaulted(Type::String)),
            ("bypass_policy_lockout_safety_check", optional(Type::Bool)),
            ("deletion_window_in_days", optional(Type::Number)),
            ("is_enabled", defaulted(Type::Bool)),
            ("enable_key_rotation", defaulted(Type::Bool)),
            ("multi_region", defaulted(Type::Bool).force_new()),
            ("arn", computed(Type::String)),
            ("key_id", computed(Type::String)),
        ])
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(
            config,
            &[
                ("key_usage", json!("ENCRYPT_DECRYPT")),
                ("customer_master_key_spec", json!("SYMMETRIC_DEFAULT")),
                ("is_enabled", json!(true)),
                ("enable_key_rotation", json!(false)),
                ("multi_region", json!(false)),
                ("description", json!("")),
            ],
        )
    }

    fn update_unknowns(&self) -> &'static [&'static str] {
        &[]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let mut body = json!({
            "Description": s(p, "description").unwrap_or_default(),
            "KeyUsage": s(p, "key_usage").unwrap_or("ENCRYPT_DECRYPT"),
            "KeySpec": s(p, "customer_master_key_spec").unwrap_or("SYMMETRIC_DEFAULT"),
            "MultiRegion": b(p, "multi_region").unwrap_or(false),
            "Tags": kms_tag_list(&api.tags_all(&tags(p, "tags"))),
        });
        if let Some(policy) = s(p, "policy") {
            body["Policy"] = json!(policy);
            body["BypassPolicyLockoutSafetyCheck"] =
                json!(b(p, "bypass_policy_lockout_safety_check").unwrap_or(false));
        }
        let made = kms(api, "CreateKey", body)?;
        let id = made["KeyMetadata"]["KeyId"]
            .as_str()
            .ok_or_else(|| ProviderError::failed("KMS CreateKey", "no KeyId in the answer"))?
            .to_string();
        if b(p, "enable_key_rotation") == Some(true) {
            kms(api, "EnableKeyRotation", json!({"KeyId": id}))?;
        }
        if b(p, "is_enabled") == Some(false) {
            kms(api, "DisableKey", json!({"KeyId": id}))?;
        }
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(found) = gone_is_none(kms(api, "DescribeKey", json!({"KeyId": id})), KEY_GONE)?
        else {
            return Ok(None);
        };
        let m = &found["KeyMetadata"];
        if matches!(
            m["KeyState"].as_str(),
            Some("PendingDeletion" | "PendingReplicaDeletion")
        ) {
            return Ok(None);
        }
        let rotation = kms(api, "GetKeyRotationStatus", json!({"KeyId": id}))?;
        let policy = kms(
            api,
            "GetKeyPolicy",
            json!({"KeyId": id, "PolicyName": "default"}),
        )?;
        let listed = kms(api, "ListResourceTags", json!({"KeyId": id}))?;
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("key_id".into(), json!(id));
        o.insert("arn".into(), m["Arn"].clone());
        o.insert(
            "description".into(),
            json!(m["Description"].as_str().unwrap_or_default()),
        );
        o.insert("key_usage".into(), m["KeyUsage"].clone());
        o.insert(
            "customer_master_key_spec".into(),
            m.get("KeySpec")
                .or(m.get("CustomerMasterKeySpec"))
                .cloned()
                .unwrap_or(J::Null),
        );
        o.insert(
            "is_enabled".into(),
            json!(m["Enabled"].as_bool().unwrap_or(true)),
        );
        o.insert(
            "multi_region".into(),
            json!(m["MultiRegion"].as_bool().unwrap_or(false)),
        );
        o.insert(
            "enable_key_rotation".into(),
            json!(rotation["KeyRotationEnabled"].as_bool().unwrap_or(false)),
        );
        o.insert(
            "policy".into(),
            json!(same_document(
                policy["Policy"].as_str().unwrap_or_default(),
                s(prior, "policy")
            )),
        );
        for k in [
            "deletion_window_in_days",
            "bypass_policy_lockout_safety_check",
        ] {
            o.insert(k.into(), prior.get(k).cloned().unwrap_or(J::Null));
        }
        api.read_tags(&mut o, kms_tags(&listed["Tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "description") != s(p, "description") {
            kms(
                api,
                "UpdateKeyDescription",
                json!({"KeyId": id, "Description": s(p, "description").unwrap_or_default()}),
            )?;
        }
        if b(prior, "enable_key_rotation") != b(p, "enable_key_rotation") {
            let op = if b(p, "enable_key_rotation") == Some(true) {
                "EnableKeyRotation"
            } else {
                "DisableKeyRotation"
            };
            kms(api, op, json!({"KeyId": id}))?;
        }
        if b(prior, "is_enabled") != b(p, "is_enabled") {
            let op = if b(p, "is_enabled") == Some(false) {
                "DisableKey"
            } else {
                "EnableKey"
            };
            kms(api, op, json!({"KeyId": id}))?;
        }
        if let Some(policy) = s(p, "policy").filter(|new| Some(*new) != s(prior, "policy")) {
            kms(
                api,
                "PutKeyPolicy",
                json!({"KeyId": id, "PolicyName": "default", "Policy": policy}),
            )?;
        }
        retag(
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
            |gone| kms(api, "UntagResource", json!({"KeyId": id, "TagKeys": gone})).map(drop),
            |set| {
                kms(
                    api,
                    "TagResource",
                    json!({"KeyId": id, "Tags": kms_tag_list(set)}),
                )
                .map(drop)
            },
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        let days = n(prior, "deletion_window_in_days").unwrap_or(30);
        gone_is_none(
            kms(
                api,
                "ScheduleKeyDeletion",
                json!({"KeyId": id, "PendingWindowInDays": days}),
            ),
            KEY_GONE,
        )
        .map(drop)
    }
}

// ---- aws_kms_alias ------------------------------------------------------------------

struct KmsAlias;

impl Resource for KmsAlias {
    fn type_name(&self) -> &'static str {
        "aws_kms_alias"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("name", required(Type::String).force_new()),
            ("target_key_id", required(Type::String)),
            ("arn", computed(Type::String)),
            ("target_key_arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        if !name.starts_with("alias/") {
            return Err(ProviderError::at(
                "Invalid alias name",
                format!("{name:?} must begin with \"alias/\""),
                "name",
            ));
        }
        kms(
            api,
            "CreateAlias",
            json!({"AliasName": name, "TargetKeyId": api::req(p, "target_key_id")?}),
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<Option<Obj>> {
        let mut marker: Option<String> = None;
        loop {
            let mut body = json!({});
            if let Some(m) = &marker {
                body["Marker"] = json!(m);
            }
            let page = kms(api, "ListAliases", body)?;
            if let Some(alias) = page["Aliases"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["AliasName"] == json!(id)))
            {
                let arn = alias["AliasArn"].as_str().unwrap_or_default();
                let target = alias["TargetKeyId"].as_str().unwrap_or_default();
                let key_arn = match arn.split_once(":alias/") {
                    Some((prefix, _)) => format!("{prefix}:key/{target}"),
                    None => String::new(),
                };
                let mut o = Obj::new();
                o.insert("id".into(), json!(id));
                o.insert("name".into(), json!(id));
                o.insert("arn".into(), json!(arn));
                o.insert("target_key_id".into(), json!(target));
                o.insert("target_key_arn".into(), json!(key_arn));
                return Ok(Some(o));
            }
            marker = page["NextMarker"].as_str().map(str::to_string);
            if marker.is_none() || page["Truncated"] != json!(true) {
                return Ok(None);
            }
        }
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        kms(
            api,
            "UpdateAlias",
            json!({"AliasName": id, "TargetKeyId": api::req(p, "target_key_id")?}),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        gone_is_none(kms(api, "DeleteAlias", json!({"AliasName": id})), KEY_GONE).map(drop)
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

// ---- aws_cloudwatch_log_group -------------------------------------------------------

struct LogGroup;

const LOGS_GONE: &[&str] = &["ResourceNotFoundException"];

impl Resource for LogGroup {
    fn type_name(&self) -> &'static str {
        "aws_cloudwatch_log_group"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", required(Type::String).force_new()),
            ("retention_in_days", optional(Type::Number)),
            ("kms_key_id", optional(Type::String)),
            ("log_group_class", defaulted(Type::String).force_new()),
            ("skip_destroy", optional(Type::Bool)),
            ("arn", computed(Type::String)),
        ])
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(config, &[("log_group_class", json!("STANDARD"))])
    }

    fn argument_default(&self, name: &str) -> Option<J> {
        // Never expire.
        (name == "retention_in_days").then(|| json!(0))
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let mut body = json!({
            "logGroupName": name,
            "tags": api::map_json(&api.tags_all(&tags(p, "tags"))),
        });
        if let Some(key) = s(p, "kms_key_id") {
            body["kmsKeyId"] = json!(key);
        }
        if let Some(class) = s(p, "log_group_class") {
            body["logGroupClass"] = json!(class);
        }
        logs(api, "CreateLogGroup", body)?;
        if let Some(days) = n(p, "retention_in_days").filter(|d| *d > 0) {
            logs(
                api,
                "PutRetentionPolicy",
                json!({"logGroupName": name, "retentionInDays": days}),
            )?;
        }
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let found = logs(api, "DescribeLogGroups", json!({"logGroupNamePrefix": id}))?;
        let Some(group) = found["logGroups"]
            .as_array()
            .and_then(|a| a.iter().find(|g| g["logGroupName"] == json!(id)))
        else {
            return Ok(None);
        };
        let arn = group["logGroupArn"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                group["arn"]
                    .as_str()
                    .map(|a| a.trim_end_matches(":*").to_string())
            })
            .unwrap_or_default();
        let listed = gone_is_none(
            logs(api, "ListTagsForResource", json!({"resourceArn": arn})),
            LOGS_GONE,
        )?
        .unwrap_or(J::Null);
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("arn".into(), json!(arn));
        o.insert(
            "retention_in_days".into(),
            match group["retentionInDays"].as_i64() {
                Some(d) => json!(d),
                // Never expire: 0, as Terraform reads it, or as written.
                None => prior
                    .get("retention_in_days")
                    .cloned()
                    .filter(|v| !v.is_null())
                    .unwrap_or(json!(0)),
            },
        );
        o.insert(
            "kms_key_id".into(),
            group.get("kmsKeyId").cloned().unwrap_or(J::Null),
        );
        o.insert(
            "log_group_class".into(),
            json!(group["logGroupClass"].as_str().unwrap_or("STANDARD")),
        );
        o.insert(
            "skip_destroy".into(),
            prior.get("skip_destroy").cloned().unwrap_or(J::Null),
        );
        api.read_tags(&mut o, json_tags(&listed["tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if n(prior, "retention_in_days") != n(p, "retention_in_days") {
            match n(p, "retention_in_days").filter(|d| *d > 0) {
                Some(days) => logs(
                    api,
                    "PutRetentionPolicy",
                    json!({"logGroupName": id, "retentionInDays": days}),
                )?,
                None => logs(api, "DeleteRetentionPolicy", json!({"logGroupName": id}))?,
            };
        }
        if s(prior, "kms_key_id") != s(p, "kms_key_id") {
            match s(p, "kms_key_id") {
                Some(key) => logs(
                    api,
                    "AssociateKmsKey",
                    json!({"logGroupName": id, "kmsKeyId": key}),
                )?,
                None => logs(api, "DisassociateKmsKey", json!({"logGroupName": id}))?,
            };
        }
        let arn = s(prior, "arn").unwrap_or_default().to_string();
        retag(
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
            |gone| {
                logs(
                    api,
                    "UntagResource",
                    json!({"resourceArn": arn, "tagKeys": gone}),
                )
                .map(drop)
            },
            |set| {
                logs(
                    api,
                    "TagResource",
                    json!({"resourceArn": arn, "tags": api::map_json(set)}),
                )
                .map(drop)
            },
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        if b(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        gone_is_none(
            logs(api, "DeleteLogGroup", json!({"logGroupName": id})),
            LOGS_GONE,
        )
        .map(drop)
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}
