//! What terraform-aws-vpc adds to a VPC besides subnets and routes: more
//! IPv4 blocks (`aws_vpc_ipv4_cidr_block_association`), DHCP options
//! (`aws_vpc_dhcp_options` and `_association`) and the IPv6 egress-only
//! internet gateway (`aws_egress_only_internet_gateway`).

use super::ec2::{arn, describe};
use super::{computed, defaulted, optional, required, strings, tagged, wait_status};
use crate::api::{self, ec2_tags, items, parse, s, tags, text, Api, Obj, Params};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(CidrBlockAssociation),
        Arc::new(DhcpOptions),
        Arc::new(DhcpOptionsAssociation),
        Arc::new(EgressOnlyInternetGateway),
    ]
}

/// The VPCs a filter finds, as DescribeVpcs lists them.
fn vpcs_where(api: &Api, filter: &str, value: &str) -> ProviderResult<String> {
    api.ec2(
        "DescribeVpcs",
        Params::new()
            .set("Filter.1.Name", filter)
            .set("Filter.1.Value.1", value),
    )
}

// ---- aws_vpc_ipv4_cidr_block_association ------------------------------------------------

struct CidrBlockAssociation;

/// The association's VPC and block, while it is associated.
fn cidr_association(api: &Api, id: &str) -> ProviderResult<Option<(String, String, String)>> {
    let t = vpcs_where(api, "cidr-block-association.association-id", id)?;
    let doc = parse(&t)?;
    for vpc in items(&doc, "vpcSet") {
        let set = xml::child(vpc, "cidrBlockAssociationSet");
        for item in set.into_iter().flat_map(|s| xml::children(s, "item")) {
            if text(item, "associationId").as_deref() != Some(id) {
                continue;
            }
            let state = xml::child(item, "cidrBlockState")
                .and_then(|st| text(st, "state"))
                .unwrap_or_else(|| "associated".into());
            if state.starts_with("disassociat") || state == "failed" {
                return Ok(None);
            }
            return Ok(Some((
                text(vpc, "vpcId").unwrap_or_default(),
                text(item, "cidrBlock").unwrap_or_default(),
                state,
            )));
        }
    }
    Ok(None)
}

impl Resource for CidrBlockAssociation {
    fn type_name(&self) -> &'static str {
        "aws_vpc_ipv4_cidr_block_association"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("vpc_id", required(Type::String).force_new()),
            ("cidr_block", defaulted(Type::String).force_new()),
            ("ipv4_ipam_pool_id", optional(Type::String).force_new()),
            ("ipv4_netmask_length", optional(Type::Number).force_new()),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "AssociateVpcCidrBlock",
            Params::new()
                .set("VpcId", api::req(p, "vpc_id")?)
                .opt("CidrBlock", s(p, "cidr_block"))
                .opt("Ipv4IpamPoolId", s(p, "ipv4_ipam_pool_id"))
                .opt(
                    "Ipv4NetmaskLength",
                    api::n(p, "ipv4_netmask_length").map(|n| n.to_string()),
                ),
        )?;
        let doc = parse(&t)?;
        let id = xml::find(doc.root_element(), "cidrBlockAssociation")
            .and_then(|a| text(a, "associationId"))
            .ok_or_else(|| {
                ProviderError::failed("AssociateVpcCidrBlock", "no associationId in the answer")
            })?;
        wait_status(
            api,
            "AssociateVpcCidrBlock",
            &["associated"],
            &["failed"],
            || Ok(cidr_association(api, &id)?.map(|(_, _, state)| state)),
        )?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some((vpc, block, _)) = cidr_association(api, id)? else {
            return Ok(None);
        };
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("vpc_id".into(), json!(vpc));
        o.insert("cidr_block".into(), json!(block));
        for k in ["ipv4_ipam_pool_id", "ipv4_netmask_length"] {
            o.insert(k.into(), prior.get(k).cloned().unwrap_or(J::Null));
        }
        Ok(Some(o))
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2(
                "DisassociateVpcCidrBlock",
                Params::new().set("AssociationId", id),
            ),
            &["InvalidVpcCidrBlockAssociationID.NotFound"],
        )?;
        wait_status(api, "DisassociateVpcCidrBlock", &["(gone)"], &[], || {
            Ok(cidr_association(api, id)?.map(|(_, _, state)| state))
        })
    }
}

