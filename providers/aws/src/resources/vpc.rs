//! VPCs (with IPv6 and the IPAM arguments) and their subnets, with the
//! Terraform AWS provider's arguments.

use super::ec2::{arn, describe};
use super::{computed, defaulted, optional, required, tagged};
use crate::api::{self, b, ec2_tags, items, parse, s, tags, text, Api, Obj, Params};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(Vpc), Arc::new(DefaultVpc), Arc::new(Subnet)]
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
            // Left out when the block comes from an IPAM pool.
            ("cidr_block", defaulted(Type::String).force_new()),
            ("ipv4_ipam_pool_id", optional(Type::String).force_new()),
            ("ipv4_netmask_length", optional(Type::Number).force_new()),
            ("instance_tenancy", defaulted(Type::String).force_new()),
            ("enable_dns_support", defaulted(Type::Bool)),
            ("enable_dns_hostnames", defaulted(Type::Bool)),
            (
                "enable_network_address_usage_metrics",
                defaulted(Type::Bool),
            ),
            ("assign_generated_ipv6_cidr_block", optional(Type::Bool)),
            ("ipv6_cidr_block", defaulted(Type::String)),
            ("ipv6_ipam_pool_id", optional(Type::String)),
            ("ipv6_netmask_length", optional(Type::Number)),
            (
                "ipv6_cidr_block_network_border_group",
                defaulted(Type::String),
            ),
            ("ipv6_association_id", computed(Type::String)),
            ("dhcp_options_id", computed(Type::String)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
            ("main_route_table_id", computed(Type::String)),
            ("default_route_table_id", computed(Type::String)),
            ("default_network_acl_id", computed(Type::String)),
            ("default_security_group_id", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"instance_tenancy": "default", "enable_dns_support": true, "enable_dns_hostnames": false, "enable_network_address_usage_metrics": false})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let number = |k: &str| api::n(p, k).map(|n| n.to_string());
        let t = api.ec2(
            "CreateVpc",
            Params::new()
                .opt("CidrBlock", s(p, "cidr_block"))
                .opt("Ipv4IpamPoolId", s(p, "ipv4_ipam_pool_id"))
                .opt("Ipv4NetmaskLength", number("ipv4_netmask_length"))
                .opt("InstanceTenancy", s(p, "instance_tenancy"))
                .opt(
                    "AmazonProvidedIpv6CidrBlock",
                    (b(p, "assign_generated_ipv6_cidr_block") == Some(true)).then_some("true"),
                )
                .opt("Ipv6CidrBlock", s(p, "ipv6_cidr_block"))
                .opt("Ipv6IpamPoolId", s(p, "ipv6_ipam_pool_id"))
                .opt("Ipv6NetmaskLength", number("ipv6_netmask_length"))
                .opt(
                    "Ipv6CidrBlockNetworkBorderGroup",
                    s(p, "ipv6_cidr_block_network_border_group"),
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
        if b(p, "enable_network_address_usage_metrics") == Some(true) {
            set_vpc_attribute(api, &id, "EnableNetworkAddressUsageMetrics", true)?;
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
        o.insert(
            "enable_network_address_usage_metrics".into(),
            json!(vpc_attribute(api, id, "enableNetworkAddressUsageMetrics")?),
        );
        o.insert("dhcp_options_id".into(), json!(text(vpc, "dhcpOptionsId")));
        // The pools a block came from (and the IPv6 block's border group)
        // are kept as written.
        for k in [
            "ipv6_cidr_block_network_border_group",
            "ipv4_ipam_pool_id",
            "ipv4_netmask_length",
            "ipv6_ipam_pool_id",
            "ipv6_netmask_length",
        ] {
            o.insert(k.into(), prior.get(k).cloned().unwrap_or(J::Null));
        }
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
            (
                "enable_network_address_usage_metrics",
                "EnableNetworkAddressUsageMetrics",
            ),
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

// ---- aws_default_vpc ---------------------------------------------------------------

/// The region's default VPC, adopted (and made if the region has none);
/// destroying forgets it unless `force_destroy` says to delete it.
struct DefaultVpc;

impl Resource for DefaultVpc {
    fn type_name(&self) -> &'static str {
        "aws_default_vpc"
    }

    fn schema(&self) -> Schema {
        let mut schema = Vpc.schema();
        for k in ["ipv4_ipam_pool_id", "ipv4_netmask_length"] {
            schema.attributes.remove(k);
        }
        for k in ["cidr_block", "instance_tenancy"] {
            schema.attributes.insert(k.into(), computed(Type::String));
        }
        schema
            .attributes
            .insert("force_destroy".into(), defaulted(Type::Bool));
        schema
            .attributes
            .insert("existing_default_vpc".into(), computed(Type::Bool));
        schema
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"enable_dns_support": true, "enable_dns_hostnames": true, "force_destroy": false})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "DescribeVpcs",
            Params::new()
                .set("Filter.1.Name", "isDefault")
                .set("Filter.1.Value.1", "true"),
        )?;
        let id = match items(&parse(&t)?, "vpcSet")
            .first()
            .and_then(|v| text(*v, "vpcId"))
        {
            Some(id) => id,
            None => {
                let t = api.ec2("CreateDefaultVpc", Params::new())?;
                api::find_text(&parse(&t)?, "vpcId").ok_or_else(|| {
                    ProviderError::failed("CreateDefaultVpc", "no vpcId in the answer")
                })?
            }
        };
        // What the VPC has now is the prior object the configuration
        // is applied to.
        let now = Vpc.read(api, &id, &Obj::new())?.unwrap_or_default();
        Vpc.update(api, &id, &now, p)?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(mut o) = Vpc.read(api, id, prior)? else {
            return Ok(None);
        };
        o.insert(
            "force_destroy".into(),
            json!(api::b(prior, "force_destroy").unwrap_or(false)),
        );
        o.insert(
            "existing_default_vpc".into(),
            json!(api::b(prior, "existing_default_vpc").unwrap_or(true)),
        );
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        Vpc.update(api, id, prior, p)
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        if api::b(prior, "force_destroy") == Some(true) {
            return Vpc.delete(api, id, prior);
        }
        Ok(())
    }
}

