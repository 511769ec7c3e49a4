//! What a VPC's private subnets reach the internet through: elastic IPs
//! (`aws_eip`), NAT gateways (`aws_nat_gateway`) and single routes of a
//! route table (`aws_route`), as the Terraform AWS provider has them.

use super::ec2::{arn, describe};
use super::{computed, defaulted, optional, tagged, wait_status};
use crate::api::{self, ec2_tags, items, parse, s, tags, text, Api, Obj, Params};
use crate::Resource;
use serde_json::json;
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(Eip), Arc::new(NatGateway), Arc::new(Route)]
}

// ---- aws_eip ------------------------------------------------------------------------

struct Eip;

impl Resource for Eip {
    fn type_name(&self) -> &'static str {
        "aws_eip"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("domain", defaulted(Type::String).force_new()),
            ("network_border_group", defaulted(Type::String).force_new()),
            ("public_ipv4_pool", defaulted(Type::String).force_new()),
            ("allocation_id", computed(Type::String)),
            ("association_id", computed(Type::String)),
            ("public_ip", computed(Type::String)),
            ("public_dns", computed(Type::String)),
            ("private_ip", computed(Type::String)),
            ("arn", computed(Type::String)),
        ])
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(config, &[("domain", json!("vpc"))])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "AllocateAddress",
            Params::new()
                .set("Domain", s(p, "domain").unwrap_or("vpc"))
                .opt("NetworkBorderGroup", s(p, "network_border_group"))
                .opt("PublicIpv4Pool", s(p, "public_ipv4_pool"))
                .tag_spec("elastic-ip", &api.tags_all(&tags(p, "tags"))),
        )?;
        api::find_text(&parse(&t)?, "allocationId").ok_or_else(|| {
            ProviderError::failed("AllocateAddress", "no allocationId in the answer")
        })
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeAddresses",
            "AllocationId.1",
            id,
            &["InvalidAllocationID.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "addressesSet").into_iter().next() else {
            return Ok(None);
        };
        let public_ip = text(n, "publicIp").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("allocation_id".into(), json!(id));
        o.insert(
            "domain".into(),
            json!(text(n, "domain").unwrap_or("vpc".into())),
        );
        o.insert("public_ip".into(), json!(public_ip));
        o.insert(
            "public_dns".into(),
            json!(format!(
                "ec2-{}.compute-1.amazonaws.com",
                public_ip.replace('.', "-")
            )),
        );
        o.insert("association_id".into(), json!(text(n, "associationId")));
        o.insert("private_ip".into(), json!(text(n, "privateIpAddress")));
        o.insert(
            "network_border_group".into(),
            json!(text(n, "networkBorderGroup").unwrap_or_else(|| api.region.clone())),
        );
        o.insert(
            "public_ipv4_pool".into(),
            json!(text(n, "publicIpv4Pool").unwrap_or_else(|| "amazon".into())),
        );
        let owner = text(n, "ownerId").unwrap_or_default();
        o.insert("arn".into(), json!(arn(api, &owner, "elastic-ip", id)));
        api.read_tags(&mut o, ec2_tags(n), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, planned: &Obj) -> ProviderResult<String> {
        api.retag_ec2(id, prior, planned)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("ReleaseAddress", Params::new().set("AllocationId", id)),
            &["InvalidAllocationID.NotFound"],
        )
        .map(|_| ())
    }
}

// ---- aws_nat_gateway ----------------------------------------------------------------

struct NatGateway;

/// A NAT gateway's state: `None` when EC2 no longer lists it.
fn nat_state(api: &Api, id: &str) -> ProviderResult<Option<String>> {
    let Some(t) = describe(
        api,
        "DescribeNatGateways",
        "NatGatewayId.1",
        id,
        &["NatGatewayNotFound", "InvalidNatGatewayID.NotFound"],
    )?
    else {
        return Ok(None);
    };
    let doc = parse(&t)?;
    Ok(items(&doc, "natGatewaySet")
        .into_iter()
        .next()
        .and_then(|n| text(n, "state")))
}

