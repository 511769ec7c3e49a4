//! EC2 networking and placement: VPCs, subnets, internet gateways, route
//! tables and their associations, security groups with inline rules,
//! placement groups and key pairs.

use super::{block, computed, defaulted, optional, required, string, string_set, tagged};
use crate::api::{
    self, b, blocks, ec2_tags, items, parse, s, strings, tags, text, Api, Obj, Params,
};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(Vpc),
        Arc::new(Subnet),
        Arc::new(InternetGateway),
        Arc::new(RouteTable),
        Arc::new(RouteTableAssociation),
        Arc::new(SecurityGroup),
        Arc::new(PlacementGroup),
        Arc::new(KeyPair),
        Arc::new(EbsVolume),
    ]
}

pub(super) fn arn(api: &Api, owner: &str, kind: &str, id: &str) -> String {
    format!("arn:aws:ec2:{}:{owner}:{kind}/{id}", api.region)
}

/// Describes one object by id; `None` when EC2 says it does not exist.
pub(super) fn describe(
    api: &Api,
    action: &str,
    id_param: &str,
    id: &str,
    not_found: &[&str],
) -> ProviderResult<Option<String>> {
    api.maybe(api.ec2(action, Params::new().set(id_param, id)), not_found)
}

// ---- aws_vpc ---------------------------------------------------------------------

struct Vpc;

fn vpc_attribute(api: &Api, id: &str, attribute: &str) -> ProviderResult<bool> {
    let t = api.ec2(
        "DescribeVpcAttribute",
        Params::new().set("VpcId", id).set("Attribute", attribute),
    )?;
    let doc = parse(&t)?;
    Ok(xml::find(doc.root_element(), attribute)
        .and_then(|n| text(n, "value"))
        .as_deref()
        == Some("true"))
}

fn set_vpc_attribute(api: &Api, id: &str, name: &str, value: bool) -> ProviderResult<()> {
    api.ec2(
        "ModifyVpcAttribute",
        Params::new()
            .set("VpcId", id)
            .set(format!("{name}.Value"), value.to_string()),
    )
    .map(|_| ())
}

