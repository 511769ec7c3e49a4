//! Clusters and ML services: EKS clusters and GPU node groups, EMR
//! clusters for Spark and Hadoop, SageMaker models, endpoint
//! configurations and endpoints, Batch compute environments and job
//! queues.

use super::{block, computed, defaulted, optional, required, string_map, string_set, tagged};
use crate::api::{self, b, blocks, s, strings, tags, Api, Obj};
use crate::Resource;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(EksCluster),
        Arc::new(EksNodeGroup),
        Arc::new(EmrCluster),
        Arc::new(SageMakerModel),
        Arc::new(SageMakerEndpointConfig),
        Arc::new(SageMakerEndpoint),
        Arc::new(BatchComputeEnvironment),
        Arc::new(BatchJobQueue),
        Arc::new(MskCluster),
    ]
}

/// Waits (up to 60 minutes, as Terraform's default timeouts for clusters)
/// until `status` returns one of `wanted` ("(gone)": no object); a status
/// in `failed` ends it.
fn wait_status(
    api: &Api,
    what: &str,
    wanted: &[&str],
    failed: &[&str],
    mut status: impl FnMut() -> ProviderResult<Option<String>>,
) -> ProviderResult<()> {
    super::poll(api, what, Duration::from_secs(3600), || {
        let now = status()?;
        match now.as_deref() {
            Some(s) if wanted.contains(&s) => Ok(true),
            None => Ok(wanted.contains(&"(gone)")),
            Some(s) if failed.contains(&s) => Err(ProviderError::failed(
                format!("{what} failed"),
                format!("its status became {s}"),
            )),
            _ => Ok(false),
        }
    })
}

