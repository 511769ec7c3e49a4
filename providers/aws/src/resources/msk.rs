//! MSK: Kafka clusters.

use super::{block, computed, optional, required, sorted, string_set, tagged, wait_status};
use crate::api::{self, blocks, s, strings, tags, Api, Obj};
use crate::tags::{json_tags, retag};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(MskCluster)]
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
        retag(
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
            |gone| {
                let mut request =
                    strata_aws_client::Request::segments("kafka", "DELETE", &["v1", "tags", id]);
                for k in gone {
                    request = request.query("tagKeys", k.clone());
                }
                api.send("kafka untag", request).map(drop)
            },
            |set| {
                api.rest_at(
                    "kafka",
                    "POST",
                    &["v1", "tags", id],
                    Some(json!({"tags": set})),
                )
                .map(drop)
            },
        )?;
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