impl Resource for Vpc {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("cidr_block", required(Type::String).force_new()),
            ("instance_tenancy", defaulted(Type::String).force_new()),
            ("enable_dns_support", defaulted(Type::Bool)),
            ("enable_dns_hostnames", defaulted(Type::Bool)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
            ("main_route_table_id", computed(Type::String)),
            ("default_security_group_id", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"instance_tenancy": "default", "enable_dns_support": true, "enable_dns_hostnames": false})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "CreateVpc",
            Params::new()
                .set("CidrBlock", api::req(p, "cidr_block")?)
                .opt("InstanceTenancy", s(p, "instance_tenancy"))
                .tag_spec("vpc", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "vpcId")
            .ok_or_else(|| ProviderError::failed("CreateVpc", "no vpcId in the answer"))?;
        if b(p, "enable_dns_hostnames") == Some(true) {
            set_vpc_attribute(api, &id, "EnableDnsHostnames", true)?;
        }
        if b(p, "enable_dns_support") == Some(false) {
            set_vpc_attribute(api, &id, "EnableDnsSupport", false)?;
        }
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeVpcs",
            "VpcId.1",
            id,
            &["InvalidVpcID.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(vpc) = items(&doc, "vpcSet").into_iter().next() else {
            return Ok(None);
        };
        let owner = text(vpc, "ownerId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("cidr_block".into(), json!(text(vpc, "cidrBlock")));
        o.insert(
            "instance_tenancy".into(),
            json!(text(vpc, "instanceTenancy").unwrap_or_else(|| "default".into())),
        );
        o.insert("owner_id".into(), json!(owner));
        o.insert("arn".into(), json!(arn(api, &owner, "vpc", id)));
        o.insert(
            "enable_dns_support".into(),
            json!(vpc_attribute(api, id, "enableDnsSupport")?),
        );
        o.insert(
            "enable_dns_hostnames".into(),
            json!(vpc_attribute(api, id, "enableDnsHostnames")?),
        );
        let rt = api.ec2(
            "DescribeRouteTables",
            Params::new()
                .set("Filter.1.Name", "vpc-id")
                .set("Filter.1.Value.1", id)
                .set("Filter.2.Name", "association.main")
                .set("Filter.2.Value.1", "true"),
        )?;
        o.insert(
            "main_route_table_id".into(),
            json!(api::find_text(&parse(&rt)?, "routeTableId").unwrap_or_default()),
        );
        let sg = api.ec2(
            "DescribeSecurityGroups",
            Params::new()
                .set("Filter.1.Name", "vpc-id")
                .set("Filter.1.Value.1", id)
                .set("Filter.2.Name", "group-name")
                .set("Filter.2.Value.1", "default"),
        )?;
        o.insert(
            "default_security_group_id".into(),
            json!(api::find_text(&parse(&sg)?, "groupId").unwrap_or_default()),
        );
        api.read_tags(&mut o, ec2_tags(vpc), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        for (attr, name) in [
            ("enable_dns_support", "EnableDnsSupport"),
            ("enable_dns_hostnames", "EnableDnsHostnames"),
        ] {
            if let Some(v) = b(p, attr) {
                if b(prior, attr) != Some(v) {
                    set_vpc_attribute(api, id, name, v)?;
                }
            }
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("DeleteVpc", Params::new().set("VpcId", id)),
            &["InvalidVpcID.NotFound"],
        )
        .map(|_| ())
    }
}

// ---- aws_subnet ------------------------------------------------------------------

struct Subnet;

fn set_map_public_ip(api: &Api, id: &str, value: bool) -> ProviderResult<()> {
    api.ec2(
        "ModifySubnetAttribute",
        Params::new()
            .set("SubnetId", id)
            .set("MapPublicIpOnLaunch.Value", value.to_string()),
    )
    .map(|_| ())
}

impl Resource for Subnet {
    fn type_name(&self) -> &'static str {
        "aws_subnet"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("vpc_id", required(Type::String).force_new()),
            ("cidr_block", required(Type::String).force_new()),
            ("availability_zone", defaulted(Type::String).force_new()),
            ("availability_zone_id", computed(Type::String)),
            ("map_public_ip_on_launch", defaulted(Type::Bool)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"map_public_ip_on_launch": false})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "CreateSubnet",
            Params::new()
                .set("VpcId", api::req(p, "vpc_id")?)
                .set("CidrBlock", api::req(p, "cidr_block")?)
                .opt("AvailabilityZone", s(p, "availability_zone"))
                .tag_spec("subnet", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "subnetId")
            .ok_or_else(|| ProviderError::failed("CreateSubnet", "no subnetId in the answer"))?;
        if b(p, "map_public_ip_on_launch") == Some(true) {
            set_map_public_ip(api, &id, true)?;
        }
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeSubnets",
            "SubnetId.1",
            id,
            &["InvalidSubnetID.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "subnetSet").into_iter().next() else {
            return Ok(None);
        };
        let owner = text(n, "ownerId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        for (k, x) in [
            ("vpc_id", "vpcId"),
            ("cidr_block", "cidrBlock"),
            ("availability_zone", "availabilityZone"),
            ("availability_zone_id", "availabilityZoneId"),
        ] {
            o.insert(k.into(), json!(text(n, x)));
        }
        o.insert(
            "map_public_ip_on_launch".into(),
            json!(text(n, "mapPublicIpOnLaunch").as_deref() == Some("true")),
        );
        o.insert("owner_id".into(), json!(owner));
        o.insert(
            "arn".into(),
            json!(text(n, "subnetArn").unwrap_or_else(|| arn(api, &owner, "subnet", id))),
        );
        api.read_tags(&mut o, ec2_tags(n), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if let Some(v) = b(p, "map_public_ip_on_launch") {
            if b(prior, "map_public_ip_on_launch") != Some(v) {
                set_map_public_ip(api, id, v)?;
            }
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("DeleteSubnet", Params::new().set("SubnetId", id)),
            &["InvalidSubnetID.NotFound"],
        )
        .map(|_| ())
    }
}

// ---- aws_internet_gateway --------------------------------------------------------

