//! The AWS side of a site-to-site VPN, as terraform-aws-vpc declares it:
//! customer gateways (`aws_customer_gateway`), virtual private gateways
//! (`aws_vpn_gateway`) and their attachment to a VPC
//! (`aws_vpn_gateway_attachment`). A gateway's routes propagated into a
//! route table (`aws_vpn_gateway_route_propagation`) are in `unsupported`.

use super::ec2::{arn, describe};
use super::{computed, defaulted, optional, required, tagged};
use crate::api::{self, ec2_tags, items, parse, s, tags, text, Api, Obj, Params};
use crate::Resource;
use serde_json::json;
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(CustomerGateway),
        Arc::new(VpnGateway),
        Arc::new(VpnGatewayAttachment),
    ]
}

// ---- aws_customer_gateway -----------------------------------------------------------

struct CustomerGateway;

impl Resource for CustomerGateway {
    fn type_name(&self) -> &'static str {
        "aws_customer_gateway"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("type", required(Type::String).force_new()),
            ("bgp_asn", optional(Type::String).force_new()),
            ("bgp_asn_extended", optional(Type::String).force_new()),
            ("ip_address", optional(Type::String).force_new()),
            ("certificate_arn", optional(Type::String).force_new()),
            ("device_name", optional(Type::String).force_new()),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "CreateCustomerGateway",
            Params::new()
                .set("Type", api::req(p, "type")?)
                .opt("BgpAsn", s(p, "bgp_asn"))
                .opt("BgpAsnExtended", s(p, "bgp_asn_extended"))
                .opt("IpAddress", s(p, "ip_address"))
                .opt("CertificateArn", s(p, "certificate_arn"))
                .opt("DeviceName", s(p, "device_name"))
                .tag_spec("customer-gateway", &api.tags_all(&tags(p, "tags"))),
        )?;
        api::find_text(&parse(&t)?, "customerGatewayId").ok_or_else(|| {
            ProviderError::failed(
                "CreateCustomerGateway",
                "no customerGatewayId in the answer",
            )
        })
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeCustomerGateways",
            "CustomerGatewayId.1",
            id,
            &["InvalidCustomerGatewayID.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "customerGatewaySet")
            .into_iter()
            .find(|n| !matches!(text(*n, "state").as_deref(), Some("deleted" | "deleting")))
        else {
            return Ok(None);
        };
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        for (k, x) in [
            ("type", "type"),
            ("bgp_asn", "bgpAsn"),
            ("bgp_asn_extended", "bgpAsnExtended"),
            ("ip_address", "ipAddress"),
            ("certificate_arn", "certificateArn"),
            ("device_name", "deviceName"),
        ] {
            // What AWS leaves out reads as what was written.
            o.insert(
                k.into(),
                json!(text(n, x).or_else(|| s(prior, k).map(String::from))),
            );
        }
        let owner = api.account_id()?;
        o.insert(
            "arn".into(),
            json!(arn(api, &owner, "customer-gateway", id)),
        );
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
                "DeleteCustomerGateway",
                Params::new().set("CustomerGatewayId", id),
            ),
            &["InvalidCustomerGatewayID.NotFound"],
        )
        .map(|_| ())
    }
}

// ---- aws_vpn_gateway ----------------------------------------------------------------

struct VpnGateway;

/// A virtual private gateway as EC2 lists it (its tags read as `prior`
/// has them, when given); `None` once it is deleted.
fn gateway(api: &Api, id: &str, prior: Option<&Obj>) -> ProviderResult<Option<Obj>> {
    let Some(t) = describe(
        api,
        "DescribeVpnGateways",
        "VpnGatewayId.1",
        id,
        &["InvalidVpnGatewayID.NotFound"],
    )?
    else {
        return Ok(None);
    };
    let doc = parse(&t)?;
    let Some(n) = items(&doc, "vpnGatewaySet")
        .into_iter()
        .find(|n| !matches!(text(*n, "state").as_deref(), Some("deleted" | "deleting")))
    else {
        return Ok(None);
    };
    let attached: Vec<String> = xml::child(n, "attachments")
        .into_iter()
        .flat_map(|a| xml::children(a, "item"))
        .filter(|i| matches!(text(*i, "state").as_deref(), Some("attached" | "attaching")))
        .filter_map(|i| text(i, "vpcId"))
        .collect();
    let mut o = Obj::new();
    o.insert("id".into(), json!(id));
    o.insert("vpc_id".into(), json!(attached.first()));
    o.insert(
        "availability_zone".into(),
        json!(text(n, "availabilityZone").filter(|z| !z.is_empty())),
    );
    o.insert("amazon_side_asn".into(), json!(text(n, "amazonSideAsn")));
    let owner = api.account_id()?;
    o.insert("arn".into(), json!(arn(api, &owner, "vpn-gateway", id)));
    if let Some(prior) = prior {
        api.read_tags(&mut o, ec2_tags(n), prior);
    }
    Ok(Some(o))
}

