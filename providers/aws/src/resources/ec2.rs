//! EC2 networking: VPCs (with IPv6), subnets, internet gateways and
//! security groups with inline rules. Route tables are in `routes`,
//! placement groups, key pairs and volumes in `placement`.

use super::{computed, defaulted, optional, required, string, string_set, tagged};
use crate::api::{
    self, b, blocks, ec2_tags, items, parse, s, strings, tags, text, Api, Obj, Params,
};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(Vpc),
        Arc::new(Subnet),
        Arc::new(InternetGateway),
        Arc::new(SecurityGroup),
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
            ("assign_generated_ipv6_cidr_block", optional(Type::Bool)),
            ("ipv6_cidr_block", computed(Type::String)),
            ("ipv6_association_id", computed(Type::String)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
            ("main_route_table_id", computed(Type::String)),
            ("default_route_table_id", computed(Type::String)),
            ("default_network_acl_id", computed(Type::String)),
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
                .opt(
                    "AmazonProvidedIpv6CidrBlock",
                    (b(p, "assign_generated_ipv6_cidr_block") == Some(true)).then_some("true"),
                )
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
        let ipv6 = ipv6_association(vpc);
        o.insert(
            "assign_generated_ipv6_cidr_block".into(),
            if ipv6.is_none()
                && prior
                    .get("assign_generated_ipv6_cidr_block")
                    .is_none_or(J::is_null)
            {
                J::Null
            } else {
                json!(ipv6.is_some())
            },
        );
        let (block, association) = ipv6.unzip();
        o.insert("ipv6_cidr_block".into(), json!(block.unwrap_or_default()));
        o.insert(
            "ipv6_association_id".into(),
            json!(association.unwrap_or_default()),
        );
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
        let main = api::find_text(&parse(&rt)?, "routeTableId").unwrap_or_default();
        o.insert("main_route_table_id".into(), json!(main));
        o.insert("default_route_table_id".into(), json!(main));
        let acl = api.ec2(
            "DescribeNetworkAcls",
            Params::new()
                .set("Filter.1.Name", "vpc-id")
                .set("Filter.1.Value.1", id)
                .set("Filter.2.Name", "default")
                .set("Filter.2.Value.1", "true"),
        )?;
        o.insert(
            "default_network_acl_id".into(),
            json!(api::find_text(&parse(&acl)?, "networkAclId").unwrap_or_default()),
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
        let wanted = b(p, "assign_generated_ipv6_cidr_block") == Some(true);
        match (
            wanted,
            s(prior, "ipv6_association_id").filter(|a| !a.is_empty()),
        ) {
            (true, None) => {
                api.ec2(
                    "AssociateVpcCidrBlock",
                    Params::new()
                        .set("VpcId", id)
                        .set("AmazonProvidedIpv6CidrBlock", "true"),
                )?;
            }
            (false, Some(association)) => {
                api.ec2(
                    "DisassociateVpcCidrBlock",
                    Params::new().set("AssociationId", association),
                )?;
            }
            _ => {}
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

fn set_assign_ipv6(api: &Api, id: &str, value: bool) -> ProviderResult<()> {
    api.ec2(
        "ModifySubnetAttribute",
        Params::new()
            .set("SubnetId", id)
            .set("AssignIpv6AddressOnCreation.Value", value.to_string()),
    )
    .map(|_| ())
}

/// The IPv6 block associated with a VPC or subnet and its association id
/// (a block being or already disassociated is not).
fn ipv6_association(node: xml::Node<'_, '_>) -> Option<(String, String)> {
    let set = xml::child(node, "ipv6CidrBlockAssociationSet")?;
    xml::children(set, "item").find_map(|item| {
        let state = xml::child(item, "ipv6CidrBlockState")
            .and_then(|st| text(st, "state"))
            .unwrap_or_else(|| "associated".into());
        if state.starts_with("disassociat") || state == "failed" {
            return None;
        }
        Some((text(item, "ipv6CidrBlock")?, text(item, "associationId")?))
    })
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
            ("ipv6_cidr_block", optional(Type::String)),
            ("assign_ipv6_address_on_creation", defaulted(Type::Bool)),
            ("ipv6_cidr_block_association_id", computed(Type::String)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"map_public_ip_on_launch": false, "assign_ipv6_address_on_creation": false})
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
                .opt("Ipv6CidrBlock", s(p, "ipv6_cidr_block"))
                .opt("AvailabilityZone", s(p, "availability_zone"))
                .tag_spec("subnet", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "subnetId")
            .ok_or_else(|| ProviderError::failed("CreateSubnet", "no subnetId in the answer"))?;
        if b(p, "map_public_ip_on_launch") == Some(true) {
            set_map_public_ip(api, &id, true)?;
        }
        if b(p, "assign_ipv6_address_on_creation") == Some(true) {
            set_assign_ipv6(api, &id, true)?;
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
        o.insert(
            "assign_ipv6_address_on_creation".into(),
            json!(text(n, "assignIpv6AddressOnCreation").as_deref() == Some("true")),
        );
        let (block, association) = ipv6_association(n).unzip();
        o.insert("ipv6_cidr_block".into(), json!(block));
        o.insert(
            "ipv6_cidr_block_association_id".into(),
            json!(association.unwrap_or_default()),
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
        if s(prior, "ipv6_cidr_block") != s(p, "ipv6_cidr_block") {
            // Addresses are not given out of the block while it changes.
            if b(prior, "assign_ipv6_address_on_creation") == Some(true) {
                set_assign_ipv6(api, id, false)?;
            }
            if let Some(association) =
                s(prior, "ipv6_cidr_block_association_id").filter(|a| !a.is_empty())
            {
                api.ec2(
                    "DisassociateSubnetCidrBlock",
                    Params::new().set("AssociationId", association),
                )?;
            }
            if let Some(block) = s(p, "ipv6_cidr_block") {
                api.ec2(
                    "AssociateSubnetCidrBlock",
                    Params::new()
                        .set("SubnetId", id)
                        .set("Ipv6CidrBlock", block),
                )?;
            }
        }
        if let Some(v) = b(p, "assign_ipv6_address_on_creation") {
            let was = b(prior, "assign_ipv6_address_on_creation") == Some(true)
                && s(prior, "ipv6_cidr_block") == s(p, "ipv6_cidr_block");
            if was != v {
                set_assign_ipv6(api, id, v)?;
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

// ---- aws_security_group ----------------------------------------------------------

pub(super) struct SecurityGroup;

pub(super) fn rule_schema() -> Schema {
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

/// Makes the group's rules the configured ones, whatever AWS (or anyone)
/// put there before: a new group's allow-all egress, an adopted default
/// group's rules.
pub(super) fn own_rules(api: &Api, id: &str, p: &Obj) -> ProviderResult<()> {
    let doc_text = api.ec2("DescribeSecurityGroups", Params::new().set("GroupId.1", id))?;
    let doc = parse(&doc_text)?;
    let group = items(&doc, "securityGroupInfo").into_iter().next();
    for (kind, set) in [
        ("ingress", "ipPermissions"),
        ("egress", "ipPermissionsEgress"),
    ] {
        let current: Vec<Obj> = group
            .map(|g| read_rules(g, set, id))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| r.as_object().cloned())
            .collect();
        let current: Vec<&Obj> = current.iter().collect();
        sync_rules(api, id, kind, &current, &blocks(p, kind))?;
    }
    Ok(())
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
        super::rule_blocks(&mut schema, rule_schema);
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
        own_rules(api, &id, p)?;
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