impl Resource for NatGateway {
    fn type_name(&self) -> &'static str {
        "aws_nat_gateway"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("subnet_id", super::required(Type::String).force_new()),
            ("allocation_id", optional(Type::String).force_new()),
            ("connectivity_type", defaulted(Type::String).force_new()),
            ("private_ip", defaulted(Type::String).force_new()),
            ("public_ip", computed(Type::String)),
            ("network_interface_id", computed(Type::String)),
            ("association_id", computed(Type::String)),
        ])
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(config, &[("connectivity_type", json!("public"))])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "CreateNatGateway",
            Params::new()
                .set("SubnetId", api::req(p, "subnet_id")?)
                .opt("AllocationId", s(p, "allocation_id"))
                .opt("ConnectivityType", s(p, "connectivity_type"))
                .opt("PrivateIpAddress", s(p, "private_ip"))
                .tag_spec("natgateway", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "natGatewayId").ok_or_else(|| {
            ProviderError::failed("CreateNatGateway", "no natGatewayId in the answer")
        })?;
        wait_status(
            api,
            &format!("NAT gateway {id}"),
            &["available"],
            &["failed"],
            || nat_state(api, &id),
        )?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeNatGateways",
            "NatGatewayId.1",
            id,
            &["NatGatewayNotFound", "InvalidNatGatewayID.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "natGatewaySet").into_iter().next() else {
            return Ok(None);
        };
        if matches!(
            text(n, "state").as_deref(),
            Some("deleted" | "deleting" | "failed")
        ) {
            return Ok(None);
        }
        let address =
            xml::child(n, "natGatewayAddressSet").and_then(|set| xml::children(set, "item").next());
        let field = |k: &str| address.and_then(|a| text(a, k));
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("subnet_id".into(), json!(text(n, "subnetId")));
        o.insert(
            "connectivity_type".into(),
            json!(text(n, "connectivityType").unwrap_or_else(|| "public".into())),
        );
        o.insert(
            "allocation_id".into(),
            json!(field("allocationId").or_else(|| s(prior, "allocation_id").map(str::to_string))),
        );
        o.insert("public_ip".into(), json!(field("publicIp")));
        o.insert("private_ip".into(), json!(field("privateIp")));
        o.insert(
            "network_interface_id".into(),
            json!(field("networkInterfaceId")),
        );
        o.insert("association_id".into(), json!(field("associationId")));
        api.read_tags(&mut o, ec2_tags(n), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, planned: &Obj) -> ProviderResult<String> {
        api.retag_ec2(id, prior, planned)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        let gone = api.maybe(
            api.ec2("DeleteNatGateway", Params::new().set("NatGatewayId", id)),
            &["NatGatewayNotFound", "InvalidNatGatewayID.NotFound"],
        )?;
        if gone.is_none() {
            return Ok(());
        }
        wait_status(
            api,
            &format!("deleting NAT gateway {id}"),
            &["deleted", "(gone)"],
            &[],
            || nat_state(api, id),
        )
    }
}

// ---- aws_route ----------------------------------------------------------------------

/// One route of a route table; its id is `r-TABLE` and the CRC-32 of the
/// destination, as Terraform's.
struct Route;

const TARGETS: &[(&str, &str)] = &[
    ("gateway_id", "gatewayId"),
    ("nat_gateway_id", "natGatewayId"),
    ("network_interface_id", "networkInterfaceId"),
    ("vpc_peering_connection_id", "vpcPeeringConnectionId"),
    ("transit_gateway_id", "transitGatewayId"),
    ("vpc_endpoint_id", "vpcEndpointId"),
    ("egress_only_gateway_id", "egressOnlyInternetGatewayId"),
];

fn destination(p: &Obj) -> Option<(&'static str, &str)> {
    [
        ("destination_cidr_block", "destinationCidrBlock"),
        ("destination_ipv6_cidr_block", "destinationIpv6CidrBlock"),
        ("destination_prefix_list_id", "destinationPrefixListId"),
    ]
    .into_iter()
    .find_map(|(attr, tag)| Some((tag, s(p, attr)?)))
}

/// Terraform's id of a route: `r-`, the table, and the destination's CRC-32.
fn route_id(table: &str, destination: &str) -> String {
    format!("r-{table}{}", crate::api::crc32(destination.as_bytes()))
}