// ---- aws_vpc_dhcp_options ---------------------------------------------------------------

struct DhcpOptions;

/// The options' arguments and the DHCP option keys they are sent as.
const DHCP_KEYS: [(&str, &str, bool); 6] = [
    ("domain_name", "domain-name", false),
    ("domain_name_servers", "domain-name-servers", true),
    ("ntp_servers", "ntp-servers", true),
    ("netbios_name_servers", "netbios-name-servers", true),
    ("netbios_node_type", "netbios-node-type", false),
    (
        "ipv6_address_preferred_lease_time",
        "ipv6-address-preferred-lease-time",
        false,
    ),
];

impl Resource for DhcpOptions {
    fn type_name(&self) -> &'static str {
        "aws_vpc_dhcp_options"
    }

    fn schema(&self) -> Schema {
        let mut attributes = vec![
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ];
        for (name, _, list) in DHCP_KEYS {
            let ty = if list { strings() } else { Type::String };
            attributes.push((name, optional(ty).force_new()));
        }
        tagged(attributes)
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let mut params = Params::new();
        let mut n = 0;
        for (name, key, list) in DHCP_KEYS {
            let values = if list {
                api::strings(p, name)
            } else {
                s(p, name).map(String::from).into_iter().collect()
            };
            if values.is_empty() {
                continue;
            }
            n += 1;
            params = params
                .set(format!("DhcpConfiguration.{n}.Key"), key)
                .list(&format!("DhcpConfiguration.{n}.Value"), &values);
        }
        let t = api.ec2("CreateDhcpOptions", params)?;
        let id = api::find_text(&parse(&t)?, "dhcpOptionsId").ok_or_else(|| {
            ProviderError::failed("CreateDhcpOptions", "no dhcpOptionsId in the answer")
        })?;
        api.retag_ec2(&id, &Obj::new(), p)?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeDhcpOptions",
            "DhcpOptionsId.1",
            id,
            &[
                "InvalidDhcpOptionID.NotFound",
                "InvalidDhcpOptionsID.NotFound",
            ],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "dhcpOptionsSet").into_iter().next() else {
            return Ok(None);
        };
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        let configured: Vec<(String, Vec<String>)> = xml::child(n, "dhcpConfigurationSet")
            .into_iter()
            .flat_map(|set| xml::children(set, "item"))
            .map(|item| {
                let values = xml::child(item, "valueSet")
                    .into_iter()
                    .flat_map(|v| xml::children(v, "item"))
                    .filter_map(|v| text(v, "value"))
                    .collect();
                (text(item, "key").unwrap_or_default(), values)
            })
            .collect();
        for (name, key, list) in DHCP_KEYS {
            let values = configured
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone());
            o.insert(
                name.into(),
                match (values, list) {
                    (Some(v), true) => json!(v),
                    (Some(v), false) => json!(v.into_iter().next()),
                    (None, _) => J::Null,
                },
            );
        }
        let owner = match text(n, "ownerId") {
            Some(owner) => owner,
            None => api.account_id()?,
        };
        o.insert("owner_id".into(), json!(owner));
        o.insert("arn".into(), json!(arn(api, &owner, "dhcp-options", id)));
        api.read_tags(&mut o, ec2_tags(n), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        // VPCs still using the options go back to the default ones first,
        // as the Terraform AWS provider does.
        let t = vpcs_where(api, "dhcp-options-id", id)?;
        for vpc in items(&parse(&t)?, "vpcSet") {
            if let Some(vpc) = text(vpc, "vpcId") {
                associate_dhcp(api, "default", &vpc)?;
            }
        }
        api.maybe(
            api.ec2("DeleteDhcpOptions", Params::new().set("DhcpOptionsId", id)),
            &[
                "InvalidDhcpOptionID.NotFound",
                "InvalidDhcpOptionsID.NotFound",
            ],
        )
        .map(|_| ())
    }
}