fn attach_vgw(api: &Api, action: &str, id: &str, vpc: &str) -> ProviderResult<()> {
    api.ec2(
        action,
        Params::new().set("VpnGatewayId", id).set("VpcId", vpc),
    )
    .map(|_| ())
}

impl Resource for VpnGateway {
    fn type_name(&self) -> &'static str {
        "aws_vpn_gateway"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("vpc_id", defaulted(Type::String)),
            ("availability_zone", optional(Type::String).force_new()),
            ("amazon_side_asn", defaulted(Type::String).force_new()),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.ec2(
            "CreateVpnGateway",
            Params::new()
                .set("Type", "ipsec.1")
                .opt("AvailabilityZone", s(p, "availability_zone"))
                .opt("AmazonSideAsn", s(p, "amazon_side_asn"))
                .tag_spec("vpn-gateway", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "vpnGatewayId").ok_or_else(|| {
            ProviderError::failed("CreateVpnGateway", "no vpnGatewayId in the answer")
        })?;
        if let Some(vpc) = s(p, "vpc_id") {
            attach_vgw(api, "AttachVpnGateway", &id, vpc)?;
        }
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        gateway(api, id, Some(prior))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "vpc_id") != s(p, "vpc_id") {
            if let Some(old) = s(prior, "vpc_id") {
                attach_vgw(api, "DetachVpnGateway", id, old)?;
            }
            if let Some(new) = s(p, "vpc_id") {
                attach_vgw(api, "AttachVpnGateway", id, new)?;
            }
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        if let Some(vpc) = s(prior, "vpc_id") {
            // Detached already is as good as detached now.
            let _ = attach_vgw(api, "DetachVpnGateway", id, vpc);
        }
        api.maybe(
            api.ec2("DeleteVpnGateway", Params::new().set("VpnGatewayId", id)),
            &["InvalidVpnGatewayID.NotFound"],
        )
        .map(|_| ())
    }
}

// ---- aws_vpn_gateway_attachment -------------------------------------------------------

struct VpnGatewayAttachment;

/// The attachment's id as the Terraform AWS provider makes it: a hash of
/// the VPC and the gateway.
fn attachment_id(vpc: &str, gateway: &str) -> String {
    format!(
        "vpn-attachment-{:x}",
        api::crc32(format!("{vpc}-{gateway}").as_bytes())
    )
}

impl Resource for VpnGatewayAttachment {
    fn type_name(&self) -> &'static str {
        "aws_vpn_gateway_attachment"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("vpc_id", required(Type::String).force_new()),
            ("vpn_gateway_id", required(Type::String).force_new()),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let (vpc, gateway) = (api::req(p, "vpc_id")?, api::req(p, "vpn_gateway_id")?);
        attach_vgw(api, "AttachVpnGateway", gateway, vpc)?;
        Ok(attachment_id(vpc, gateway))
    }

    fn read(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let (Some(vpc), Some(gw)) = (s(prior, "vpc_id"), s(prior, "vpn_gateway_id")) else {
            return Ok(None);
        };
        let Some(found) = gateway(api, gw, None)? else {
            return Ok(None);
        };
        if s(&found, "vpc_id") != Some(vpc) {
            return Ok(None);
        }
        let mut o = Obj::new();
        o.insert("id".into(), json!(attachment_id(vpc, gw)));
        o.insert("vpc_id".into(), json!(vpc));
        o.insert("vpn_gateway_id".into(), json!(gw));
        Ok(Some(o))
    }

    fn import_id(&self, state: &Obj) -> String {
        format!(
            "{}/{}",
            s(state, "vpc_id").unwrap_or_default(),
            s(state, "vpn_gateway_id").unwrap_or_default()
        )
    }

    /// Imported as `VPC_ID/VPN_GATEWAY_ID`.
    fn import_state(&self, id: &str) -> Obj {
        let (vpc, gateway) = id.split_once('/').unwrap_or((id, ""));
        let mut o = Obj::new();
        o.insert("id".into(), json!(attachment_id(vpc, gateway)));
        o.insert("vpc_id".into(), json!(vpc));
        o.insert("vpn_gateway_id".into(), json!(gateway));
        o
    }

    fn delete(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<()> {
        let (vpc, gateway) = (
            api::req(prior, "vpc_id")?,
            api::req(prior, "vpn_gateway_id")?,
        );
        api.maybe(
            api.ec2(
                "DetachVpnGateway",
                Params::new().set("VpnGatewayId", gateway).set("VpcId", vpc),
            ),
            &[
                "InvalidVpnGatewayID.NotFound",
                "InvalidVpnGatewayAttachment.NotFound",
            ],
        )
        .map(|_| ())
    }
}
