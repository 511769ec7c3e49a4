//! Security group rules as their own resources, as published modules
//! write most of theirs: `aws_security_group_rule` (a rule found by what
//! it allows) and the newer `aws_vpc_security_group_ingress_rule` /
//! `_egress_rule` (one rule with its own id, tags and in-place changes).

use super::ec2::{describe, permissions, protocol, read_rules};
use super::{computed, optional, required, tagged};
use crate::api::{self, b, ec2_tags, items, parse, s, strings, tags, text, Api, Obj, Params};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(SecurityGroupRule),
        Arc::new(VpcRule { egress: false }),
        Arc::new(VpcRule { egress: true }),
    ]
}

struct SecurityGroupRule;

/// The rule in the shape the group's inline rules have.
fn as_inline(p: &Obj) -> Obj {
    let mut o = Obj::new();
    for k in [
        "from_port",
        "to_port",
        "protocol",
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "self",
        "description",
    ] {
        if let Some(v) = p.get(k) {
            o.insert(k.into(), v.clone());
        }
    }
    if let Some(source) = s(p, "source_security_group_id") {
        o.insert("security_groups".into(), json!([source]));
    }
    o
}

fn direction(p: &Obj) -> ProviderResult<(&'static str, &'static str, &'static str)> {
    match s(p, "type") {
        Some("ingress") => Ok((
            "AuthorizeSecurityGroupIngress",
            "RevokeSecurityGroupIngress",
            "ipPermissions",
        )),
        Some("egress") => Ok((
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupEgress",
            "ipPermissionsEgress",
        )),
        other => Err(ProviderError::at(
            "Invalid type",
            format!("type must be \"ingress\" or \"egress\", not {other:?}"),
            "type",
        )),
    }
}

/// A stable id from what the rule is, as Terraform makes one.
fn rule_id(p: &Obj) -> String {
    let mut cidrs = strings(p, "cidr_blocks");
    cidrs.extend(strings(p, "ipv6_cidr_blocks"));
    cidrs.sort();
    let key = format!(
        "{}|{}|{}|{}|{}|{}|{}|{}",
        s(p, "security_group_id").unwrap_or_default(),
        s(p, "type").unwrap_or_default(),
        protocol(s(p, "protocol").unwrap_or("-1")),
        api::n(p, "from_port").unwrap_or(0),
        api::n(p, "to_port").unwrap_or(0),
        cidrs.join(","),
        s(p, "source_security_group_id").unwrap_or_default(),
        b(p, "self").unwrap_or(false),
    );
    format!("sgrule-{}", api::crc32(key.as_bytes()))
}

impl Resource for SecurityGroupRule {
    fn type_name(&self) -> &'static str {
        "aws_security_group_rule"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("type", required(Type::String).force_new()),
            ("security_group_id", required(Type::String).force_new()),
            ("from_port", required(Type::Number).force_new()),
            ("to_port", required(Type::Number).force_new()),
            ("protocol", required(Type::String).force_new()),
            ("cidr_blocks", optional(super::strings()).force_new()),
            ("ipv6_cidr_blocks", optional(super::strings()).force_new()),
            ("prefix_list_ids", optional(super::strings()).force_new()),
            (
                "source_security_group_id",
                super::defaulted(Type::String).force_new(),
            ),
            ("self", optional(Type::Bool).force_new()),
            ("description", optional(Type::String).force_new()),
            ("security_group_rule_id", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let (authorize, _, _) = direction(p)?;
        let group = api::req(p, "security_group_id")?;
        api.ec2(authorize, permissions(group, &[&as_inline(p)]))?;
        Ok(rule_id(p))
    }