// ---- aws_subnet ------------------------------------------------------------------

struct Subnet;

fn set_subnet_attribute(api: &Api, id: &str, name: &str, value: &str) -> ProviderResult<()> {
    api.ec2(
        "ModifySubnetAttribute",
        Params::new()
            .set("SubnetId", id)
            .set(format!("{name}.Value"), value),
    )
    .map(|_| ())
}

fn set_assign_ipv6(api: &Api, id: &str, value: bool) -> ProviderResult<()> {
    set_subnet_attribute(api, id, "AssignIpv6AddressOnCreation", &value.to_string())
}

/// The subnet's switches ModifySubnetAttribute sets one at a time, all
/// off unless configured: the argument, the call's name, and where
/// DescribeSubnets reports it (under `privateDnsNameOptionsOnLaunch`
/// when the name has a `/`).
const SWITCHES: [(&str, &str, &str); 5] = [
    (
        "map_public_ip_on_launch",
        "MapPublicIpOnLaunch",
        "mapPublicIpOnLaunch",
    ),
    ("enable_dns64", "EnableDns64", "enableDns64"),
    (
        "enable_resource_name_dns_a_record_on_launch",
        "EnableResourceNameDnsARecordOnLaunch",
        "privateDnsNameOptionsOnLaunch/enableResourceNameDnsARecord",
    ),
    (
        "enable_resource_name_dns_aaaa_record_on_launch",
        "EnableResourceNameDnsAAAARecordOnLaunch",
        "privateDnsNameOptionsOnLaunch/enableResourceNameDnsAAAARecord",
    ),
    (
        "map_customer_owned_ip_on_launch",
        "MapCustomerOwnedIpOnLaunch",
        "mapCustomerOwnedIpOnLaunch",
    ),
];

/// The text at a `parent/child` (or plain) path below a subnet.
fn at(node: xml::Node<'_, '_>, path: &str) -> Option<String> {
    match path.split_once('/') {
        Some((parent, child)) => text(xml::child(node, parent)?, child),
        None => text(node, path),
    }
}