struct InternetGateway;

fn attach_igw(api: &Api, action: &str, id: &str, vpc: &str) -> ProviderResult<()> {
    api.ec2(
        action,
        Params::new().set("InternetGatewayId", id).set("VpcId", vpc),
    )
    .map(|_| ())
}

impl Resource for InternetGateway {
    fn type_name(&self) -> &'static str {
        "aws_internet_gateway"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("vpc_id", string()),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "CreateInternetGateway",
            Params::new().tag_spec("internet-gateway", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "internetGatewayId").ok_or_else(|| {
            ProviderError::failed(
                "CreateInternetGateway",
                "no internetGatewayId in the answer",
            )
        })?;
        if let Some(vpc) = s(p, "vpc_id") {
            attach_igw(api, "AttachInternetGateway", &id, vpc)?;
        }
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeInternetGateways",
            "InternetGatewayId.1",
            id,
            &["InvalidInternetGatewayID.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "internetGatewaySet").into_iter().next() else {
            return Ok(None);
        };
        let owner = text(n, "ownerId").unwrap_or_default();
        let vpc = xml::child(n, "attachmentSet")
            .and_then(|a| xml::children(a, "item").next())
            .and_then(|i| text(i, "vpcId"));
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("vpc_id".into(), json!(vpc));
        o.insert("owner_id".into(), json!(owner));
        o.insert(
            "arn".into(),
            json!(arn(api, &owner, "internet-gateway", id)),
        );
        api.read_tags(&mut o, ec2_tags(n), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "vpc_id") != s(p, "vpc_id") {
            if let Some(old) = s(prior, "vpc_id") {
                attach_igw(api, "DetachInternetGateway", id, old)?;
            }
            if let Some(new) = s(p, "vpc_id") {
                attach_igw(api, "AttachInternetGateway", id, new)?;
            }
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        if let Some(vpc) = s(prior, "vpc_id") {
            let _ = attach_igw(api, "DetachInternetGateway", id, vpc);
        }
        api.maybe(
            api.ec2(
                "DeleteInternetGateway",
                Params::new().set("InternetGatewayId", id),
            ),
            &["InvalidInternetGatewayID.NotFound"],
        )
        .map(|_| ())
    }
}

// ---- aws_route_table and aws_route_table_association ----------------------------

struct RouteTable;

fn route_schema() -> Schema {
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

// ---- aws_security_group ----------------------------------------------------------

struct SecurityGroup;

fn rule_schema() -> Schema {
    Schema::new([
        ("from_port", required(Type::Number)),
        ("to_port", required(Type::Number)),
        ("protocol", required(Type::String)),
        ("cidr_blocks", optional(super::strings())),
        ("ipv6_cidr_blocks", optional(super::strings())),
        ("security_groups", optional(string_set())),
        ("self", optional(Type::Bool)),
        ("description", string()),
    ])
}

/// Protocols as EC2 reports them: names lower-case, "all" as "-1".
pub(super) fn protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        other => other.into(),
    }
}

/// The `IpPermissions.N` parameters of rules.
pub(super) fn permissions(group: &str, rules: &[&Obj]) -> Params {
    let mut p = Params::new().set("GroupId", group);
    for (i, r) in rules.iter().enumerate() {
        let pre = format!("IpPermissions.{}", i + 1);
        p = p
            .set(
                format!("{pre}.IpProtocol"),
                protocol(s(r, "protocol").unwrap_or("-1")),
            )
            .set(
                format!("{pre}.FromPort"),
                api::n(r, "from_port").unwrap_or(0).to_string(),
            )
            .set(
                format!("{pre}.ToPort"),
                api::n(r, "to_port").unwrap_or(0).to_string(),
            );
        for (j, c) in strings(r, "cidr_blocks").iter().enumerate() {
            p = p.set(format!("{pre}.IpRanges.{}.CidrIp", j + 1), c.as_str());
            if let Some(d) = s(r, "description") {
                p = p.set(format!("{pre}.IpRanges.{}.Description", j + 1), d);
            }
        }
        for (j, c) in strings(r, "ipv6_cidr_blocks").iter().enumerate() {
            p = p.set(format!("{pre}.Ipv6Ranges.{}.CidrIpv6", j + 1), c.as_str());
        }
        let mut groups = strings(r, "security_groups");
        if b(r, "self") == Some(true) {
            groups.push(group.to_string());
        }
        for (j, g) in groups.iter().enumerate() {
            p = p.set(format!("{pre}.Groups.{}.GroupId", j + 1), g.as_str());
            if let Some(d) = s(r, "description") {
                p = p.set(format!("{pre}.Groups.{}.Description", j + 1), d);
            }
        }
    }
    p
}

