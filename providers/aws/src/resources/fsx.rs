//! FSx for Lustre (`aws_fsx_lustre_file_system`): the parallel file
//! system training jobs read their data from, linked to an S3 bucket by
//! `import_path`/`export_path`. Created and deleted with a wait for the
//! file system to become available or gone; its storage grows in place.

use super::{computed, defaulted, optional, required, string_set, strings as strings_type, tagged};
use super::{sorted, wait_status};
use crate::api::{self, n, s, strings, tags, Api, Obj};
use crate::Resource;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::sync::Arc;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(LustreFileSystem)]
}

const GONE: &[&str] = &["FileSystemNotFound"];

fn fsx(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json11("fsx", &format!("AWSSimbaAPIService_v20180301.{op}"), body)
}

/// The file system as FSx describes it, or `None` when it is gone.
fn describe(api: &Api, id: &str) -> ProviderResult<Option<J>> {
    match fsx(api, "DescribeFileSystems", json!({"FileSystemIds": [id]})) {
        Ok(j) => Ok(j["FileSystems"].as_array().and_then(|a| a.first()).cloned()),
        Err(e) if e.has_code(GONE) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The file system's lifecycle (an answer without one is available).
fn lifecycle(api: &Api, id: &str) -> ProviderResult<Option<String>> {
    Ok(describe(api, id)?.map(|f| f["Lifecycle"].as_str().unwrap_or("AVAILABLE").to_string()))
}

fn tag_list(tags: &BTreeMap<String, String>) -> J {
    J::Array(
        tags.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

struct LustreFileSystem;

impl Resource for LustreFileSystem {
    fn type_name(&self) -> &'static str {
        "aws_fsx_lustre_file_system"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("storage_capacity", required(Type::Number)),
            ("subnet_ids", required(strings_type()).force_new()),
            ("security_group_ids", optional(string_set()).force_new()),
            ("deployment_type", defaulted(Type::String).force_new()),
            (
                "per_unit_storage_throughput",
                optional(Type::Number).force_new(),
            ),
            ("storage_type", defaulted(Type::String).force_new()),
            ("import_path", optional(Type::String).force_new()),
            ("export_path", defaulted(Type::String).force_new()),
            ("kms_key_id", defaulted(Type::String).force_new()),
            ("data_compression_type", optional(Type::String)),
            ("arn", computed(Type::String)),
            ("dns_name", computed(Type::String)),
            ("mount_name", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let mut lustre = serde_json::Map::new();
        for (arg, key) in [
            ("deployment_type", "DeploymentType"),
            ("import_path", "ImportPath"),
            ("export_path", "ExportPath"),
            ("data_compression_type", "DataCompressionType"),
        ] {
            if let Some(v) = s(p, arg) {
                lustre.insert(key.into(), json!(v));
            }
        }
        if let Some(t) = n(p, "per_unit_storage_throughput") {
            lustre.insert("PerUnitStorageThroughput".into(), json!(t));
        }
        let mut body = json!({
            "FileSystemType": "LUSTRE",
            "StorageCapacity": n(p, "storage_capacity"),
            "SubnetIds": strings(p, "subnet_ids"),
            "SecurityGroupIds": strings(p, "security_group_ids"),
            "LustreConfiguration": lustre,
            "Tags": tag_list(&api.tags_all(&tags(p, "tags"))),
        });
        for (arg, key) in [("storage_type", "StorageType"), ("kms_key_id", "KmsKeyId")] {
            if let Some(v) = s(p, arg) {
                body[key] = json!(v);
            }
        }
        let made = fsx(api, "CreateFileSystem", body)?;
        let id = made["FileSystem"]["FileSystemId"]
            .as_str()
            .ok_or_else(|| {
                ProviderError::failed("FSx CreateFileSystem", "no FileSystemId in the answer")
            })?
            .to_string();
        wait_status(
            api,
            &format!("file system {id}"),
            &["AVAILABLE"],
            &["FAILED", "MISCONFIGURED"],
            || lifecycle(api, &id),
        )?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(f) = describe(api, id)? else {
            return Ok(None);
        };
        if matches!(f["Lifecycle"].as_str(), Some("DELETING")) {
            return Ok(None);
        }
        let lustre = &f["LustreConfiguration"];
        // The data repository's paths: under DataRepositoryConfiguration
        // in FSx's answer (moto answers them as they were given).
        let repository = |key: &str| {
            lustre["DataRepositoryConfiguration"][key]
                .as_str()
                .or(lustre[key].as_str())
                .map(str::to_string)
        };
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("storage_capacity".into(), f["StorageCapacity"].clone());
        o.insert("subnet_ids".into(), f["SubnetIds"].clone());
        let groups = sorted(&f["SecurityGroupIds"]);
        o.insert(
            "security_group_ids".into(),
            if groups.is_empty() && prior.get("security_group_ids").is_none_or(J::is_null) {
                J::Null
            } else {
                json!(groups)
            },
        );
        o.insert(
            "deployment_type".into(),
            json!(lustre["DeploymentType"].as_str().unwrap_or("SCRATCH_1")),
        );
        o.insert(
            "per_unit_storage_throughput".into(),
            lustre["PerUnitStorageThroughput"].clone(),
        );
        o.insert(
            "storage_type".into(),
            json!(f["StorageType"].as_str().unwrap_or("SSD")),
        );
        o.insert("import_path".into(), json!(repository("ImportPath")));
        o.insert("export_path".into(), json!(repository("ExportPath")));
        o.insert("kms_key_id".into(), f["KmsKeyId"].clone());
        o.insert(
            "data_compression_type".into(),
            prior
                .get("data_compression_type")
                .filter(|_| lustre["DataCompressionType"].is_null())
                .cloned()
                .unwrap_or_else(|| lustre["DataCompressionType"].clone()),
        );
        let arn = f["ResourceARN"].as_str().unwrap_or_default().to_string();
        o.insert("arn".into(), json!(arn));
        o.insert("dns_name".into(), f["DNSName"].clone());
        o.insert("mount_name".into(), lustre["MountName"].clone());
        o.insert(
            "owner_id".into(),
            json!(arn.split(':').nth(4).unwrap_or_default()),
        );
        let found: BTreeMap<String, String> = f["Tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| Some((t["Key"].as_str()?.into(), t["Value"].as_str()?.into())))
            .collect();
        api.read_tags(&mut o, found, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut change = serde_json::Map::new();
        if n(prior, "storage_capacity") != n(p, "storage_capacity") {
            change.insert("StorageCapacity".into(), json!(n(p, "storage_capacity")));
        }
        if s(prior, "data_compression_type") != s(p, "data_compression_type") {
            change.insert(
                "LustreConfiguration".into(),
                json!({"DataCompressionType": s(p, "data_compression_type").unwrap_or("NONE")}),
            );
        }
        if !change.is_empty() {
            change.insert("FileSystemId".into(), json!(id));
            fsx(api, "UpdateFileSystem", J::Object(change))?;
        }
        let arn = api::req(prior, "arn")?;
        let old = tags(prior, "tags_all");
        let new = api.tags_all(&tags(p, "tags"));
        let gone: Vec<&String> = old.keys().filter(|k| !new.contains_key(*k)).collect();
        if !gone.is_empty() {
            fsx(
                api,
                "UntagResource",
                json!({"ResourceARN": arn, "TagKeys": gone}),
            )?;
        }
        if new != old && !new.is_empty() {
            fsx(
                api,
                "TagResource",
                json!({"ResourceARN": arn, "Tags": tag_list(&new)}),
            )?;
        }
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        match fsx(api, "DeleteFileSystem", json!({"FileSystemId": id})) {
            Ok(_) => {}
            Err(e) if e.has_code(GONE) => return Ok(()),
            Err(e) => return Err(e),
        }
        wait_status(
            api,
            &format!("file system {id}"),
            &["(gone)"],
            &["FAILED"],
            || lifecycle(api, id),
        )
    }
}
