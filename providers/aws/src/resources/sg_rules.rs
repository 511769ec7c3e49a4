//! `aws_security_group_rule`: one rule of a security group as its own
//! resource, as published modules write most of theirs.

use super::ec2::{describe, permissions, protocol, read_rules};
use super::{computed, optional, required};
use crate::api::{self, b, items, parse, s, strings, Api, Obj};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(SecurityGroupRule)]
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
