//! EC2 networking: internet gateways and security groups with inline
//! rules, and what the EC2 types share. VPCs and subnets are in `vpc`,
//! route tables in `routes`, placement groups, key pairs and volumes in
//! `placement`.

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
    vec![Arc::new(InternetGateway), Arc::new(SecurityGroup)]
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
