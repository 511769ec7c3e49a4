//! Batch: compute environments and job queues.

use super::rest_retag;
use super::{
    block, computed, defaulted, optional, required, sorted, string_set, tagged, wait_status,
};
use crate::api::{self, blocks, s, strings, tags, Api, Obj};
use crate::tags::json_tags;
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{Nesting, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(BatchComputeEnvironment), Arc::new(BatchJobQueue)]
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
