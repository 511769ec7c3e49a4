//! VPC endpoints (`aws_vpc_endpoint`): gateway endpoints that route a
//! VPC's traffic to S3 or DynamoDB without the internet, and interface
//! endpoints in subnets.

use super::{computed, defaulted, required, string_set, tagged};
use crate::api::{self, ec2_tags, items, parse, s, strings, tags, text, Api, Obj, Params};
use crate::Resource;
use serde_json::json;
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(VpcEndpoint)]
}

struct VpcEndpoint;

const NOT_FOUND: &[&str] = &[
    "InvalidVpcEndpointId.NotFound",
    "InvalidVpcEndpoint.NotFound",
];

/// The ids under `set` (`routeTableIdSet`, …) of an endpoint's node.
fn id_set(node: xml::Node<'_, '_>, set: &str, field: Option<&str>) -> Vec<String> {
    let Some(list) = xml::child(node, set) else {
        return Vec::new();
    };
    let mut out: Vec<String> = xml::children(list, "item")
        .filter_map(|item| match field {
            Some(f) => text(item, f),
            None => item.text().map(str::to_string),
        })
        .collect();
    out.sort();
    out
}

fn changes(params: Params, add: &str, remove: &str, old: &[String], new: &[String]) -> Params {
    let added: Vec<String> = new.iter().filter(|x| !old.contains(x)).cloned().collect();
    let removed: Vec<String> = old.iter().filter(|x| !new.contains(x)).cloned().collect();
    params.list(add, &added).list(remove, &removed)
}

impl Resource for VpcEndpoint {
    fn type_name(&self) -> &'static str {
        "aws_vpc_endpoint"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("vpc_id", required(Type::String).force_new()),
            ("service_name", required(Type::String).force_new()),
            ("vpc_endpoint_type", defaulted(Type::String).force_new()),
            ("route_table_ids", defaulted(string_set())),
            ("subnet_ids", defaulted(string_set())),
            ("security_group_ids", defaulted(string_set())),
            ("policy", defaulted(Type::String)),
            ("private_dns_enabled", defaulted(Type::Bool)),
            ("arn", computed(Type::String)),
            ("state", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let kind = s(p, "vpc_endpoint_type").unwrap_or("Gateway");
        let params = Params::new()
            .set("VpcId", api::req(p, "vpc_id")?)
            .set("ServiceName", api::req(p, "service_name")?)
            .set("VpcEndpointType", kind)
            .list("RouteTableId", &strings(p, "route_table_ids"))
            .list("SubnetId", &strings(p, "subnet_ids"))
            .list("SecurityGroupId", &strings(p, "security_group_ids"))
            .opt("PolicyDocument", s(p, "policy"))
            .opt(
                "PrivateDnsEnabled",
                api::b(p, "private_dns_enabled").map(|b| b.to_string()),
            )
            .tag_spec("vpc-endpoint", &api.tags_all(&tags(p, "tags")));
        let t = api.ec2("CreateVpcEndpoint", params)?;
        api::find_text(&parse(&t)?, "vpcEndpointId").ok_or_else(|| {
            ProviderError::failed("CreateVpcEndpoint", "no vpcEndpointId in the answer")
        })
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = api.maybe(
            api.ec2(
                "DescribeVpcEndpoints",
                Params::new().set("VpcEndpointId.1", id),
            ),
            NOT_FOUND,
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "vpcEndpointSet").into_iter().next() else {
            return Ok(None);
        };
        let state = text(n, "state").unwrap_or_default();
        if state.eq_ignore_ascii_case("deleted") {
            return Ok(None);
        }
        let owner = text(n, "ownerId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("vpc_id".into(), json!(text(n, "vpcId")));
        o.insert("service_name".into(), json!(text(n, "serviceName")));
        let kind = text(n, "vpcEndpointType").unwrap_or_else(|| "Gateway".into());
        o.insert("vpc_endpoint_type".into(), json!(kind));
        o.insert(
            "route_table_ids".into(),
            json!(id_set(n, "routeTableIdSet", None)),
        );
        o.insert("subnet_ids".into(), json!(id_set(n, "subnetIdSet", None)));
        o.insert(
            "security_group_ids".into(),
            json!(id_set(n, "groupSet", Some("groupId"))),
        );
        let policy = text(n, "policyDocument");
        o.insert(
            "policy".into(),
            api::prefer_prior(prior.get("policy"), json!(policy)),
        );
        o.insert(
            "private_dns_enabled".into(),
            json!(text(n, "privateDnsEnabled").as_deref() == Some("true")),
        );
        o.insert("state".into(), json!(state));
        o.insert("owner_id".into(), json!(owner));
        o.insert(
            "arn".into(),
            json!(format!(
                "arn:aws:ec2:{}:{owner}:vpc-endpoint/{id}",
                api.region
            )),
        );
        api.read_tags(&mut o, ec2_tags(n), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let mut params = Params::new().set("VpcEndpointId", id);
        params = changes(
            params,
            "AddRouteTableId",
            "RemoveRouteTableId",
            &strings(prior, "route_table_ids"),
            &strings(p, "route_table_ids"),
        );
        params = changes(
            params,
            "AddSubnetId",
            "RemoveSubnetId",
            &strings(prior, "subnet_ids"),
            &strings(p, "subnet_ids"),
        );
        params = changes(
            params,
            "AddSecurityGroupId",
            "RemoveSecurityGroupId",
            &strings(prior, "security_group_ids"),
            &strings(p, "security_group_ids"),
        );
        if s(prior, "policy") != s(p, "policy") {
            params = params.opt("PolicyDocument", s(p, "policy"));
        }
        api.ec2("ModifyVpcEndpoint", params)?;
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2(
                "DeleteVpcEndpoints",
                Params::new().set("VpcEndpointId.1", id),
            ),
            NOT_FOUND,
        )
        .map(|_| ())
    }
}
