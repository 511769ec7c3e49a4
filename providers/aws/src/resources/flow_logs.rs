//! VPC flow logs (`aws_flow_log`): the traffic of a VPC, a subnet or a
//! network interface, logged to CloudWatch Logs or to S3. A flow log is
//! not changed in place: everything but its tags replaces it.

use super::{computed, defaulted, optional, tagged};
use crate::api::{self, ec2_tags, items, n, parse, s, tags, text, Api, Obj, Params};
use crate::Resource;
use serde_json::json;
use std::sync::Arc;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(FlowLog)]
}

struct FlowLog;

const NOT_FOUND: &[&str] = &["InvalidFlowLogId.NotFound"];

/// The arguments that name what is logged, with the resource type each
/// stands for.
const TARGETS: &[(&str, &str)] = &[
    ("vpc_id", "VPC"),
    ("subnet_id", "Subnet"),
    ("eni_id", "NetworkInterface"),
];

impl Resource for FlowLog {
    fn type_name(&self) -> &'static str {
        "aws_flow_log"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("vpc_id", optional(Type::String).force_new()),
            ("subnet_id", optional(Type::String).force_new()),
            ("eni_id", optional(Type::String).force_new()),
            ("traffic_type", optional(Type::String).force_new()),
            ("log_destination_type", defaulted(Type::String).force_new()),
            ("log_destination", defaulted(Type::String).force_new()),
            ("log_group_name", defaulted(Type::String).force_new()),
            ("iam_role_arn", optional(Type::String).force_new()),
            ("log_format", defaulted(Type::String).force_new()),
            (
                "max_aggregation_interval",
                defaulted(Type::Number).force_new(),
            ),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let given: Vec<(&str, &str, &str)> = TARGETS
            .iter()
            .filter_map(|(arg, kind)| s(p, arg).map(|id| (*arg, *kind, id)))
            .collect();
        let [(_, kind, resource)] = given.as_slice() else {
            return Err(ProviderError::at(
                "Invalid flow log target",
                "Set exactly one of vpc_id, subnet_id and eni_id: the VPC, subnet or network interface whose traffic is logged.",
                "vpc_id",
            ));
        };
        let params = Params::new()
            .set("ResourceType", *kind)
            .set("ResourceId.1", *resource)
            .opt("TrafficType", s(p, "traffic_type"))
            .opt("LogDestinationType", s(p, "log_destination_type"))
            .opt("LogDestination", s(p, "log_destination"))
            .opt("LogGroupName", s(p, "log_group_name"))
            .opt("DeliverLogsPermissionArn", s(p, "iam_role_arn"))
            .opt("LogFormat", s(p, "log_format"))
            .opt(
                "MaxAggregationInterval",
                n(p, "max_aggregation_interval").map(|v| v.to_string()),
            )
            .tag_spec("vpc-flow-log", &api.tags_all(&tags(p, "tags")));
        let answer = api.ec2("CreateFlowLogs", params)?;
        let doc = parse(&answer)?;
        if let Some(failed) = items(&doc, "unsuccessful").into_iter().next() {
            let message = api::find_text(&doc, "message")
                .or_else(|| text(failed, "resourceId"))
                .unwrap_or_default();
            return Err(ProviderError::failed("CreateFlowLogs", message));
        }
        items(&doc, "flowLogIdSet")
            .into_iter()
            .find_map(|item| item.text().map(str::to_string))
            .ok_or_else(|| ProviderError::failed("CreateFlowLogs", "no flow log id in the answer"))
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(answer) = api.maybe(
            api.ec2("DescribeFlowLogs", Params::new().set("FlowLogId.1", id)),
            NOT_FOUND,
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&answer)?;
        let Some(node) = items(&doc, "flowLogSet").into_iter().next() else {
            return Ok(None);
        };
        let resource = text(node, "resourceId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        // The id's prefix tells what is logged; the argument that named
        // it is the one set.
        let arg = match resource.split('-').next() {
            Some("subnet") => "subnet_id",
            Some("eni") => "eni_id",
            _ => "vpc_id",
        };
        for (a, _) in TARGETS {
            o.insert(
                (*a).into(),
                if *a == arg {
                    json!(resource)
                } else {
                    json!(null)
                },
            );
        }
        o.insert("traffic_type".into(), json!(text(node, "trafficType")));
        let destination_type = text(node, "logDestinationType");
        o.insert("log_destination_type".into(), json!(destination_type));
        o.insert(
            "log_destination".into(),
            json!(text(node, "logDestination")),
        );
        o.insert("log_group_name".into(), json!(text(node, "logGroupName")));
        o.insert(
            "iam_role_arn".into(),
            json!(text(node, "deliverLogsPermissionArn")),
        );
        o.insert("log_format".into(), json!(text(node, "logFormat")));
        o.insert(
            "max_aggregation_interval".into(),
            json!(text(node, "maxAggregationInterval")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(600)),
        );
        o.insert(
            "arn".into(),
            json!(format!("arn:aws:ec2:{}::vpc-flow-log/{id}", api.region)),
        );
        api.read_tags(&mut o, ec2_tags(node), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("DeleteFlowLogs", Params::new().set("FlowLogId.1", id)),
            NOT_FOUND,
        )
        .map(|_| ())
    }
}
