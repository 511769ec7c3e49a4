//! Route tables with their routes (`aws_route_table`) and their
//! associations with subnets or gateways (`aws_route_table_association`).

use super::ec2::{arn, describe};
use super::{block, computed, optional, required, string, tagged};
use crate::api::{self, blocks, ec2_tags, items, parse, s, tags, text, Api, Obj, Params};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(RouteTable), Arc::new(RouteTableAssociation)]
}

// ---- aws_route_table and aws_route_table_association ----------------------------

pub(super) struct RouteTable;

pub(super) fn route_schema() -> Schema {
    Schema::new([
        ("cidr_block", string()),
        ("gateway_id", string()),
        ("nat_gateway_id", string()),
        ("network_interface_id", string()),
        ("vpc_peering_connection_id", string()),
    ])
}

const ROUTE_TARGETS: &[(&str, &str)] = &[
    ("gateway_id", "GatewayId"),
    ("nat_gateway_id", "NatGatewayId"),
    ("network_interface_id", "NetworkInterfaceId"),
    ("vpc_peering_connection_id", "VpcPeeringConnectionId"),
];

fn route_params(table: &str, route: &Obj) -> Params {
    let mut p = Params::new()
        .set("RouteTableId", table)
        .opt("DestinationCidrBlock", s(route, "cidr_block"));
    for (k, x) in ROUTE_TARGETS {
        p = p.opt(x, s(route, k));
    }
    p
}

fn route_key(route: &Obj) -> String {
    s(route, "cidr_block").unwrap_or_default().to_string()
}

impl Resource for RouteTable {
    fn type_name(&self) -> &'static str {
        "aws_route_table"
    }

    fn computed_blocks(&self) -> &'static [&'static str] {
        &["route"]
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("vpc_id", required(Type::String).force_new()),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ]);
        block(&mut schema, "route", Nesting::Set, route_schema(), None);
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "CreateRouteTable",
            Params::new()
                .set("VpcId", api::req(p, "vpc_id")?)
                .tag_spec("route-table", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "routeTableId").ok_or_else(|| {
            ProviderError::failed("CreateRouteTable", "no routeTableId in the answer")
        })?;
        for route in blocks(p, "route") {
            api.ec2("CreateRoute", route_params(&id, route))?;
        }
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeRouteTables",
            "RouteTableId.1",
            id,
            &["InvalidRouteTableID.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "routeTableSet").into_iter().next() else {
            return Ok(None);
        };
        let owner = text(n, "ownerId").unwrap_or_default();
        let mut routes = Vec::new();
        for r in xml::child(n, "routeSet")
            .map(|set| xml::children(set, "item").collect::<Vec<_>>())
            .unwrap_or_default()
        {
            // The local route, and the routes gateway VPC endpoints add
            // (aws_vpc_endpoint owns those), are not the table's own.
            let gateway = text(r, "gatewayId").unwrap_or_default();
            if gateway == "local" || gateway.starts_with("vpce-") {
                continue;
            }
            let mut route = Obj::new();
            route.insert("cidr_block".into(), json!(text(r, "destinationCidrBlock")));
            for (k, x) in [
                ("gateway_id", "gatewayId"),
                ("nat_gateway_id", "natGatewayId"),
                ("network_interface_id", "networkInterfaceId"),
                ("vpc_peering_connection_id", "vpcPeeringConnectionId"),
            ] {
                route.insert(k.into(), json!(text(r, x)));
            }
            routes.push(J::Object(route));
        }
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("vpc_id".into(), json!(text(n, "vpcId")));
        o.insert("owner_id".into(), json!(owner));
        o.insert("arn".into(), json!(arn(api, &owner, "route-table", id)));
        o.insert("route".into(), J::Array(routes));
        api.read_tags(&mut o, ec2_tags(n), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let old = blocks(prior, "route");
        let new = blocks(p, "route");
        for r in &old {
            if !new.iter().any(|n| route_key(n) == route_key(r)) {
                api.ec2(
                    "DeleteRoute",
                    Params::new()
                        .set("RouteTableId", id)
                        .opt("DestinationCidrBlock", s(r, "cidr_block")),
                )?;
            }
        }
        for r in &new {
            match old.iter().find(|o| route_key(o) == route_key(r)) {
                Some(o) if o == r => {}
                Some(_) => {
                    api.ec2("ReplaceRoute", route_params(id, r))?;
                }
                None => {
                    api.ec2("CreateRoute", route_params(id, r))?;
                }
            }
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("DeleteRouteTable", Params::new().set("RouteTableId", id)),
            &["InvalidRouteTableID.NotFound"],
        )
        .map(|_| ())
    }
}

struct RouteTableAssociation;

impl Resource for RouteTableAssociation {
    fn type_name(&self) -> &'static str {
        "aws_route_table_association"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("subnet_id", optional(Type::String).force_new()),
            ("gateway_id", optional(Type::String).force_new()),
            ("route_table_id", required(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "AssociateRouteTable",
            Params::new()
                .set("RouteTableId", api::req(p, "route_table_id")?)
                .opt("SubnetId", s(p, "subnet_id"))
                .opt("GatewayId", s(p, "gateway_id")),
        )?;
        api::find_text(&parse(&t)?, "associationId")
            .ok_or_else(|| ProviderError::failed("AssociateRouteTable", "no associationId"))
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        // The table it was made in first; then every table (it may have
        // been moved, or this is an import).
        let mut searches = Vec::new();
        if let Some(table) = s(prior, "route_table_id") {
            searches.push(Params::new().set("RouteTableId.1", table));
        }
        searches.push(Params::new());
        for params in searches {
            let Some(t) = api.maybe(
                api.ec2("DescribeRouteTables", params),
                &["InvalidRouteTableID.NotFound"],
            )?
            else {
                continue;
            };
            let doc = parse(&t)?;
            for table in items(&doc, "routeTableSet") {
                let associations = xml::child(table, "associationSet")
                    .map(|a| xml::children(a, "item").collect::<Vec<_>>())
                    .unwrap_or_default();
                for a in associations {
                    if text(a, "routeTableAssociationId").as_deref() == Some(id) {
                        let mut o = Obj::new();
                        o.insert("id".into(), json!(id));
                        o.insert("route_table_id".into(), json!(text(a, "routeTableId")));
                        o.insert("subnet_id".into(), json!(text(a, "subnetId")));
                        o.insert("gateway_id".into(), json!(text(a, "gatewayId")));
                        return Ok(Some(o));
                    }
                }
            }
        }
        Ok(None)
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "ReplaceRouteTableAssociation",
            Params::new()
                .set("AssociationId", id)
                .set("RouteTableId", api::req(p, "route_table_id")?),
        )?;
        Ok(api::find_text(&parse(&t)?, "newAssociationId").unwrap_or_else(|| id.to_string()))
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2(
                "DisassociateRouteTable",
                Params::new().set("AssociationId", id),
            ),
            &["InvalidAssociationID.NotFound"],
        )
        .map(|_| ())
    }
}
