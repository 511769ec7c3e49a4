//! Shared file systems for training data and checkpoints:
//! `aws_efs_file_system` and `aws_efs_mount_target` (EFS's REST API).

use super::{computed, defaulted, optional, required, tagged, wait_status};
use crate::api::{self, s, strings, tags, Api, Obj};
use crate::tags::{key_values, retag, tag_list};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(FileSystem), Arc::new(MountTarget)]
}

const API: &str = "/2015-02-01";

fn need(found: Option<J>, what: &str) -> ProviderResult<J> {
    found.ok_or_else(|| ProviderError::failed(what.to_string(), "EFS answered 404"))
}

// ---- aws_efs_file_system ------------------------------------------------------------

struct FileSystem;

fn describe_fs(api: &Api, id: &str) -> ProviderResult<Option<J>> {
    let found = api.rest_query(
        "efs",
        "GET",
        &format!("{API}/file-systems"),
        &[("FileSystemId", id)],
    )?;
    Ok(found.and_then(|j| j["FileSystems"].as_array()?.first().cloned()))
}

impl Resource for FileSystem {
    fn type_name(&self) -> &'static str {
        "aws_efs_file_system"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("creation_token", defaulted(Type::String).force_new()),
            ("encrypted", defaulted(Type::Bool).force_new()),
            ("kms_key_id", defaulted(Type::String).force_new()),
            ("performance_mode", defaulted(Type::String).force_new()),
            ("throughput_mode", defaulted(Type::String)),
            ("provisioned_throughput_in_mibps", optional(Type::Number)),
            ("arn", computed(Type::String)),
            ("dns_name", computed(Type::String)),
            ("name", computed(Type::String)),
            ("number_of_mount_targets", computed(Type::Number)),
            ("owner_id", computed(Type::String)),
        ])
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(
            config,
            &[
                ("performance_mode", json!("generalPurpose")),
                ("throughput_mode", json!("bursting")),
            ],
        )
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let token = s(p, "creation_token")
            .map(str::to_string)
            .unwrap_or_else(|| format!("terraform-{}", uuid::Uuid::new_v4().simple()));
        let mut body = json!({
            "CreationToken": token,
            "PerformanceMode": s(p, "performance_mode").unwrap_or("generalPurpose"),
            "ThroughputMode": s(p, "throughput_mode").unwrap_or("bursting"),
            "Encrypted": api::b(p, "encrypted").unwrap_or(false),
            "Tags": key_values(&api.tags_all(&tags(p, "tags"))),
        });
        if let Some(key) = s(p, "kms_key_id") {
            body["KmsKeyId"] = json!(key);
        }
        if let Some(mibps) = p
            .get("provisioned_throughput_in_mibps")
            .filter(|v| !v.is_null())
        {
            body["ProvisionedThroughputInMibps"] = mibps.clone();
        }
        let made = need(
            api.rest("efs", "POST", &format!("{API}/file-systems"), Some(body))?,
            "EFS CreateFileSystem",
        )?;
        let id = made["FileSystemId"]
            .as_str()
            .ok_or_else(|| {
                ProviderError::failed("EFS CreateFileSystem", "no FileSystemId in the answer")
            })?
            .to_string();
        wait_status(
            api,
            &format!("file system {id}"),
            &["available"],
            &["error"],
            || {
                Ok(describe_fs(api, &id)?
                    .and_then(|f| f["LifeCycleState"].as_str().map(str::to_string)))
            },
        )?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(f) = describe_fs(api, id)? else {
            return Ok(None);
        };
        if matches!(f["LifeCycleState"].as_str(), Some("deleted" | "deleting")) {
            return Ok(None);
        }
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("arn".into(), f["FileSystemArn"].clone());
        o.insert("creation_token".into(), f["CreationToken"].clone());
        o.insert(
            "encrypted".into(),
            json!(f["Encrypted"].as_bool().unwrap_or(false)),
        );
        o.insert(
            "kms_key_id".into(),
            f.get("KmsKeyId").cloned().unwrap_or(J::Null),
        );
        o.insert("performance_mode".into(), f["PerformanceMode"].clone());
        o.insert("throughput_mode".into(), f["ThroughputMode"].clone());
        o.insert(
            "provisioned_throughput_in_mibps".into(),
            f.get("ProvisionedThroughputInMibps")
                .cloned()
                .filter(|_| f["ThroughputMode"] == json!("provisioned"))
                .unwrap_or(J::Null),
        );
        o.insert(
            "dns_name".into(),
            json!(format!("{id}.efs.{}.amazonaws.com", api.region)),
        );
        o.insert("name".into(), f.get("Name").cloned().unwrap_or(J::Null));
        o.insert(
            "number_of_mount_targets".into(),
            f["NumberOfMountTargets"].clone(),
        );
        o.insert("owner_id".into(), f["OwnerId"].clone());
        api.read_tags(&mut o, tag_list(&f["Tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let throughput = |o: &Obj| {
            (
                s(o, "throughput_mode").map(str::to_string),
                o.get("provisioned_throughput_in_mibps").cloned(),
            )
        };
        if throughput(prior) != throughput(p) {
            let mut body = json!({"ThroughputMode": s(p, "throughput_mode").unwrap_or("bursting")});
            if let Some(mibps) = p
                .get("provisioned_throughput_in_mibps")
                .filter(|v| !v.is_null())
            {
                body["ProvisionedThroughputInMibps"] = mibps.clone();
            }
            api.rest(
                "efs",
                "PUT",
                &format!("{API}/file-systems/{id}"),
                Some(body),
            )?;
        }
        retag(
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
            |gone| {
                let keys: Vec<(&str, &str)> =
                    gone.iter().map(|k| ("tagKeys", k.as_str())).collect();
                api.rest_query("efs", "DELETE", &format!("{API}/resource-tags/{id}"), &keys)
                    .map(drop)
            },
            |set| {
                api.rest(
                    "efs",
                    "POST",
                    &format!("{API}/resource-tags/{id}"),
                    Some(json!({"Tags": key_values(set)})),
                )
                .map(drop)
            },
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        if api
            .rest("efs", "DELETE", &format!("{API}/file-systems/{id}"), None)?
            .is_none()
        {
            return Ok(());
        }
        wait_status(
            api,
            &format!("deleting file system {id}"),
            &["(gone)", "deleted"],
            &[],
            || {
                Ok(describe_fs(api, id)?
                    .and_then(|f| f["LifeCycleState"].as_str().map(str::to_string)))
            },
        )
    }
}

// ---- aws_efs_mount_target -----------------------------------------------------------

struct MountTarget;

fn describe_mt(api: &Api, id: &str) -> ProviderResult<Option<J>> {
    let found = api.rest_query(
        "efs",
        "GET",
        &format!("{API}/mount-targets"),
        &[("MountTargetId", id)],
    )?;
    Ok(found.and_then(|j| j["MountTargets"].as_array()?.first().cloned()))
}

impl Resource for MountTarget {
    fn type_name(&self) -> &'static str {
        "aws_efs_mount_target"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("file_system_id", required(Type::String).force_new()),
            ("subnet_id", required(Type::String).force_new()),
            ("ip_address", defaulted(Type::String).force_new()),
            ("security_groups", defaulted(Type::set(Type::String))),
            ("dns_name", computed(Type::String)),
            ("mount_target_dns_name", computed(Type::String)),
            ("file_system_arn", computed(Type::String)),
            ("network_interface_id", computed(Type::String)),
            ("availability_zone_name", computed(Type::String)),
            ("availability_zone_id", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let mut body = json!({
            "FileSystemId": api::req(p, "file_system_id")?,
            "SubnetId": api::req(p, "subnet_id")?,
        });
        if let Some(ip) = s(p, "ip_address") {
            body["IpAddress"] = json!(ip);
        }
        let groups = strings(p, "security_groups");
        if !groups.is_empty() {
            body["SecurityGroups"] = json!(groups);
        }
        let made = need(
            api.rest("efs", "POST", &format!("{API}/mount-targets"), Some(body))?,
            "EFS CreateMountTarget",
        )?;
        let id = made["MountTargetId"]
            .as_str()
            .ok_or_else(|| {
                ProviderError::failed("EFS CreateMountTarget", "no MountTargetId in the answer")
            })?
            .to_string();
        wait_status(
            api,
            &format!("mount target {id}"),
            &["available"],
            &["error"],
            || {
                Ok(describe_mt(api, &id)?
                    .and_then(|m| m["LifeCycleState"].as_str().map(str::to_string)))
            },
        )?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(m) = describe_mt(api, id)? else {
            return Ok(None);
        };
        if matches!(m["LifeCycleState"].as_str(), Some("deleted" | "deleting")) {
            return Ok(None);
        }
        let groups = api
            .rest(
                "efs",
                "GET",
                &format!("{API}/mount-targets/{id}/security-groups"),
                None,
            )?
            .map(|g| g["SecurityGroups"].clone())
            .unwrap_or(J::Null);
        let fs = m["FileSystemId"].as_str().unwrap_or_default().to_string();
        let zone = m["AvailabilityZoneName"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("file_system_id".into(), json!(fs));
        o.insert("subnet_id".into(), m["SubnetId"].clone());
        o.insert("ip_address".into(), m["IpAddress"].clone());
        o.insert("security_groups".into(), groups);
        o.insert(
            "network_interface_id".into(),
            m["NetworkInterfaceId"].clone(),
        );
        o.insert("availability_zone_name".into(), json!(zone));
        o.insert(
            "availability_zone_id".into(),
            m.get("AvailabilityZoneId").cloned().unwrap_or(J::Null),
        );
        o.insert("owner_id".into(), m["OwnerId"].clone());
        o.insert(
            "dns_name".into(),
            json!(format!("{fs}.efs.{}.amazonaws.com", api.region)),
        );
        o.insert(
            "mount_target_dns_name".into(),
            json!(format!("{zone}.{fs}.efs.{}.amazonaws.com", api.region)),
        );
        o.insert(
            "file_system_arn".into(),
            json!(format!(
                "arn:aws:elasticfilesystem:{}:{}:file-system/{fs}",
                api.region,
                m["OwnerId"].as_str().unwrap_or_default()
            )),
        );
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        api.rest(
            "efs",
            "PUT",
            &format!("{API}/mount-targets/{id}/security-groups"),
            Some(json!({"SecurityGroups": strings(p, "security_groups")})),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        if api
            .rest("efs", "DELETE", &format!("{API}/mount-targets/{id}"), None)?
            .is_none()
        {
            return Ok(());
        }
        wait_status(
            api,
            &format!("deleting mount target {id}"),
            &["(gone)", "deleted"],
            &[],
            || {
                Ok(describe_mt(api, id)?
                    .and_then(|m| m["LifeCycleState"].as_str().map(str::to_string)))
            },
        )
    }
}