pub(super) fn read_rules(node: xml::Node<'_, '_>, set: &str, group: &str) -> Vec<J> {
    let mut out = Vec::new();
    let Some(list) = xml::child(node, set) else {
        return out;
    };
    for perm in xml::children(list, "item") {
        let ranges: Vec<xml::Node<'_, '_>> = xml::child(perm, "ipRanges")
            .map(|r| xml::children(r, "item").collect())
            .unwrap_or_default();
        let cidrs: Vec<String> = ranges.iter().filter_map(|r| text(*r, "cidrIp")).collect();
        let pairs: Vec<xml::Node<'_, '_>> = xml::child(perm, "groups")
            .map(|g| xml::children(g, "item").collect())
            .unwrap_or_default();
        let description = ranges
            .iter()
            .chain(pairs.iter())
            .find_map(|r| text(*r, "description"));
        let v6: Vec<String> = xml::child(perm, "ipv6Ranges")
            .map(|r| {
                xml::children(r, "item")
                    .filter_map(|i| text(i, "cidrIpv6"))
                    .collect()
            })
            .unwrap_or_default();
        let groups: Vec<String> = xml::child(perm, "groups")
            .map(|g| {
                xml::children(g, "item")
                    .filter_map(|i| text(i, "groupId"))
                    .collect()
            })
            .unwrap_or_default();
        let is_self = groups.iter().any(|g| g == group);
        let others: Vec<&String> = groups.iter().filter(|g| *g != group).collect();
        let port = |k: &str| {
            text(perm, k)
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(0)
        };
        out.push(json!({
            "from_port": port("fromPort"),
            "to_port": port("toPort"),
            "protocol": protocol(&text(perm, "ipProtocol").unwrap_or_else(|| "-1".into())),
            "cidr_blocks": if cidrs.is_empty() { J::Null } else { json!(cidrs) },
            "ipv6_cidr_blocks": if v6.is_empty() { J::Null } else { json!(v6) },
            "security_groups": if others.is_empty() { J::Null } else { json!(others) },
            "self": if is_self { json!(true) } else { J::Null },
            "description": description,
        }));
    }
    out
}

/// A rule as compared: protocol normalized, empty lists as null.
fn normal_rule(r: &Obj) -> J {
    let list = |k: &str| {
        let mut v = strings(r, k);
        v.sort();
        if v.is_empty() {
            J::Null
        } else {
            json!(v)
        }
    };
    json!({
        "from_port": api::n(r, "from_port"),
        "to_port": api::n(r, "to_port"),
        "protocol": protocol(s(r, "protocol").unwrap_or("-1")),
        "cidr_blocks": list("cidr_blocks"),
        "ipv6_cidr_blocks": list("ipv6_cidr_blocks"),
        "security_groups": list("security_groups"),
        "self": b(r, "self").filter(|x| *x),
        "description": s(r, "description"),
    })
}

fn sync_rules(api: &Api, id: &str, kind: &str, old: &[&Obj], new: &[&Obj]) -> ProviderResult<()> {
    let (revoke, authorize) = match kind {
        "ingress" => (
            "RevokeSecurityGroupIngress",
            "AuthorizeSecurityGroupIngress",
        ),
        _ => ("RevokeSecurityGroupEgress", "AuthorizeSecurityGroupEgress"),
    };
    let old_n: Vec<J> = old.iter().map(|r| normal_rule(r)).collect();
    let new_n: Vec<J> = new.iter().map(|r| normal_rule(r)).collect();
    let gone: Vec<&Obj> = old
        .iter()
        .zip(&old_n)
        .filter(|(_, n)| !new_n.contains(n))
        .map(|(r, _)| *r)
        .collect();
    let added: Vec<&Obj> = new
        .iter()
        .zip(&new_n)
        .filter(|(_, n)| !old_n.contains(n))
        .map(|(r, _)| *r)
        .collect();
    if !gone.is_empty() {
        api.ec2(revoke, permissions(id, &gone))?;
    }
    if !added.is_empty() {
        api.ec2(authorize, permissions(id, &added))?;
    }
    Ok(())
}