    fn read(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let (_, _, set) = direction(prior)?;
        let group = api::req(prior, "security_group_id")?;
        let Some(t) = describe(
            api,
            "DescribeSecurityGroups",
            "GroupId.1",
            group,
            &["InvalidGroup.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(node) = items(&doc, "securityGroupInfo").into_iter().next() else {
            return Ok(None);
        };
        let want = as_inline(prior);
        let contains = |found: &J, key: &str| {
            let have: Vec<&str> = found[key]
                .as_array()
                .map(|a| a.iter().filter_map(J::as_str).collect())
                .unwrap_or_default();
            strings(&want, key)
                .iter()
                .all(|c| have.contains(&c.as_str()))
        };
        let present = read_rules(node, set, group).iter().any(|r| {
            r["protocol"] == json!(protocol(s(&want, "protocol").unwrap_or("-1")))
                && r["from_port"].as_i64() == api::n(&want, "from_port")
                && r["to_port"].as_i64() == api::n(&want, "to_port")
                && contains(r, "cidr_blocks")
                && contains(r, "ipv6_cidr_blocks")
                && contains(r, "security_groups")
                && (b(&want, "self") != Some(true) || r["self"] == json!(true))
        });
        if !present {
            return Ok(None);
        }
        let mut o = prior.clone();
        o.insert("id".into(), json!(rule_id(prior)));
        Ok(Some(o))
    }

    /// `SGID_TYPE_PROTOCOL_FROM_TO_SOURCE…`, as Terraform imports rules:
    /// sources are CIDR blocks, a group id, or `self`.
    fn import_id(&self, state: &Obj) -> String {
        let mut parts = vec![
            s(state, "security_group_id")
                .unwrap_or_default()
                .to_string(),
            s(state, "type").unwrap_or_default().to_string(),
            protocol(s(state, "protocol").unwrap_or("-1")),
            api::n(state, "from_port").unwrap_or(0).to_string(),
            api::n(state, "to_port").unwrap_or(0).to_string(),
        ];
        parts.extend(strings(state, "cidr_blocks"));
        parts.extend(strings(state, "ipv6_cidr_blocks"));
        parts.extend(s(state, "source_security_group_id").map(str::to_string));
        if b(state, "self") == Some(true) {
            parts.push("self".into());
        }
        parts.join("_")
    }

    fn import_state(&self, id: &str) -> Obj {
        let parts: Vec<&str> = id.split('_').collect();
        let mut o = Obj::new();
        if parts.len() >= 6 {
            o.insert("security_group_id".into(), json!(parts[0]));
            o.insert("type".into(), json!(parts[1]));
            o.insert("protocol".into(), json!(parts[2]));
            o.insert(
                "from_port".into(),
                json!(parts[3].parse::<i64>().unwrap_or(0)),
            );
            o.insert(
                "to_port".into(),
                json!(parts[4].parse::<i64>().unwrap_or(0)),
            );
            let sources = &parts[5..];
            let v4: Vec<&str> = sources
                .iter()
                .copied()
                .filter(|x| x.contains('.'))
                .collect();
            let v6: Vec<&str> = sources
                .iter()
                .copied()
                .filter(|x| x.contains(':'))
                .collect();
            if !v4.is_empty() {
                o.insert("cidr_blocks".into(), json!(v4));
            }
            if !v6.is_empty() {
                o.insert("ipv6_cidr_blocks".into(), json!(v6));
            }
            if let Some(group) = sources.iter().find(|x| x.starts_with("sg-")) {
                o.insert("source_security_group_id".into(), json!(group));
            }
            if sources.contains(&"self") {
                o.insert("self".into(), json!(true));
            }
        }
        let id = rule_id(&o);
        o.insert("id".into(), json!(id));
        o
    }

    fn delete(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<()> {
        let (_, revoke, _) = direction(prior)?;
        let group = api::req(prior, "security_group_id")?;
        api.maybe(
            api.ec2(revoke, permissions(group, &[&as_inline(prior)])),
            &["InvalidPermission.NotFound", "InvalidGroup.NotFound"],
        )
        .map(|_| ())
    }
}

// ---- aws_vpc_security_group_ingress_rule / _egress_rule -----------------------------

struct VpcRule {
    egress: bool,
}

const RULE_GONE: &[&str] = &[
    "InvalidSecurityGroupRuleId.NotFound",
    "InvalidGroup.NotFound",
];

/// The rule's fields, as `prefix.IpProtocol`, `prefix.FromPort`, …
fn rule_fields(mut params: Params, prefix: &str, p: &Obj, for_modify: bool) -> Params {
    let protocol = protocol(s(p, "ip_protocol").unwrap_or("-1"));
    params = params.set(format!("{prefix}.IpProtocol"), protocol.as_str());
    for (attr, field) in [("from_port", "FromPort"), ("to_port", "ToPort")] {
        if let Some(port) = api::n(p, attr) {
            params = params.set(format!("{prefix}.{field}"), port.to_string());
        }
    }
    if for_modify {
        for (attr, field) in [
            ("cidr_ipv4", "CidrIpv4"),
            ("cidr_ipv6", "CidrIpv6"),
            ("prefix_list_id", "PrefixListId"),
            ("referenced_security_group_id", "ReferencedGroupId"),
            ("description", "Description"),
        ] {
            params = params.opt(&format!("{prefix}.{field}"), s(p, attr));
        }
        return params;
    }
    let description = s(p, "description");
    if let Some(cidr) = s(p, "cidr_ipv4") {
        params = params
            .set(format!("{prefix}.IpRanges.1.CidrIp"), cidr)
            .opt(&format!("{prefix}.IpRanges.1.Description"), description);
    }
    if let Some(cidr) = s(p, "cidr_ipv6") {
        params = params
            .set(format!("{prefix}.Ipv6Ranges.1.CidrIpv6"), cidr)
            .opt(&format!("{prefix}.Ipv6Ranges.1.Description"), description);
    }
    if let Some(list) = s(p, "prefix_list_id") {
        params = params
            .set(format!("{prefix}.PrefixListIds.1.PrefixListId"), list)
            .opt(
                &format!("{prefix}.PrefixListIds.1.Description"),
                description,
            );
    }
    if let Some(group) = s(p, "referenced_security_group_id") {
        params = params
            .set(format!("{prefix}.Groups.1.GroupId"), group)
            .opt(&format!("{prefix}.Groups.1.Description"), description);
    }
    params
}

impl Resource for VpcRule {
    fn type_name(&self) -> &'static str {
        if self.egress {
            "aws_vpc_security_group_egress_rule"
        } else {
            "aws_vpc_security_group_ingress_rule"
        }
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("security_group_id", required(Type::String).force_new()),
            ("ip_protocol", required(Type::String)),
            ("from_port", optional(Type::Number)),
            ("to_port", optional(Type::Number)),
            ("cidr_ipv4", optional(Type::String)),
            ("cidr_ipv6", optional(Type::String)),
            ("prefix_list_id", optional(Type::String)),
            ("referenced_security_group_id", optional(Type::String)),
            ("description", optional(Type::String)),
            ("arn", computed(Type::String)),
            ("security_group_rule_id", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let action = if self.egress {
            "AuthorizeSecurityGroupEgress"
        } else {
            "AuthorizeSecurityGroupIngress"
        };
        let params = Params::new()
            .set("GroupId", api::req(p, "security_group_id")?)
            .tag_spec("security-group-rule", &api.tags_all(&tags(p, "tags")));
        let t = api.ec2(action, rule_fields(params, "IpPermissions.1", p, false))?;
        api::find_text(&parse(&t)?, "securityGroupRuleId")
            .ok_or_else(|| ProviderError::failed(action, "no securityGroupRuleId in the answer"))
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = api.maybe(
            api.ec2(
                "DescribeSecurityGroupRules",
                Params::new().set("SecurityGroupRuleId.1", id),
            ),
            RULE_GONE,
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(n) = items(&doc, "securityGroupRuleSet").into_iter().next() else {
            return Ok(None);
        };
        if (text(n, "isEgress").as_deref() == Some("true")) != self.egress {
            return Ok(None);
        }
        let protocol = text(n, "ipProtocol").unwrap_or_else(|| "-1".into());
        let port = |tag: &str| {
            text(n, tag)
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|_| protocol != "-1")
        };
        let owner = text(n, "groupOwnerId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("security_group_rule_id".into(), json!(id));
        o.insert(
            "arn".into(),
            json!(super::ec2::arn(api, &owner, "security-group-rule", id)),
        );
        o.insert("security_group_id".into(), json!(text(n, "groupId")));
        o.insert("ip_protocol".into(), json!(protocol));
        o.insert("from_port".into(), json!(port("fromPort")));
        o.insert("to_port".into(), json!(port("toPort")));
        for (attr, tag) in [
            ("cidr_ipv4", "cidrIpv4"),
            ("cidr_ipv6", "cidrIpv6"),
            ("prefix_list_id", "prefixListId"),
            ("description", "description"),
        ] {
            o.insert(attr.into(), json!(text(n, tag)));
        }
        let referenced = strata_aws_client::xml::child(n, "referencedGroupInfo")
            .and_then(|r| text(r, "groupId"));
        o.insert("referenced_security_group_id".into(), json!(referenced));
        api.read_tags(&mut o, ec2_tags(n), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let group = api::req(p, "security_group_id")?;
        let params = Params::new()
            .set("GroupId", group)
            .set("SecurityGroupRule.1.SecurityGroupRuleId", id);
        api.ec2(
            "ModifySecurityGroupRules",
            rule_fields(params, "SecurityGroupRule.1.SecurityGroupRule", p, true),
        )?;
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        let action = if self.egress {
            "RevokeSecurityGroupEgress"
        } else {
            "RevokeSecurityGroupIngress"
        };
        api.maybe(
            api.ec2(
                action,
                Params::new()
                    .set("GroupId", api::req(prior, "security_group_id")?)
                    .set("SecurityGroupRuleId.1", id),
            ),
            RULE_GONE,
        )
        .map(|_| ())
    }
}
