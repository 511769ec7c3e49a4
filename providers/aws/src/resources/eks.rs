//! EKS: clusters and their (GPU) node groups.

use super::rest_retag;
use super::{
    block, computed, defaulted, optional, required, sorted, string_map, string_set, tagged,
    wait_status,
};
use crate::api::{self, b, blocks, s, strings, tags, Api, Obj};
use crate::tags::{json_tags, removed};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(EksCluster), Arc::new(EksNodeGroup)]
}

// ---- aws_eks_cluster ---------------------------------------------------------------

struct EksCluster;

fn eks_cluster(api: &Api, name: &str) -> ProviderResult<Option<J>> {
    Ok(api
        .rest("eks", "GET", &format!("/clusters/{name}"), None)?
        .map(|j| j["cluster"].clone()))
}

impl Resource for EksCluster {
    fn type_name(&self) -> &'static str {
        "aws_eks_cluster"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", required(Type::String).force_new()),
            ("role_arn", required(Type::String).force_new()),
            ("version", defaulted(Type::String)),
            ("arn", computed(Type::String)),
            ("endpoint", computed(Type::String)),
            ("status", computed(Type::String)),
            ("platform_version", computed(Type::String)),
            ("certificate_authority_data", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "vpc_config",
            Nesting::List,
            Schema::new([
                ("subnet_ids", required(string_set())),
                ("security_group_ids", optional(string_set())),
                ("endpoint_private_access", optional(Type::Bool)),
                ("endpoint_public_access", optional(Type::Bool)),
            ]),
            Some(1),
        );
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["vpc_config"]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let vpc = blocks(p, "vpc_config")
            .first()
            .cloned()
            .cloned()
            .unwrap_or_default();
        let mut body = json!({
            "name": name,
            "roleArn": api::req(p, "role_arn")?,
            "resourcesVpcConfig": {
                "subnetIds": strings(&vpc, "subnet_ids"),
                "securityGroupIds": strings(&vpc, "security_group_ids"),
            },
            "tags": api.tags_all(&tags(p, "tags")),
        });
        if let Some(v) = s(p, "version") {
            body["version"] = json!(v);
        }
        for (k, x) in [
            ("endpoint_private_access", "endpointPrivateAccess"),
            ("endpoint_public_access", "endpointPublicAccess"),
        ] {
            if let Some(v) = b(&vpc, k) {
                body["resourcesVpcConfig"][x] = json!(v);
            }
        }
        api.rest("eks", "POST", "/clusters", Some(body))?;
        wait_status(
            api,
            &format!("EKS cluster {name}"),
            &["ACTIVE"],
            &["FAILED"],
            || Ok(eks_cluster(api, name)?.and_then(|c| c["status"].as_str().map(str::to_string))),
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(c) = eks_cluster(api, id)? else {
            return Ok(None);
        };
        if c["status"] == "DELETING" {
            return Ok(None);
        }
        let vpc = &c["resourcesVpcConfig"];
        let list = |j: &J| json!(sorted(j));
        let found_vpc = json!([{
            "subnet_ids": list(&vpc["subnetIds"]),
            "security_group_ids": list(&vpc["securityGroupIds"]),
            "endpoint_private_access": vpc["endpointPrivateAccess"],
            "endpoint_public_access": vpc["endpointPublicAccess"],
        }]);
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("role_arn".into(), c["roleArn"].clone());
        o.insert("version".into(), c["version"].clone());
        o.insert("arn".into(), c["arn"].clone());
        o.insert(
            "endpoint".into(),
            json!(c["endpoint"].as_str().unwrap_or_default()),
        );
        o.insert("status".into(), c["status"].clone());
        o.insert(
            "platform_version".into(),
            json!(c["platformVersion"].as_str().unwrap_or_default()),
        );
        o.insert(
            "certificate_authority_data".into(),
            json!(c["certificateAuthority"]["data"]
                .as_str()
                .unwrap_or_default()),
        );
        o.insert(
            "vpc_config".into(),
            api::prefer_prior(prior.get("vpc_config"), found_vpc),
        );
        api.read_tags(&mut o, json_tags(&c["tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if let Some(v) = s(p, "version") {
            if s(prior, "version") != Some(v) {
                api.rest(
                    "eks",
                    "POST",
                    &format!("/clusters/{id}/updates"),
                    Some(json!({"version": v})),
                )?;
                wait_status(
                    api,
                    &format!("EKS cluster {id} update"),
                    &["ACTIVE"],
                    &["FAILED"],
                    || {
                        Ok(eks_cluster(api, id)?
                            .and_then(|c| c["status"].as_str().map(str::to_string)))
                    },
                )?;
            }
        }
        rest_retag(api, "eks", "", prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        if api
            .rest("eks", "DELETE", &format!("/clusters/{id}"), None)?
            .is_none()
        {
            return Ok(());
        }
        wait_status(
            api,
            &format!("EKS cluster {id} deletion"),
            &["(gone)"],
            &["FAILED"],
            || Ok(eks_cluster(api, id)?.and_then(|c| c["status"].as_str().map(str::to_string))),
        )
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

// ---- aws_eks_node_group ------------------------------------------------------------

struct EksNodeGroup;

fn node_group(api: &Api, id: &str) -> ProviderResult<Option<J>> {
    let (cluster, group) = id.split_once(':').ok_or_else(|| {
        ProviderError::failed("Invalid id", format!("{id:?} is not CLUSTER:NODE_GROUP"))
    })?;
    Ok(api
        .rest(
            "eks",
            "GET",
            &format!("/clusters/{cluster}/node-groups/{group}"),
            None,
        )?
        .map(|j| j["nodegroup"].clone()))
}

fn taints_json(p: &Obj) -> Vec<J> {
    blocks(p, "taint")
        .iter()
        .map(|t| json!({"key": s(t, "key"), "value": s(t, "value"), "effect": s(t, "effect")}))
        .collect()
}

impl Resource for EksNodeGroup {
    fn type_name(&self) -> &'static str {
        "aws_eks_node_group"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("cluster_name", required(Type::String).force_new()),
            ("node_group_name", required(Type::String).force_new()),
            ("node_role_arn", required(Type::String).force_new()),
            ("subnet_ids", required(string_set()).force_new()),
            ("instance_types", defaulted(super::strings()).force_new()),
            ("ami_type", defaulted(Type::String).force_new()),
            ("capacity_type", defaulted(Type::String).force_new()),
            ("disk_size", defaulted(Type::Number).force_new()),
            ("labels", optional(string_map())),
            ("arn", computed(Type::String)),
            ("status", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "scaling_config",
            Nesting::List,
            Schema::new([
                ("desired_size", required(Type::Number)),
                ("min_size", required(Type::Number)),
                ("max_size", required(Type::Number)),
            ]),
            Some(1),
        );
        block(
            &mut schema,
            "taint",
            Nesting::Set,
            Schema::new([
                ("key", required(Type::String)),
                ("value", optional(Type::String)),
                ("effect", required(Type::String)),
            ]),
            None,
        );
        schema
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"capacity_type": "ON_DEMAND"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let cluster = api::req(p, "cluster_name")?;
        let name = api::req(p, "node_group_name")?;
        let scaling = blocks(p, "scaling_config")
            .first()
            .cloned()
            .cloned()
            .unwrap_or_default();
        let mut body = json!({
            "nodegroupName": name,
            "nodeRole": api::req(p, "node_role_arn")?,
            "subnets": strings(p, "subnet_ids"),
            "scalingConfig": {
                "minSize": api::n(&scaling, "min_size"),
                "maxSize": api::n(&scaling, "max_size"),
                "desiredSize": api::n(&scaling, "desired_size"),
            },
            "labels": tags(p, "labels"),
            "taints": taints_json(p),
            "tags": api.tags_all(&tags(p, "tags")),
        });
        for (k, x) in [("ami_type", "amiType"), ("capacity_type", "capacityType")] {
            if let Some(v) = s(p, k) {
                body[x] = json!(v);
            }
        }
        if !strings(p, "instance_types").is_empty() {
            body["instanceTypes"] = json!(strings(p, "instance_types"));
        }
        if let Some(d) = api::n(p, "disk_size") {
            body["diskSize"] = json!(d);
        }
        api.rest(
            "eks",
            "POST",
            &format!("/clusters/{cluster}/node-groups"),
            Some(body),
        )?;
        let id = format!("{cluster}:{name}");
        wait_status(
            api,
            &format!("EKS node group {id}"),
            &["ACTIVE"],
            &["CREATE_FAILED", "DEGRADED"],
            || Ok(node_group(api, &id)?.and_then(|g| g["status"].as_str().map(str::to_string))),
        )?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(g) = node_group(api, id)? else {
            return Ok(None);
        };
        if g["status"] == "DELETING" {
            return Ok(None);
        }
        let scaling = &g["scalingConfig"];
        let subnets = sorted(&g["subnets"]);
        let taints: Vec<J> = g["taints"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| json!({"key": t["key"], "value": t["value"], "effect": t["effect"]}))
                    .collect()
            })
            .unwrap_or_default();
        let labels = json_tags(&g["labels"]);
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("cluster_name".into(), g["clusterName"].clone());
        o.insert("node_group_name".into(), g["nodegroupName"].clone());
        o.insert("node_role_arn".into(), g["nodeRole"].clone());
        o.insert("subnet_ids".into(), json!(subnets));
        o.insert("instance_types".into(), g["instanceTypes"].clone());
        o.insert("ami_type".into(), g["amiType"].clone());
        o.insert("capacity_type".into(), g["capacityType"].clone());
        o.insert("disk_size".into(), g["diskSize"].clone());
        o.insert(
            "labels".into(),
            if labels.is_empty() && prior.get("labels").is_none_or(J::is_null) {
                J::Null
            } else {
                api::map_json(&labels)
            },
        );
        o.insert("arn".into(), g["nodegroupArn"].clone());
        o.insert("status".into(), g["status"].clone());
        o.insert(
            "scaling_config".into(),
            json!([{"desired_size": scaling["desiredSize"], "min_size": scaling["minSize"], "max_size": scaling["maxSize"]}]),
        );
        o.insert(
            "taint".into(),
            api::prefer_prior(prior.get("taint"), J::Array(taints)),
        );
        api.read_tags(&mut o, json_tags(&g["tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let (cluster, group) = id.split_once(':').unwrap_or((id, id));
        let mut body = json!({});
        if prior.get("scaling_config") != p.get("scaling_config") {
            let scaling = blocks(p, "scaling_config")
                .first()
                .cloned()
                .cloned()
                .unwrap_or_default();
            body["scalingConfig"] = json!({
                "minSize": api::n(&scaling, "min_size"),
                "maxSize": api::n(&scaling, "max_size"),
                "desiredSize": api::n(&scaling, "desired_size"),
            });
        }
        let (old, new) = (tags(prior, "labels"), tags(p, "labels"));
        if old != new {
            body["labels"] = json!({"addOrUpdateLabels": new, "removeLabels": removed(&old, &new)});
        }
        if prior.get("taint") != p.get("taint") {
            let new_taints = taints_json(p);
            let old_taints: Vec<J> = taints_json(prior)
                .into_iter()
                .filter(|t| !new_taints.iter().any(|n| n["key"] == t["key"]))
                .collect();
            body["taints"] = json!({"addOrUpdateTaints": new_taints, "removeTaints": old_taints});
        }
        if body.as_object().is_some_and(|m| !m.is_empty()) {
            api.rest(
                "eks",
                "POST",
                &format!("/clusters/{cluster}/node-groups/{group}/update-config"),
                Some(body),
            )?;
            wait_status(
                api,
                &format!("EKS node group {id} update"),
                &["ACTIVE"],
                &["DEGRADED"],
                || Ok(node_group(api, id)?.and_then(|g| g["status"].as_str().map(str::to_string))),
            )?;
        }
        rest_retag(api, "eks", "", prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        let (cluster, group) = id.split_once(':').unwrap_or((id, id));
        if api
            .rest(
                "eks",
                "DELETE",
                &format!("/clusters/{cluster}/node-groups/{group}"),
                None,
            )?
            .is_none()
        {
            return Ok(());
        }
        wait_status(
            api,
            &format!("EKS node group {id} deletion"),
            &["(gone)"],
            &["DELETE_FAILED"],
            || Ok(node_group(api, id)?.and_then(|g| g["status"].as_str().map(str::to_string))),
        )
    }

    fn token(&self, planned: &Obj) -> Option<String> {
        Some(format!(
            "{}:{}",
            s(planned, "cluster_name")?,
            s(planned, "node_group_name")?
        ))
    }

    fn find(&self, api: &Api, token: &str, _planned: &Obj) -> ProviderResult<Option<String>> {
        Ok(node_group(api, token)?.map(|_| token.to_string()))
    }
}