impl Resource for SecurityGroup {
    fn type_name(&self) -> &'static str {
        "aws_security_group"
    }

    fn computed_blocks(&self) -> &'static [&'static str] {
        &["ingress", "egress"]
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", defaulted(Type::String).force_new()),
            ("name_prefix", optional(Type::String).force_new()),
            ("description", defaulted(Type::String).force_new()),
            ("vpc_id", defaulted(Type::String).force_new()),
            ("revoke_rules_on_delete", optional(Type::Bool)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ]);
        block(&mut schema, "ingress", Nesting::Set, rule_schema(), None);
        block(&mut schema, "egress", Nesting::Set, rule_schema(), None);
        schema
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"description": "Managed by Terraform"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = super::generated_name(p);
        let t = api.ec2(
            "CreateSecurityGroup",
            Params::new()
                .set("GroupName", name)
                .set(
                    "GroupDescription",
                    s(p, "description").unwrap_or("Managed by Terraform"),
                )
                .opt("VpcId", s(p, "vpc_id"))
                .tag_spec("security-group", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "groupId")
            .ok_or_else(|| ProviderError::failed("CreateSecurityGroup", "no groupId"))?;
        // AWS adds an allow-all egress rule; the configuration owns egress.
        let doc_text = api.ec2(
            "DescribeSecurityGroups",
            Params::new().set("GroupId.1", &id),
        )?;
        let doc = parse(&doc_text)?;
        let current: Vec<Obj> = items(&doc, "securityGroupInfo")
            .first()
            .map(|g| read_rules(*g, "ipPermissionsEgress", &id))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| r.as_object().cloned())
            .collect();
        let current: Vec<&Obj> = current.iter().collect();
        sync_rules(api, &id, "egress", &current, &blocks(p, "egress"))?;
        sync_rules(api, &id, "ingress", &[], &blocks(p, "ingress"))?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeSecurityGroups",
            "GroupId.1",
            id,
            &["InvalidGroup.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(g) = items(&doc, "securityGroupInfo").into_iter().next() else {
            return Ok(None);
        };
        let owner = text(g, "ownerId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(text(g, "groupName")));
        o.insert("description".into(), json!(text(g, "groupDescription")));
        o.insert("vpc_id".into(), json!(text(g, "vpcId")));
        o.insert("owner_id".into(), json!(owner));
        o.insert("arn".into(), json!(arn(api, &owner, "security-group", id)));
        o.insert(
            "ingress".into(),
            J::Array(read_rules(g, "ipPermissions", id)),
        );
        o.insert(
            "egress".into(),
            J::Array(read_rules(g, "ipPermissionsEgress", id)),
        );
        // Rules as configured where they mean the same as what AWS reports.
        for kind in ["ingress", "egress"] {
            let configured = blocks(prior, kind);
            let found = blocks(&o, kind);
            let same = configured.len() == found.len()
                && configured
                    .iter()
                    .all(|c| found.iter().any(|f| normal_rule(c) == normal_rule(f)));
            if same {
                let keep = prior.get(kind).cloned().unwrap_or(J::Null);
                o.insert(kind.into(), keep);
            }
        }
        api.read_tags(&mut o, ec2_tags(g), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        for kind in ["ingress", "egress"] {
            sync_rules(api, id, kind, &blocks(prior, kind), &blocks(p, kind))?;
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("DeleteSecurityGroup", Params::new().set("GroupId", id)),
            &["InvalidGroup.NotFound"],
        )
        .map(|_| ())
    }

    fn token(&self, planned: &Obj) -> Option<String> {
        Some(format!("{}/{}", s(planned, "vpc_id")?, s(planned, "name")?))
    }

    fn find(&self, api: &Api, token: &str, _planned: &Obj) -> ProviderResult<Option<String>> {
        let Some((vpc, name)) = token.split_once('/') else {
            return Ok(None);
        };
        let t = api.ec2(
            "DescribeSecurityGroups",
            Params::new()
                .set("Filter.1.Name", "vpc-id")
                .set("Filter.1.Value.1", vpc)
                .set("Filter.2.Name", "group-name")
                .set("Filter.2.Value.1", name),
        )?;
        Ok(api::find_text(&parse(&t)?, "groupId"))
    }
}