fn route_params(table: &str, p: &Obj) -> Params {
    let mut params = Params::new()
        .set("RouteTableId", table)
        .opt("DestinationCidrBlock", s(p, "destination_cidr_block"))
        .opt(
            "DestinationIpv6CidrBlock",
            s(p, "destination_ipv6_cidr_block"),
        )
        .opt(
            "DestinationPrefixListId",
            s(p, "destination_prefix_list_id"),
        );
    for (attr, tag) in TARGETS {
        let mut param = tag.to_string();
        param[..1].make_ascii_uppercase();
        if *attr == "egress_only_gateway_id" {
            param = "EgressOnlyInternetGatewayId".into();
        }
        params = params.opt(&param, s(p, attr));
    }
    params
}

impl Resource for Route {
    fn type_name(&self) -> &'static str {
        "aws_route"
    }

    fn schema(&self) -> Schema {
        let mut attributes = vec![
            ("id", computed(Type::String)),
            ("route_table_id", super::required(Type::String).force_new()),
            ("destination_cidr_block", optional(Type::String).force_new()),
            (
                "destination_ipv6_cidr_block",
                optional(Type::String).force_new(),
            ),
            (
                "destination_prefix_list_id",
                optional(Type::String).force_new(),
            ),
            ("origin", computed(Type::String)),
            ("state", computed(Type::String)),
        ];
        for (attr, _) in TARGETS {
            attributes.push((attr, optional(Type::String)));
        }
        Schema::new(attributes)
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let table = api::req(p, "route_table_id")?;
        let Some((_, dest)) = destination(p) else {
            return Err(ProviderError::at(
                "Missing destination",
                "one of destination_cidr_block, destination_ipv6_cidr_block or destination_prefix_list_id is required",
                "destination_cidr_block",
            ));
        };
        api.ec2("CreateRoute", route_params(table, p))?;
        Ok(route_id(table, dest))
    }

    fn read(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let (Some(table), Some((tag, dest))) = (s(prior, "route_table_id"), destination(prior))
        else {
            return Ok(None);
        };
        let Some(t) = describe(
            api,
            "DescribeRouteTables",
            "RouteTableId.1",
            table,
            &["InvalidRouteTableID.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let found = doc.descendants().find(|n| {
            n.has_tag_name("item") && xml::child(*n, tag).and_then(|d| d.text()) == Some(dest)
        });
        let Some(n) = found else {
            return Ok(None);
        };
        let mut o = prior.clone();
        o.insert("id".into(), json!(route_id(table, dest)));
        for (attr, tag) in TARGETS {
            let value = text(n, tag).filter(|v| !(attr == &"gateway_id" && v == "local"));
            o.insert(attr.to_string(), json!(value));
        }
        o.insert("origin".into(), json!(text(n, "origin")));
        o.insert("state".into(), json!(text(n, "state")));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, planned: &Obj) -> ProviderResult<String> {
        let table = api::req(planned, "route_table_id")?;
        api.ec2("ReplaceRoute", route_params(table, planned))?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<()> {
        let table = api::req(prior, "route_table_id")?;
        let params = Params::new()
            .set("RouteTableId", table)
            .opt("DestinationCidrBlock", s(prior, "destination_cidr_block"))
            .opt(
                "DestinationIpv6CidrBlock",
                s(prior, "destination_ipv6_cidr_block"),
            )
            .opt(
                "DestinationPrefixListId",
                s(prior, "destination_prefix_list_id"),
            );
        api.maybe(
            api.ec2("DeleteRoute", params),
            &["InvalidRoute.NotFound", "InvalidRouteTableID.NotFound"],
        )
        .map(|_| ())
    }

    fn import_state(&self, id: &str) -> Obj {
        // ROUTETABLEID_DESTINATION, as Terraform imports it.
        let mut o = Obj::new();
        if let Some((table, dest)) = id.split_once('_') {
            o.insert("route_table_id".into(), json!(table));
            let key = if dest.contains(':') {
                "destination_ipv6_cidr_block"
            } else if dest.starts_with("pl-") {
                "destination_prefix_list_id"
            } else {
                "destination_cidr_block"
            };
            o.insert(key.into(), json!(dest));
        }
        o.insert("id".into(), json!(id));
        o
    }

    fn import_id(&self, state: &Obj) -> String {
        format!(
            "{}_{}",
            s(state, "route_table_id").unwrap_or_default(),
            destination(state).map(|(_, d)| d).unwrap_or_default()
        )
    }
}