fn associate_dhcp(api: &Api, options: &str, vpc: &str) -> ProviderResult<()> {
    api.ec2(
        "AssociateDhcpOptions",
        Params::new()
            .set("DhcpOptionsId", options)
            .set("VpcId", vpc),
    )
    .map(|_| ())
}

// ---- aws_vpc_dhcp_options_association ----------------------------------------------------

struct DhcpOptionsAssociation;

impl Resource for DhcpOptionsAssociation {
    fn type_name(&self) -> &'static str {
        "aws_vpc_dhcp_options_association"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("vpc_id", required(Type::String).force_new()),
            ("dhcp_options_id", required(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let (options, vpc) = (api::req(p, "dhcp_options_id")?, api::req(p, "vpc_id")?);
        associate_dhcp(api, options, vpc)?;
        Ok(format!("{options}-{vpc}"))
    }

    fn read(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(vpc) = s(prior, "vpc_id") else {
            return Ok(None);
        };
        let Some(t) = describe(
            api,
            "DescribeVpcs",
            "VpcId.1",
            vpc,
            &["InvalidVpcID.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(options) = items(&doc, "vpcSet")
            .into_iter()
            .next()
            .and_then(|v| text(v, "dhcpOptionsId"))
        else {
            return Ok(None);
        };
        if options == "default" {
            return Ok(None);
        }
        let mut o = Obj::new();
        o.insert("id".into(), json!(format!("{options}-{vpc}")));
        o.insert("vpc_id".into(), json!(vpc));
        o.insert("dhcp_options_id".into(), json!(options));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, _id: &str, _prior: &Obj, p: &Obj) -> ProviderResult<String> {
        self.create(api, p)
    }

    fn delete(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            associate_dhcp(api, "default", api::req(prior, "vpc_id")?).map(|_| String::new()),
            &["InvalidVpcID.NotFound"],
        )
        .map(|_| ())
    }

    fn import_id(&self, state: &Obj) -> String {
        s(state, "vpc_id").unwrap_or_default().to_string()
    }

    fn import_state(&self, id: &str) -> Obj {
        // Imported by the VPC's id, as in the Terraform AWS provider.
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("vpc_id".into(), json!(id));
        o
    }
}

// ---- aws_egress_only_internet_gateway ----------------------------------------------------

struct EgressOnlyInternetGateway;

impl Resource for EgressOnlyInternetGateway {
    fn type_name(&self) -> &'static str {
        "aws_egress_only_internet_gateway"
    }

    fn schema(&self) -> Schema {
        tagged(vec![("vpc_id", required(Type::String).force_new())])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "CreateEgressOnlyInternetGateway",
            Params::new().set("VpcId", api::req(p, "vpc_id")?).tag_spec(
                "egress-only-internet-gateway",
                &api.tags_all(&tags(p, "tags")),
            ),
        )?;
        api::find_text(&parse(&t)?, "egressOnlyInternetGatewayId").ok_or_else(|| {
            ProviderError::failed(
                "CreateEgressOnlyInternetGateway",
                "no egressOnlyInternetGatewayId in the answer",
            )
        })
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeEgressOnlyInternetGateways",
            "EgressOnlyInternetGatewayId.1",
            id,
            &[
                "InvalidGatewayID.NotFound",
                "InvalidEgressOnlyInternetGatewayId.NotFound",
            ],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "egressOnlyInternetGatewaySet")
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let vpc = xml::child(n, "attachmentSet")
            .and_then(|a| xml::children(a, "item").next())
            .and_then(|i| text(i, "vpcId"));
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("vpc_id".into(), json!(vpc));
        api.read_tags(&mut o, ec2_tags(n), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2(
                "DeleteEgressOnlyInternetGateway",
                Params::new().set("EgressOnlyInternetGatewayId", id),
            ),
            &[
                "InvalidGatewayID.NotFound",
                "InvalidEgressOnlyInternetGatewayId.NotFound",
            ],
        )
        .map(|_| ())
    }
}