/// Sets the switches and the hostname type `planned` has and `prior`
/// (an empty object for a new subnet: all off) has not.
fn set_switches(api: &Api, id: &str, prior: &Obj, planned: &Obj) -> ProviderResult<()> {
    for (k, name, _) in SWITCHES {
        if let Some(v) = b(planned, k) {
            if b(prior, k).unwrap_or(false) != v {
                set_subnet_attribute(api, id, name, &v.to_string())?;
            }
        }
    }
    if let Some(kind) = s(planned, "private_dns_hostname_type_on_launch") {
        if s(prior, "private_dns_hostname_type_on_launch").unwrap_or("ip-name") != kind {
            set_subnet_attribute(api, id, "PrivateDnsHostnameTypeOnLaunch", kind)?;
        }
    }
    if let Some(index) = api::n(planned, "enable_lni_at_device_index").filter(|i| *i > 0) {
        if api::n(prior, "enable_lni_at_device_index") != Some(index) {
            set_subnet_attribute(api, id, "EnableLniAtDeviceIndex", &index.to_string())?;
        }
    }
    Ok(())
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
            // Left out for an IPv6-only subnet.
            ("cidr_block", optional(Type::String).force_new()),
            ("availability_zone", defaulted(Type::String).force_new()),
            ("availability_zone_id", defaulted(Type::String).force_new()),
            ("map_public_ip_on_launch", defaulted(Type::Bool)),
            ("ipv6_cidr_block", optional(Type::String)),
            ("ipv6_native", defaulted(Type::Bool).force_new()),
            ("assign_ipv6_address_on_creation", defaulted(Type::Bool)),
            ("enable_dns64", defaulted(Type::Bool)),
            (
                "enable_resource_name_dns_a_record_on_launch",
                defaulted(Type::Bool),
            ),
            (
                "enable_resource_name_dns_aaaa_record_on_launch",
                defaulted(Type::Bool),
            ),
            (
                "private_dns_hostname_type_on_launch",
                defaulted(Type::String),
            ),
            ("enable_lni_at_device_index", defaulted(Type::Number)),
            ("customer_owned_ipv4_pool", optional(Type::String)),
            ("map_customer_owned_ip_on_launch", optional(Type::Bool)),
            ("outpost_arn", optional(Type::String).force_new()),
            ("ipv6_cidr_block_association_id", computed(Type::String)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({
            "map_public_ip_on_launch": false,
            "assign_ipv6_address_on_creation": false,
            "ipv6_native": false,
            "enable_dns64": false,
            "enable_resource_name_dns_a_record_on_launch": false,
            "enable_resource_name_dns_aaaa_record_on_launch": false,
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "CreateSubnet",
            Params::new()
                .set("VpcId", api::req(p, "vpc_id")?)
                .opt("CidrBlock", s(p, "cidr_block"))
                .opt("Ipv6CidrBlock", s(p, "ipv6_cidr_block"))
                .opt(
                    "Ipv6Native",
                    (b(p, "ipv6_native") == Some(true)).then_some("true"),
                )
                .opt("AvailabilityZone", s(p, "availability_zone"))
                .opt("AvailabilityZoneId", s(p, "availability_zone_id"))
                .opt("OutpostArn", s(p, "outpost_arn"))
                .tag_spec("subnet", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "subnetId")
            .ok_or_else(|| ProviderError::failed("CreateSubnet", "no subnetId in the answer"))?;
        let ipv6_only = b(p, "ipv6_native") == Some(true);
        if b(p, "assign_ipv6_address_on_creation") == Some(true) && !ipv6_only {
            set_assign_ipv6(api, &id, true)?;
        }
        set_switches(api, &id, &Obj::new(), p)?;
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
        for (k, _, path) in SWITCHES {
            o.insert(k.into(), json!(at(n, path).as_deref() == Some("true")));
        }
        if at(n, "mapCustomerOwnedIpOnLaunch").is_none() {
            let kept = prior.get("map_customer_owned_ip_on_launch");
            o.insert(
                "map_customer_owned_ip_on_launch".into(),
                kept.cloned().unwrap_or(J::Null),
            );
        }
        o.insert(
            "ipv6_native".into(),
            json!(text(n, "ipv6Native").as_deref() == Some("true")),
        );
        o.insert(
            "private_dns_hostname_type_on_launch".into(),
            json!(at(n, "privateDnsNameOptionsOnLaunch/hostnameType")
                .unwrap_or_else(|| "ip-name".into())),
        );
        o.insert(
            "enable_lni_at_device_index".into(),
            json!(text(n, "enableLniAtDeviceIndex")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)),
        );
        for (k, x) in [
            ("customer_owned_ipv4_pool", "customerOwnedIpv4Pool"),
            ("outpost_arn", "outpostArn"),
        ] {
            o.insert(k.into(), json!(text(n, x)));
        }
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
        set_switches(api, id, prior, p)?;
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