/// A JSON list of strings, sorted (AWS answers sets in any order).
fn sorted(j: &J) -> Vec<String> {
    let mut v: Vec<String> = j
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn json_tags(j: &J) -> BTreeMap<String, String> {
    j.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn tag_list(j: &J) -> BTreeMap<String, String> {
    j.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some((
                        t["Key"].as_str()?.to_string(),
                        t["Value"].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn key_values(tags: &BTreeMap<String, String>) -> J {
    J::Array(
        tags.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

fn removed(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<String> {
    old.keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect()
}

/// Moves an object's tags from the prior object's to the planned
/// configuration's through REST `/tags/{arn}` (EKS, Batch).
fn rest_retag(
    api: &Api,
    service: &str,
    prefix: &str,
    prior: &Obj,
    planned: &Obj,
) -> ProviderResult<()> {
    let arn = api::req(prior, "arn")?;
    let (old, new) = (
        tags(prior, "tags_all"),
        api.tags_all(&tags(planned, "tags")),
    );
    let gone = removed(&old, &new);
    let path = format!("{prefix}/tags/{arn}");
    if !gone.is_empty() {
        let mut request = strata_aws_client::Request::new(service, "DELETE", path.clone());
        for k in &gone {
            request = request.query("tagKeys", k.clone());
        }
        api.send(&format!("{service} untag"), request)?;
    }
    if old != new && !new.is_empty() {
        api.rest(service, "POST", &path, Some(json!({"tags": new})))?;
    }
    Ok(())
}

/// Batch objects go by being disabled, then deleted; then they are
/// waited out.
fn batch_remove(
    api: &Api,
    what: &str,
    (update, delete, key): (&str, &str, &str),
    id: &str,
    lookup: impl Fn() -> ProviderResult<Option<J>>,
) -> ProviderResult<()> {
    if lookup()?.is_none() {
        return Ok(());
    }
    batch(api, update, json!({key: id, "state": "DISABLED"}))?;
    batch(api, delete, json!({key: id}))?;
    wait_status(
        api,
        &format!("{what} {id} deletion"),
        &["DELETED", "(gone)"],
        &[],
        || Ok(lookup()?.and_then(|c| c["status"].as_str().map(str::to_string))),
    )
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

// ---- aws_emr_cluster ---------------------------------------------------------------

struct EmrCluster;

fn emr(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json11("emr", &format!("ElasticMapReduce.{op}"), body)
}

fn instance_group_schema() -> Schema {
    Schema::new([
        ("instance_type", required(Type::String)),
        ("instance_count", defaulted(Type::Number)),
        ("bid_price", optional(Type::String)),
        ("id", computed(Type::String)),
    ])
}

impl Resource for EmrCluster {
    fn type_name(&self) -> &'static str {
        "aws_emr_cluster"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", required(Type::String).force_new()),
            ("release_label", required(Type::String).force_new()),
            ("applications", optional(string_set()).force_new()),
            ("service_role", required(Type::String).force_new()),
            ("log_uri", optional(Type::String).force_new()),
            (
                "keep_job_flow_alive_when_no_steps",
                defaulted(Type::Bool).force_new(),
            ),
            ("termination_protection", defaulted(Type::Bool)),
            ("arn", computed(Type::String)),
            ("cluster_state", computed(Type::String)),
            ("master_public_dns", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "ec2_attributes",
            Nesting::List,
            Schema::new([
                ("subnet_id", optional(Type::String)),
                ("instance_profile", required(Type::String)),
                ("key_name", optional(Type::String)),
                ("emr_managed_master_security_group", optional(Type::String)),
                ("emr_managed_slave_security_group", optional(Type::String)),
            ]),
            Some(1),
        );
        block(
            &mut schema,
            "master_instance_group",
            Nesting::List,
            instance_group_schema(),
            Some(1),
        );
        block(
            &mut schema,
            "core_instance_group",
            Nesting::List,
            instance_group_schema(),
            Some(1),
        );
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["ec2_attributes", "master_instance_group"]
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"keep_job_flow_alive_when_no_steps": true, "termination_protection": false})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let ec2 = blocks(p, "ec2_attributes")
            .first()
            .cloned()
            .cloned()
            .unwrap_or_default();
        let mut groups = Vec::new();
        for (block_name, role) in [
            ("master_instance_group", "MASTER"),
            ("core_instance_group", "CORE"),
        ] {
            if let Some(g) = blocks(p, block_name).first() {
                let mut group = json!({
                    "Name": format!("{}-{}", role.to_ascii_lowercase(), s(p, "name").unwrap_or("emr")),
                    "InstanceRole": role,
                    "InstanceType": s(g, "instance_type"),
                    "InstanceCount": api::n(g, "instance_count").unwrap_or(1),
                    "Market": if s(g, "bid_price").is_some() { "SPOT" } else { "ON_DEMAND" },
                });
                if let Some(bid) = s(g, "bid_price") {
                    group["BidPrice"] = json!(bid);
                }
                groups.push(group);
            }
        }
        let mut instances = json!({
            "InstanceGroups": groups,
            "KeepJobFlowAliveWhenNoSteps": b(p, "keep_job_flow_alive_when_no_steps").unwrap_or(true),
            "TerminationProtected": b(p, "termination_protection").unwrap_or(false),
        });
        for (k, x) in [
            ("subnet_id", "Ec2SubnetId"),
            ("key_name", "Ec2KeyName"),
            (
                "emr_managed_master_security_group",
                "EmrManagedMasterSecurityGroup",
            ),
            (
                "emr_managed_slave_security_group",
                "EmrManagedSlaveSecurityGroup",
            ),
        ] {
            if let Some(v) = s(&ec2, k) {
                instances[x] = json!(v);
            }
        }
        let mut body = json!({
            "Name": api::req(p, "name")?,
            "ReleaseLabel": api::req(p, "release_label")?,
            "Applications": strings(p, "applications").iter().map(|a| json!({"Name": a})).collect::<Vec<_>>(),
            "ServiceRole": api::req(p, "service_role")?,
            "JobFlowRole": s(&ec2, "instance_profile"),
            "Instances": instances,
            "Tags": key_values(&api.tags_all(&tags(p, "tags"))),
            "VisibleToAllUsers": true,
        });
        if let Some(l) = s(p, "log_uri") {
            body["LogUri"] = json!(l);
        }
        let answer = emr(api, "RunJobFlow", body)?;
        let id = answer["JobFlowId"]
            .as_str()
            .ok_or_else(|| ProviderError::failed("RunJobFlow", "no JobFlowId"))?
            .to_string();
        wait_status(
            api,
            &format!("EMR cluster {id}"),
            &["WAITING", "RUNNING"],
            &["TERMINATED_WITH_ERRORS", "TERMINATED"],
            || {
                Ok(
                    emr(api, "DescribeCluster", json!({"ClusterId": id}))?["Cluster"]["Status"]
                        ["State"]
                        .as_str()
                        .map(str::to_string),
                )
            },
        )?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let c = match emr(api, "DescribeCluster", json!({"ClusterId": id})) {
            Ok(c) => c["Cluster"].clone(),
            Err(e) if e.has_code(&["InvalidRequestException"]) => return Ok(None),
            Err(e) => return Err(e),
        };
        let state = c["Status"]["State"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if state.starts_with("TERMINAT") {
            return Ok(None);
        }
        let groups = emr(api, "ListInstanceGroups", json!({"ClusterId": id}))?;
        let group = |role: &str| -> J {
            groups["InstanceGroups"]
                .as_array()
                .and_then(|a| a.iter().find(|g| g["InstanceGroupType"] == role))
                .map(|g| {
                    json!([{
                        "instance_type": g["InstanceType"],
                        "instance_count": g["RequestedInstanceCount"],
                        "bid_price": g["BidPrice"],
                        "id": g["Id"],
                    }])
                })
                .unwrap_or(json!([]))
        };
        let ec2 = &c["Ec2InstanceAttributes"];
        let found_ec2 = json!([{
            "subnet_id": ec2["Ec2SubnetId"],
            "instance_profile": ec2["IamInstanceProfile"],
            "key_name": ec2["Ec2KeyName"],
            "emr_managed_master_security_group": ec2["EmrManagedMasterSecurityGroup"],
            "emr_managed_slave_security_group": ec2["EmrManagedSlaveSecurityGroup"],
        }]);
        let mut apps: Vec<String> = c["Applications"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["Name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        apps.sort();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), c["Name"].clone());
        o.insert("release_label".into(), c["ReleaseLabel"].clone());
        o.insert(
            "applications".into(),
            prefer_case(prior.get("applications"), apps),
        );
        o.insert("service_role".into(), c["ServiceRole"].clone());
        o.insert(
            "log_uri".into(),
            prior.get("log_uri").cloned().unwrap_or(J::Null),
        );
        o.insert(
            "keep_job_flow_alive_when_no_steps".into(),
            json!(c["AutoTerminate"].as_bool().map(|a| !a).unwrap_or(true)),
        );
        o.insert(
            "termination_protection".into(),
            json!(c["TerminationProtected"].as_bool().unwrap_or(false)),
        );
        o.insert("arn".into(), c["ClusterArn"].clone());
        o.insert("cluster_state".into(), json!(state));
        o.insert(
            "master_public_dns".into(),
            json!(c["MasterPublicDnsName"].as_str().unwrap_or_default()),
        );
        o.insert(
            "ec2_attributes".into(),
            api::prefer_prior(prior.get("ec2_attributes"), found_ec2),
        );
        o.insert(
            "master_instance_group".into(),
            api::prefer_prior(prior.get("master_instance_group"), group("MASTER")),
        );
        o.insert(
            "core_instance_group".into(),
            api::prefer_prior(prior.get("core_instance_group"), group("CORE")),
        );
        api.read_tags(&mut o, tag_list(&c["Tags"]), prior);
        Ok(Some(o))
    }

    fn update_unknowns(&self) -> &'static [&'static str] {
        &[]
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let count = |o: &Obj| {
            blocks(o, "core_instance_group")
                .first()
                .and_then(|g| api::n(g, "instance_count"))
        };
        if count(prior) != count(p) {
            let groups = emr(api, "ListInstanceGroups", json!({"ClusterId": id}))?;
            if let Some(core) = groups["InstanceGroups"]
                .as_array()
                .and_then(|a| a.iter().find(|g| g["InstanceGroupType"] == "CORE"))
            {
                emr(
                    api,
                    "ModifyInstanceGroups",
                    json!({"ClusterId": id, "InstanceGroups": [{"InstanceGroupId": core["Id"], "InstanceCount": count(p)}]}),
                )?;
            }
        }
        if b(prior, "termination_protection") != b(p, "termination_protection") {
            emr(
                api,
                "SetTerminationProtection",
                json!({"JobFlowIds": [id], "TerminationProtected": b(p, "termination_protection").unwrap_or(false)}),
            )?;
        }
        let (old, new) = (tags(prior, "tags_all"), api.tags_all(&tags(p, "tags")));
        let gone = removed(&old, &new);
        if !gone.is_empty() {
            emr(
                api,
                "RemoveTags",
                json!({"ResourceId": id, "TagKeys": gone}),
            )?;
        }
        if old != new && !new.is_empty() {
            emr(
                api,
                "AddTags",
                json!({"ResourceId": id, "Tags": key_values(&new)}),
            )?;
        }
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        emr(api, "TerminateJobFlows", json!({"JobFlowIds": [id]}))?;
        wait_status(
            api,
            &format!("EMR cluster {id} termination"),
            &["TERMINATED", "TERMINATED_WITH_ERRORS", "(gone)"],
            &[],
            || {
                Ok(
                    emr(api, "DescribeCluster", json!({"ClusterId": id}))?["Cluster"]["Status"]
                        ["State"]
                        .as_str()
                        .map(str::to_string),
                )
            },
        )
    }
}

/// Application names as configured when they match regardless of case
/// (EMR reports "Spark" for "spark").
fn prefer_case(prior: Option<&J>, found: Vec<String>) -> J {
    if let Some(J::Array(p)) = prior {
        let mut a: Vec<String> = p
            .iter()
            .filter_map(|x| x.as_str().map(str::to_ascii_lowercase))
            .collect();
        let mut b: Vec<String> = found.iter().map(|x| x.to_ascii_lowercase()).collect();
        a.sort();
        b.sort();
        if a == b {
            return J::Array(p.clone());
        }
    }
    json!(found)
}

// ---- SageMaker ---------------------------------------------------------------------

fn sagemaker(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    api.json11("sagemaker", &format!("SageMaker.{op}"), body)
}

/// SageMaker says "not found" with a ValidationException.
fn sagemaker_maybe(api: &Api, op: &str, body: J) -> ProviderResult<Option<J>> {
    match sagemaker(api, op, body) {
        Ok(j) => Ok(Some(j)),
        Err(e) if e.has_code(&["ResourceNotFound"]) => Ok(None),
        Err(e) if e.has_code(&["ValidationException"]) => {
            let detail = match &e {
                ProviderError::Failed { detail, .. } => detail.to_ascii_lowercase(),
                ProviderError::UnsupportedType(_) => String::new(),
            };
            if detail.contains("could not find") || detail.contains("does not exist") {
                Ok(None)
            } else {
                Err(e)
            }
        }
        Err(e) => Err(e),
    }
}

fn sagemaker_tags(api: &Api, arn: &str) -> ProviderResult<BTreeMap<String, String>> {
    Ok(tag_list(
        &sagemaker(api, "ListTags", json!({"ResourceArn": arn}))?["Tags"],
    ))
}

fn sagemaker_retag(
    api: &Api,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> ProviderResult<()> {
    let gone = removed(old, new);
    if !gone.is_empty() {
        sagemaker(
            api,
            "DeleteTags",
            json!({"ResourceArn": arn, "TagKeys": gone}),
        )?;
    }
    if old != new && !new.is_empty() {
        sagemaker(
            api,
            "AddTags",
            json!({"ResourceArn": arn, "Tags": key_values(new)}),
        )?;
    }
    Ok(())
}

struct SageMakerModel;

impl Resource for SageMakerModel {
    fn type_name(&self) -> &'static str {
        "aws_sagemaker_model"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", required(Type::String).force_new()),
            ("execution_role_arn", required(Type::String).force_new()),
            ("arn", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "primary_container",
            Nesting::List,
            Schema::new([
                ("image", required(Type::String)),
                ("model_data_url", optional(Type::String)),
                ("environment", optional(string_map())),
            ]),
            Some(1),
        );
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["primary_container"]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let c = blocks(p, "primary_container")
            .first()
            .cloned()
            .cloned()
            .unwrap_or_default();
        let mut container = json!({"Image": s(&c, "image")});
        if let Some(url) = s(&c, "model_data_url") {
            container["ModelDataUrl"] = json!(url);
        }
        let env = tags(&c, "environment");
        if !env.is_empty() {
            container["Environment"] = json!(env);
        }
        let mut body = json!({"ModelName": name, "ExecutionRoleArn": api::req(p, "execution_role_arn")?, "PrimaryContainer": container});
        let all = api.tags_all(&tags(p, "tags"));
        if !all.is_empty() {
            body["Tags"] = key_values(&all);
        }
        sagemaker(api, "CreateModel", body)?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(m) = sagemaker_maybe(api, "DescribeModel", json!({"ModelName": id}))? else {
            return Ok(None);
        };
        let c = &m["PrimaryContainer"];
        let env = json_tags(&c["Environment"]);
        let found = json!([{
            "image": c["Image"],
            "model_data_url": c["ModelDataUrl"],
            "environment": if env.is_empty() { J::Null } else { api::map_json(&env) },
        }]);
        let arn = m["ModelArn"].as_str().unwrap_or_default().to_string();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("execution_role_arn".into(), m["ExecutionRoleArn"].clone());
        o.insert("arn".into(), json!(arn));
        o.insert(
            "primary_container".into(),
            api::prefer_prior(prior.get("primary_container"), found),
        );
        api.read_tags(&mut o, sagemaker_tags(api, &arn)?, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        sagemaker_retag(
            api,
            api::req(prior, "arn")?,
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        sagemaker_maybe(api, "DeleteModel", json!({"ModelName": id})).map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

struct SageMakerEndpointConfig;

impl Resource for SageMakerEndpointConfig {
    fn type_name(&self) -> &'static str {
        "aws_sagemaker_endpoint_configuration"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", required(Type::String).force_new()),
            ("arn", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "production_variants",
            Nesting::List,
            Schema::new([
                ("variant_name", required(Type::String)),
                ("model_name", required(Type::String)),
                ("initial_instance_count", required(Type::Number)),
                ("instance_type", required(Type::String)),
                ("initial_variant_weight", defaulted(Type::Number)),
            ]),
            None,
        );
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["production_variants"]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let variants: Vec<J> = blocks(p, "production_variants")
            .iter()
            .map(|v| {
                json!({
                    "VariantName": s(v, "variant_name"),
                    "ModelName": s(v, "model_name"),
                    "InitialInstanceCount": api::n(v, "initial_instance_count"),
                    "InstanceType": s(v, "instance_type"),
                    "InitialVariantWeight": v.get("initial_variant_weight").filter(|w| !w.is_null()).cloned().unwrap_or(json!(1.0)),
                })
            })
            .collect();
        let mut body = json!({"EndpointConfigName": name, "ProductionVariants": variants});
        let all = api.tags_all(&tags(p, "tags"));
        if !all.is_empty() {
            body["Tags"] = key_values(&all);
        }
        sagemaker(api, "CreateEndpointConfig", body)?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(c) = sagemaker_maybe(
            api,
            "DescribeEndpointConfig",
            json!({"EndpointConfigName": id}),
        )?
        else {
            return Ok(None);
        };
        let variants: Vec<J> = c["ProductionVariants"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| {
                        json!({
                            "variant_name": v["VariantName"],
                            "model_name": v["ModelName"],
                            "initial_instance_count": v["InitialInstanceCount"],
                            "instance_type": v["InstanceType"],
                            "initial_variant_weight": v["InitialVariantWeight"],
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let arn = c["EndpointConfigArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("arn".into(), json!(arn));
        o.insert(
            "production_variants".into(),
            api::prefer_prior(prior.get("production_variants"), J::Array(variants)),
        );
        api.read_tags(&mut o, sagemaker_tags(api, &arn)?, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        sagemaker_retag(
            api,
            api::req(prior, "arn")?,
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        sagemaker_maybe(
            api,
            "DeleteEndpointConfig",
            json!({"EndpointConfigName": id}),
        )
        .map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

struct SageMakerEndpoint;

fn endpoint_status(api: &Api, name: &str) -> ProviderResult<Option<String>> {
    Ok(
        sagemaker_maybe(api, "DescribeEndpoint", json!({"EndpointName": name}))?
            .and_then(|e| e["EndpointStatus"].as_str().map(str::to_string)),
    )
}

impl Resource for SageMakerEndpoint {
    fn type_name(&self) -> &'static str {
        "aws_sagemaker_endpoint"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", required(Type::String).force_new()),
            ("endpoint_config_name", required(Type::String)),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        let mut body = json!({"EndpointName": name, "EndpointConfigName": api::req(p, "endpoint_config_name")?});
        let all = api.tags_all(&tags(p, "tags"));
        if !all.is_empty() {
            body["Tags"] = key_values(&all);
        }
        sagemaker(api, "CreateEndpoint", body)?;
        wait_status(
            api,
            &format!("SageMaker endpoint {name}"),
            &["InService"],
            &["Failed"],
            || endpoint_status(api, name),
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(e) = sagemaker_maybe(api, "DescribeEndpoint", json!({"EndpointName": id}))? else {
            return Ok(None);
        };
        let arn = e["EndpointArn"].as_str().unwrap_or_default().to_string();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert(
            "endpoint_config_name".into(),
            e["EndpointConfigName"].clone(),
        );
        o.insert("arn".into(), json!(arn));
        api.read_tags(&mut o, sagemaker_tags(api, &arn)?, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "endpoint_config_name") != s(p, "endpoint_config_name") {
            sagemaker(
                api,
                "UpdateEndpoint",
                json!({"EndpointName": id, "EndpointConfigName": api::req(p, "endpoint_config_name")?}),
            )?;
            wait_status(
                api,
                &format!("SageMaker endpoint {id} update"),
                &["InService"],
                &["Failed"],
                || endpoint_status(api, id),
            )?;
        }
        sagemaker_retag(
            api,
            api::req(prior, "arn")?,
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        if sagemaker_maybe(api, "DeleteEndpoint", json!({"EndpointName": id}))?.is_none() {
            return Ok(());
        }
        wait_status(
            api,
            &format!("SageMaker endpoint {id} deletion"),
            &["(gone)"],
            &["Failed"],
            || endpoint_status(api, id),
        )
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

// ---- Batch -------------------------------------------------------------------------

fn batch(api: &Api, op: &str, body: J) -> ProviderResult<J> {
    Ok(api
        .rest("batch", "POST", &format!("/v1/{op}"), Some(body))?
        .unwrap_or(J::Null))
}

struct BatchComputeEnvironment;

fn compute_environment(api: &Api, name: &str) -> ProviderResult<Option<J>> {
    let found = batch(
        api,
        "describecomputeenvironments",
        json!({"computeEnvironments": [name]}),
    )?;
    Ok(found["computeEnvironments"]
        .as_array()
        .and_then(|a| a.first())
        .cloned())
}

impl Resource for BatchComputeEnvironment {
    fn type_name(&self) -> &'static str {
        "aws_batch_compute_environment"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            (
                "compute_environment_name",
                required(Type::String).force_new(),
            ),
            ("type", required(Type::String).force_new()),
            ("state", defaulted(Type::String)),
            ("service_role", optional(Type::String)),
            ("arn", computed(Type::String)),
            ("ecs_cluster_arn", computed(Type::String)),
            ("status", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "compute_resources",
            Nesting::List,
            Schema::new([
                ("type", required(Type::String)),
                ("max_vcpus", required(Type::Number)),
                ("min_vcpus", defaulted(Type::Number)),
                ("desired_vcpus", defaulted(Type::Number)),
                ("instance_type", optional(string_set())),
                ("subnets", required(string_set())),
                ("security_group_ids", optional(string_set())),
                ("instance_role", optional(Type::String)),
                ("allocation_strategy", optional(Type::String)),
            ]),
            Some(1),
        );
        schema
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"state": "ENABLED"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "compute_environment_name")?;
        let mut body = json!({
            "computeEnvironmentName": name,
            "type": api::req(p, "type")?,
            "state": s(p, "state").unwrap_or("ENABLED"),
            "tags": api.tags_all(&tags(p, "tags")),
        });
        if let Some(role) = s(p, "service_role") {
            body["serviceRole"] = json!(role);
        }
        if let Some(c) = blocks(p, "compute_resources").first() {
            let mut r = json!({
                "type": s(c, "type"),
                "maxvCpus": api::n(c, "max_vcpus"),
                "minvCpus": api::n(c, "min_vcpus").unwrap_or(0),
                "instanceTypes": strings(c, "instance_type"),
                "subnets": strings(c, "subnets"),
                "securityGroupIds": strings(c, "security_group_ids"),
            });
            if let Some(d) = api::n(c, "desired_vcpus") {
                r["desiredvCpus"] = json!(d);
            }
            if let Some(role) = s(c, "instance_role") {
                r["instanceRole"] = json!(role);
            }
            if let Some(a) = s(c, "allocation_strategy") {
                r["allocationStrategy"] = json!(a);
            }
            body["computeResources"] = r;
        }
        batch(api, "createcomputeenvironment", body)?;
        wait_status(
            api,
            &format!("Batch compute environment {name}"),
            &["VALID"],
            &["INVALID"],
            || {
                Ok(compute_environment(api, name)?
                    .and_then(|c| c["status"].as_str().map(str::to_string)))
            },
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(c) = compute_environment(api, id)? else {
            return Ok(None);
        };
        if c["status"] == "DELETED" || c["status"] == "DELETING" {
            return Ok(None);
        }
        let list = |j: &J| -> J {
            let v = sorted(j);
            if v.is_empty() {
                J::Null
            } else {
                json!(v)
            }
        };
        let r = &c["computeResources"];
        let found = if r.is_null() {
            json!([])
        } else {
            json!([{
                "type": r["type"],
                "max_vcpus": r["maxvCpus"],
                "min_vcpus": r["minvCpus"],
                "desired_vcpus": r["desiredvCpus"],
                "instance_type": list(&r["instanceTypes"]),
                "subnets": list(&r["subnets"]),
                "security_group_ids": list(&r["securityGroupIds"]),
                "instance_role": r["instanceRole"],
                "allocation_strategy": r["allocationStrategy"],
            }])
        };
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("compute_environment_name".into(), json!(id));
        o.insert("type".into(), c["type"].clone());
        o.insert("state".into(), c["state"].clone());
        o.insert("service_role".into(), c["serviceRole"].clone());
        o.insert("arn".into(), c["computeEnvironmentArn"].clone());
        o.insert(
            "ecs_cluster_arn".into(),
            json!(c["ecsClusterArn"].as_str().unwrap_or_default()),
        );
        o.insert("status".into(), c["status"].clone());
        o.insert(
            "compute_resources".into(),
            api::prefer_prior(prior.get("compute_resources"), found),
        );
        api.read_tags(&mut o, json_tags(&c["tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut body =
            json!({"computeEnvironment": id, "state": s(p, "state").unwrap_or("ENABLED")});
        if let Some(c) = blocks(p, "compute_resources").first() {
            let mut r = json!({"maxvCpus": api::n(c, "max_vcpus"), "minvCpus": api::n(c, "min_vcpus").unwrap_or(0)});
            if let Some(d) = api::n(c, "desired_vcpus") {
                r["desiredvCpus"] = json!(d);
            }
            body["computeResources"] = r;
        }
        batch(api, "updatecomputeenvironment", body)?;
        rest_retag(api, "batch", "/v1", prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        batch_remove(
            api,
            "Batch compute environment",
            (
                "updatecomputeenvironment",
                "deletecomputeenvironment",
                "computeEnvironment",
            ),
            id,
            || compute_environment(api, id),
        )
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("compute_environment_name")
    }
}

struct BatchJobQueue;

fn job_queue(api: &Api, name: &str) -> ProviderResult<Option<J>> {
    let found = batch(api, "describejobqueues", json!({"jobQueues": [name]}))?;
    Ok(found["jobQueues"]
        .as_array()
        .and_then(|a| a.first())
        .cloned())
}

fn order_json(p: &Obj) -> Vec<J> {
    blocks(p, "compute_environment_order")
        .iter()
        .map(|o| json!({"order": api::n(o, "order"), "computeEnvironment": s(o, "compute_environment")}))
        .collect()
}

impl Resource for BatchJobQueue {
    fn type_name(&self) -> &'static str {
        "aws_batch_job_queue"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", required(Type::String).force_new()),
            ("state", required(Type::String)),
            ("priority", required(Type::Number)),
            ("arn", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "compute_environment_order",
            Nesting::List,
            Schema::new([
                ("order", required(Type::Number)),
                ("compute_environment", required(Type::String)),
            ]),
            None,
        );
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        batch(
            api,
            "createjobqueue",
            json!({
                "jobQueueName": name,
                "state": api::req(p, "state")?,
                "priority": api::n(p, "priority"),
                "computeEnvironmentOrder": order_json(p),
                "tags": api.tags_all(&tags(p, "tags")),
            }),
        )?;
        wait_status(
            api,
            &format!("Batch job queue {name}"),
            &["VALID"],
            &["INVALID"],
            || Ok(job_queue(api, name)?.and_then(|q| q["status"].as_str().map(str::to_string))),
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(q) = job_queue(api, id)? else {
            return Ok(None);
        };
        if q["status"] == "DELETED" || q["status"] == "DELETING" {
            return Ok(None);
        }
        let order: Vec<J> = q["computeEnvironmentOrder"]
            .as_array()
            .map(|a| a.iter().map(|o| json!({"order": o["order"], "compute_environment": o["computeEnvironment"]})).collect())
            .unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("state".into(), q["state"].clone());
        o.insert("priority".into(), q["priority"].clone());
        o.insert("arn".into(), q["jobQueueArn"].clone());
        o.insert(
            "compute_environment_order".into(),
            api::prefer_prior(prior.get("compute_environment_order"), J::Array(order)),
        );
        api.read_tags(&mut o, json_tags(&q["tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        batch(
            api,
            "updatejobqueue",
            json!({
                "jobQueue": id,
                "state": api::req(p, "state")?,
                "priority": api::n(p, "priority"),
                "computeEnvironmentOrder": order_json(p),
            }),
        )?;
        rest_retag(api, "batch", "/v1", prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        batch_remove(
            api,
            "Batch job queue",
            ("updatejobqueue", "deletejobqueue", "jobQueue"),
            id,
            || job_queue(api, id),
        )
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

// ---- aws_msk_cluster ---------------------------------------------------------------

/// Kafka on MSK. A create waits for the cluster to become ACTIVE, as
/// Terraform's does (brokers take 15–30 minutes).
pub(crate) struct MskCluster;

fn msk_cluster(api: &Api, arn: &str) -> ProviderResult<Option<J>> {
    Ok(api
        .rest_at("kafka", "GET", &["v1", "clusters", arn], None)?
        .map(|j| j["clusterInfo"].clone()))
}

impl Resource for MskCluster {
    fn type_name(&self) -> &'static str {
        "aws_msk_cluster"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("cluster_name", required(Type::String).force_new()),
            ("kafka_version", required(Type::String)),
            ("number_of_broker_nodes", required(Type::Number)),
            ("arn", computed(Type::String)),
            ("current_version", computed(Type::String)),
            ("zookeeper_connect_string", computed(Type::String)),
        ]);
        let mut broker = Schema::new([
            ("instance_type", required(Type::String)),
            ("client_subnets", required(string_set()).force_new()),
            ("security_groups", required(string_set()).force_new()),
        ]);
        let mut storage = Schema::default();
        block(
            &mut storage,
            "ebs_storage_info",
            Nesting::List,
            Schema::new([("volume_size", optional(Type::Number))]),
            Some(1),
        );
        block(&mut broker, "storage_info", Nesting::List, storage, Some(1));
        block(
            &mut schema,
            "broker_node_group_info",
            Nesting::List,
            broker,
            Some(1),
        );
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["broker_node_group_info"]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let broker = blocks(p, "broker_node_group_info")
            .first()
            .cloned()
            .cloned()
            .unwrap_or_default();
        let mut info = json!({
            "instanceType": s(&broker, "instance_type"),
            "clientSubnets": strings(&broker, "client_subnets"),
            "securityGroups": strings(&broker, "security_groups"),
        });
        let volume = blocks(&broker, "storage_info").first().and_then(|st| {
            blocks(st, "ebs_storage_info")
                .first()
                .and_then(|e| api::n(e, "volume_size"))
        });
        if let Some(v) = volume {
            info["storageInfo"] = json!({"ebsStorageInfo": {"volumeSize": v}});
        }
        let answer = api
            .rest_at(
                "kafka",
                "POST",
                &["v1", "clusters"],
                Some(json!({
                    "clusterName": api::req(p, "cluster_name")?,
                    "kafkaVersion": api::req(p, "kafka_version")?,
                    "numberOfBrokerNodes": api::n(p, "number_of_broker_nodes"),
                    "brokerNodeGroupInfo": info,
                    "tags": api.tags_all(&tags(p, "tags")),
                })),
            )?
            .unwrap_or(J::Null);
        let arn = answer["clusterArn"]
            .as_str()
            .ok_or_else(|| {
                ProviderError::failed("MSK CreateCluster", "no clusterArn in the answer")
            })?
            .to_string();
        wait_status(
            api,
            &format!("MSK cluster {arn}"),
            &["ACTIVE"],
            &["FAILED"],
            || Ok(msk_cluster(api, &arn)?.and_then(|c| c["state"].as_str().map(str::to_string))),
        )?;
        Ok(arn)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(c) = msk_cluster(api, id)? else {
            return Ok(None);
        };
        if c["state"] == "DELETING" {
            return Ok(None);
        }
        let b = &c["brokerNodeGroupInfo"];
        let list = |j: &J| json!(sorted(j));
        let volume = &b["storageInfo"]["ebsStorageInfo"]["volumeSize"];
        let found = json!([{
            "instance_type": b["instanceType"],
            "client_subnets": list(&b["clientSubnets"]),
            "security_groups": list(&b["securityGroups"]),
            "storage_info": if volume.is_null() { json!([]) } else { json!([{"ebs_storage_info": [{"volume_size": volume}]}]) },
        }]);
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("arn".into(), json!(id));
        o.insert("cluster_name".into(), c["clusterName"].clone());
        o.insert(
            "kafka_version".into(),
            c["currentBrokerSoftwareInfo"]["kafkaVersion"].clone(),
        );
        o.insert(
            "number_of_broker_nodes".into(),
            c["numberOfBrokerNodes"].clone(),
        );
        o.insert(
            "current_version".into(),
            json!(c["currentVersion"].as_str().unwrap_or_default()),
        );
        o.insert(
            "zookeeper_connect_string".into(),
            json!(c["zookeeperConnectString"].as_str().unwrap_or_default()),
        );
        o.insert(
            "broker_node_group_info".into(),
            api::prefer_prior(prior.get("broker_node_group_info"), found),
        );
        api.read_tags(&mut o, json_tags(&c["tags"]), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let current = s(prior, "current_version").unwrap_or_default().to_string();
        if api::n(prior, "number_of_broker_nodes") != api::n(p, "number_of_broker_nodes") {
            api.rest_at(
                "kafka",
                "PUT",
                &["v1", "clusters", id, "nodes", "count"],
                Some(json!({"currentVersion": current, "targetNumberOfBrokerNodes": api::n(p, "number_of_broker_nodes")})),
            )?;
        } else if s(prior, "kafka_version") != s(p, "kafka_version") {
            api.rest_at(
                "kafka",
                "PUT",
                &["v1", "clusters", id, "version"],
                Some(
                    json!({"currentVersion": current, "targetKafkaVersion": s(p, "kafka_version")}),
                ),
            )?;
        }
        let (old, new) = (tags(prior, "tags_all"), api.tags_all(&tags(p, "tags")));
        let gone = removed(&old, &new);
        if !gone.is_empty() {
            let mut request =
                strata_aws_client::Request::segments("kafka", "DELETE", &["v1", "tags", id]);
            for k in gone {
                request = request.query("tagKeys", k);
            }
            api.send("kafka untag", request)?;
        }
        if old != new && !new.is_empty() {
            api.rest_at(
                "kafka",
                "POST",
                &["v1", "tags", id],
                Some(json!({"tags": new})),
            )?;
        }
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        if api
            .rest_at("kafka", "DELETE", &["v1", "clusters", id], None)?
            .is_none()
        {
            return Ok(());
        }
        wait_status(
            api,
            &format!("MSK cluster {id} deletion"),
            &["(gone)"],
            &["FAILED"],
            || Ok(msk_cluster(api, id)?.and_then(|c| c["state"].as_str().map(str::to_string))),
        )
    }
}
