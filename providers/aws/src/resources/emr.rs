//! EMR clusters for Spark and Hadoop.

use super::{
    block, computed, defaulted, optional, required, string_map, string_set, strings as string_list,
    tagged, wait_status,
};
use crate::api::{self, b, blocks, s, strings, tags, Api, Obj};
use crate::tags::{key_values, retag, tag_list};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(EmrCluster)]
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

/// A step the cluster runs when it starts (a Spark job through
/// `command-runner.jar`, say); with `keep_job_flow_alive_when_no_steps =
/// false` the cluster terminates when the last one finishes.
fn step_schema() -> Schema {
    let mut schema = Schema::new([
        ("name", required(Type::String)),
        ("action_on_failure", required(Type::String)),
    ]);
    block(
        &mut schema,
        "hadoop_jar_step",
        Nesting::List,
        Schema::new([
            ("jar", required(Type::String)),
            ("main_class", optional(Type::String)),
            ("args", optional(string_list())),
            ("properties", optional(string_map())),
        ]),
        Some(1),
    );
    schema
}

/// The configured steps as RunJobFlow takes them.
fn steps_request(p: &Obj) -> Vec<J> {
    blocks(p, "step")
        .iter()
        .map(|step| {
            let jar = blocks(step, "hadoop_jar_step")
                .first()
                .cloned()
                .cloned()
                .unwrap_or_default();
            let mut hadoop = json!({
                "Jar": s(&jar, "jar"),
                "Args": strings(&jar, "args"),
                "Properties": tags(&jar, "properties")
                    .iter()
                    .map(|(k, v)| json!({"Key": k, "Value": v}))
                    .collect::<Vec<_>>(),
            });
            if let Some(class) = s(&jar, "main_class") {
                hadoop["MainClass"] = json!(class);
            }
            json!({
                "Name": s(step, "name"),
                "ActionOnFailure": s(step, "action_on_failure"),
                "HadoopJarStep": hadoop,
            })
        })
        .collect()
}

/// The cluster's steps, oldest first, as configured. `ListSteps` lists
/// the newest first; a main class EMR does not report is kept as it was.
fn steps_found(api: &Api, id: &str, prior: &Obj) -> ProviderResult<J> {
    let listed = emr(api, "ListSteps", json!({"ClusterId": id}))?;
    let prior_steps = blocks(prior, "step");
    let mut steps: Vec<J> = listed["Steps"].as_array().cloned().unwrap_or_default();
    steps.reverse();
    let found = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let config = &step["Config"];
            let prior_class = prior_steps
                .get(i)
                .and_then(|p| {
                    blocks(p, "hadoop_jar_step")
                        .first()
                        .and_then(|j| j.get("main_class"))
                        .cloned()
                })
                .unwrap_or(J::Null);
            let class = match &config["MainClass"] {
                J::String(c) if !c.is_empty() => json!(c),
                _ => prior_class,
            };
            let prior_jar = prior_steps
                .get(i)
                .and_then(|p| blocks(p, "hadoop_jar_step").first().cloned());
            // An empty list or map reads back as configured: [] or null.
            let or_prior = |found: &J, name: &str| match found {
                J::Array(a) if !a.is_empty() => found.clone(),
                J::Object(m) if !m.is_empty() => found.clone(),
                _ => prior_jar
                    .and_then(|j| j.get(name))
                    .filter(|p| {
                        p.as_array().is_some_and(Vec::is_empty)
                            || p.as_object().is_some_and(serde_json::Map::is_empty)
                    })
                    .cloned()
                    .unwrap_or(J::Null),
            };
            let properties = or_prior(&config["Properties"], "properties");
            let args = or_prior(&config["Args"], "args");
            json!({
                "name": step["Name"],
                "action_on_failure": step["ActionOnFailure"],
                "hadoop_jar_step": [{
                    "jar": config["Jar"],
                    "main_class": class,
                    "args": args,
                    "properties": properties,
                }],
            })
        })
        .collect();
    Ok(J::Array(found))
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
        block(&mut schema, "step", Nesting::List, step_schema(), None);
        schema
    }

    fn force_new_blocks(&self) -> &'static [&'static str] {
        &["ec2_attributes", "master_instance_group", "step"]
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
        let steps = steps_request(p);
        if !steps.is_empty() {
            body["Steps"] = J::Array(steps);
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
        o.insert("step".into(), steps_found(api, id, prior)?);
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
        retag(
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
            |gone| {
                emr(
                    api,
                    "RemoveTags",
                    json!({"ResourceId": id, "TagKeys": gone}),
                )
                .map(drop)
            },
            |set| {
                emr(
                    api,
                    "AddTags",
                    json!({"ResourceId": id, "Tags": key_values(set)}),
                )
                .map(drop)
            },
        )?;
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