// ---- aws_placement_group ---------------------------------------------------------

struct PlacementGroup;

impl Resource for PlacementGroup {
    fn type_name(&self) -> &'static str {
        "aws_placement_group"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", required(Type::String).force_new()),
            ("strategy", required(Type::String).force_new()),
            ("partition_count", defaulted(Type::Number).force_new()),
            ("spread_level", defaulted(Type::String).force_new()),
            ("arn", computed(Type::String)),
            ("placement_group_id", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        api.ec2(
            "CreatePlacementGroup",
            Params::new()
                .set("GroupName", name)
                .set("Strategy", api::req(p, "strategy")?)
                .opt(
                    "PartitionCount",
                    api::n(p, "partition_count").map(|n| n.to_string()),
                )
                .opt("SpreadLevel", s(p, "spread_level"))
                .tag_spec("placement-group", &api.tags_all(&tags(p, "tags"))),
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribePlacementGroups",
            "GroupName.1",
            id,
            &["InvalidPlacementGroup.Unknown"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(g) = items(&doc, "placementGroupSet").into_iter().next() else {
            return Ok(None);
        };
        let gid = text(g, "groupId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(text(g, "groupName")));
        o.insert("strategy".into(), json!(text(g, "strategy")));
        o.insert(
            "partition_count".into(),
            json!(text(g, "partitionCount")
                .and_then(|c| c.parse::<i64>().ok())
                .unwrap_or(0)),
        );
        o.insert(
            "spread_level".into(),
            json!(text(g, "spreadLevel").unwrap_or_default()),
        );
        o.insert("placement_group_id".into(), json!(gid));
        o.insert(
            "arn".into(),
            json!(text(g, "groupArn")
                .unwrap_or_else(|| format!("arn:aws:ec2:{}::placement-group/{id}", api.region))),
        );
        api.read_tags(&mut o, ec2_tags(g), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let gid = api::req(prior, "placement_group_id")?;
        api.retag_ec2(gid, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("DeletePlacementGroup", Params::new().set("GroupName", id)),
            &["InvalidPlacementGroup.Unknown"],
        )
        .map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

// ---- aws_key_pair ----------------------------------------------------------------

struct KeyPair;

impl Resource for KeyPair {
    fn type_name(&self) -> &'static str {
        "aws_key_pair"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("key_name", required(Type::String).force_new()),
            ("public_key", required(Type::String).force_new()),
            ("fingerprint", computed(Type::String)),
            ("key_pair_id", computed(Type::String)),
            ("key_type", computed(Type::String)),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        use base64::Engine;
        let name = api::req(p, "key_name")?;
        api.ec2(
            "ImportKeyPair",
            Params::new()
                .set("KeyName", name)
                .set(
                    "PublicKeyMaterial",
                    base64::engine::general_purpose::STANDARD.encode(api::req(p, "public_key")?),
                )
                .tag_spec("key-pair", &api.tags_all(&tags(p, "tags"))),
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeKeyPairs",
            "KeyName.1",
            id,
            &["InvalidKeyPair.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(k) = items(&doc, "keySet").into_iter().next() else {
            return Ok(None);
        };
        let kid = text(k, "keyPairId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("key_name".into(), json!(text(k, "keyName")));
        o.insert("fingerprint".into(), json!(text(k, "keyFingerprint")));
        o.insert("key_pair_id".into(), json!(kid));
        o.insert(
            "key_type".into(),
            json!(text(k, "keyType").unwrap_or_else(|| "rsa".into())),
        );
        o.insert(
            "arn".into(),
            json!(format!("arn:aws:ec2:{}::key-pair/{kid}", api.region)),
        );
        // AWS does not return the public key: keep what was given.
        o.insert(
            "public_key".into(),
            prior.get("public_key").cloned().unwrap_or(J::Null),
        );
        api.read_tags(&mut o, ec2_tags(k), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let kid = api::req(prior, "key_pair_id")?;
        api.retag_ec2(kid, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.ec2("DeleteKeyPair", Params::new().set("KeyName", id))
            .map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("key_name")
    }
}

// ---- aws_ebs_volume ----------------------------------------------------------------

struct EbsVolume;

fn volume_params(p: &Obj) -> Params {
    Params::new()
        .opt("Size", api::n(p, "size").map(|n| n.to_string()))
        .opt("VolumeType", s(p, "type"))
        .opt("Iops", api::n(p, "iops").map(|n| n.to_string()))
        .opt("Throughput", api::n(p, "throughput").map(|n| n.to_string()))
}

impl Resource for EbsVolume {
    fn type_name(&self) -> &'static str {
        "aws_ebs_volume"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("availability_zone", required(Type::String).force_new()),
            ("size", defaulted(Type::Number)),
            ("type", defaulted(Type::String)),
            ("iops", defaulted(Type::Number)),
            ("throughput", defaulted(Type::Number)),
            ("encrypted", defaulted(Type::Bool).force_new()),
            ("snapshot_id", defaulted(Type::String).force_new()),
            ("arn", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"type": "gp2", "encrypted": false})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let params = volume_params(p)
            .set("AvailabilityZone", api::req(p, "availability_zone")?)
            .opt("Encrypted", b(p, "encrypted").map(|x| x.to_string()))
            .opt("SnapshotId", s(p, "snapshot_id"))
            .tag_spec("volume", &api.tags_all(&tags(p, "tags")));
        if api::n(p, "size").is_none() && s(p, "snapshot_id").is_none() {
            return Err(ProviderError::at(
                "Missing size",
                "an EBS volume needs size or snapshot_id",
                "size",
            ));
        }
        let t = api.ec2("CreateVolume", params)?;
        api::find_text(&parse(&t)?, "volumeId")
            .ok_or_else(|| ProviderError::failed("CreateVolume", "no volumeId in the answer"))
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeVolumes",
            "VolumeId.1",
            id,
            &["InvalidVolume.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(v) = items(&doc, "volumeSet").into_iter().next() else {
            return Ok(None);
        };
        if text(v, "status").as_deref() == Some("deleted") {
            return Ok(None);
        }
        let number = |k: &str| text(v, k).and_then(|x| x.parse::<i64>().ok());
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert(
            "availability_zone".into(),
            json!(text(v, "availabilityZone")),
        );
        o.insert("size".into(), json!(number("size")));
        o.insert("type".into(), json!(text(v, "volumeType")));
        o.insert("iops".into(), json!(number("iops").unwrap_or(0)));
        o.insert(
            "throughput".into(),
            json!(number("throughput").unwrap_or(0)),
        );
        o.insert(
            "encrypted".into(),
            json!(text(v, "encrypted").as_deref() == Some("true")),
        );
        o.insert(
            "snapshot_id".into(),
            json!(text(v, "snapshotId").unwrap_or_default()),
        );
        o.insert(
            "arn".into(),
            json!(format!("arn:aws:ec2:{}::volume/{id}", api.region)),
        );
        api.read_tags(&mut o, ec2_tags(v), prior);
        Ok(Some(o))
    }

    /// Size, type, IOPS and throughput change on a live volume.
    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let changed = ["size", "type", "iops", "throughput"]
            .iter()
            .any(|k| p.get(*k).is_some_and(|v| !v.is_null()) && prior.get(*k) != p.get(*k));
        if changed {
            api.ec2("ModifyVolume", volume_params(p).set("VolumeId", id))?;
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("DeleteVolume", Params::new().set("VolumeId", id)),
            &["InvalidVolume.NotFound"],
        )
        .map(|_| ())
    }
}
