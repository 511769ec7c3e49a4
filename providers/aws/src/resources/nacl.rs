//! Network ACLs (`aws_network_acl`, with its `ingress` and `egress` rules
//! and the subnets it guards) and single rules of one
//! (`aws_network_acl_rule`), as the Terraform AWS provider has them.
//! A subnet an ACL lets go returns to its VPC's default ACL.

use super::{computed, defaulted, optional, required, string_set, tagged};
use crate::api::{
    self, b, blocks, ec2_tags, items, n, parse, s, strings, tags, text, Api, Obj, Params,
};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(NetworkAcl), Arc::new(NetworkAclRule)]
}

/// (moto answers a missing ACL as a missing route table.)
const NOT_FOUND: &[&str] = &[
    "InvalidNetworkAclID.NotFound",
    "InvalidRouteTableID.NotFound",
];
const ENTRY_NOT_FOUND: &[&str] = &["InvalidNetworkAclEntry.NotFound"];
/// The rule AWS puts last in every ACL (deny everything): not the user's.
const DEFAULT_RULE: i64 = 32767;

/// A protocol by number, as EC2 answers it (`tcp` is `6`, `all` is `-1`).
fn protocol_number(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".into(),
        "tcp" => "6".into(),
        "udp" => "17".into(),
        "icmp" => "1".into(),
        "icmpv6" => "58".into(),
        other => other.into(),
    }
}

/// One rule of an ACL as EC2 describes it, in Terraform's names.
struct Entry {
    egress: bool,
    rule_no: i64,
    protocol: String,
    action: String,
    cidr_block: Option<String>,
    ipv6_cidr_block: Option<String>,
    from_port: i64,
    to_port: i64,
    icmp_type: Option<i64>,
    icmp_code: Option<i64>,
}

fn entries(acl: xml::Node<'_, '_>) -> Vec<Entry> {
    let Some(set) = xml::child(acl, "entrySet") else {
        return Vec::new();
    };
    let number = |node: Option<xml::Node<'_, '_>>, name: &str| {
        node.and_then(|n| text(n, name))
            .and_then(|v| v.parse::<i64>().ok())
    };
    xml::children(set, "item")
        .filter_map(|item| {
            let ports = xml::child(item, "portRange");
            let icmp = xml::child(item, "icmpTypeCode");
            let rule_no = text(item, "ruleNumber")?.parse().ok()?;
            Some(Entry {
                egress: text(item, "egress").as_deref() == Some("true"),
                rule_no,
                protocol: text(item, "protocol").unwrap_or_else(|| "-1".into()),
                action: text(item, "ruleAction").unwrap_or_default(),
                cidr_block: text(item, "cidrBlock"),
                ipv6_cidr_block: text(item, "ipv6CidrBlock"),
                from_port: number(ports, "from").unwrap_or(0),
                to_port: number(ports, "to").unwrap_or(0),
                icmp_type: number(icmp, "type"),
                icmp_code: number(icmp, "code"),
            })
        })
        .filter(|e| e.rule_no != DEFAULT_RULE)
        .collect()
}

/// The parameters of one rule (for Create/ReplaceNetworkAclEntry).
fn entry_params(acl: &str, egress: bool, rule: &Obj, names: (&str, &str)) -> Params {
    let (number, action) = names;
    Params::new()
        .set("NetworkAclId", acl)
        .set("RuleNumber", n(rule, number).unwrap_or(0).to_string())
        .set("Egress", egress.to_string())
        .set(
            "Protocol",
            protocol_number(s(rule, "protocol").unwrap_or("-1")),
        )
        .set("RuleAction", s(rule, action).unwrap_or("deny"))
        .opt("CidrBlock", s(rule, "cidr_block"))
        .opt("Ipv6CidrBlock", s(rule, "ipv6_cidr_block"))
        .opt(
            "PortRange.From",
            n(rule, "from_port").map(|v| v.to_string()),
        )
        .opt("PortRange.To", n(rule, "to_port").map(|v| v.to_string()))
        .opt("Icmp.Type", n(rule, "icmp_type").map(|v| v.to_string()))
        .opt("Icmp.Code", n(rule, "icmp_code").map(|v| v.to_string()))
}

/// The ACL and its description, or `None` when it is gone.
fn describe(api: &Api, filters: Params) -> ProviderResult<Option<String>> {
    api.maybe(api.ec2("DescribeNetworkAcls", filters), NOT_FOUND)
}

/// Moves `subnet` to the ACL `acl` (its VPC's default when `None`).
fn associate(api: &Api, subnet: &str, acl: Option<&str>, vpc: &str) -> ProviderResult<()> {
    let Some(t) = describe(
        api,
        Params::new()
            .set("Filter.1.Name", "association.subnet-id")
            .set("Filter.1.Value.1", subnet),
    )?
    else {
        return Ok(());
    };
    let doc = parse(&t)?;
    let association = items(&doc, "networkAclSet").into_iter().find_map(|node| {
        let set = xml::child(node, "associationSet")?;
        xml::children(set, "item")
            .find(|a| text(*a, "subnetId").as_deref() == Some(subnet))
            .and_then(|a| text(a, "networkAclAssociationId"))
    });
    let Some(association) = association else {
        return Ok(());
    };
    let target = match acl {
        Some(acl) => acl.to_string(),
        None => {
            let t = describe(
                api,
                Params::new()
                    .set("Filter.1.Name", "vpc-id")
                    .set("Filter.1.Value.1", vpc)
                    .set("Filter.2.Name", "default")
                    .set("Filter.2.Value.1", "true"),
            )?
            .unwrap_or_default();
            let doc = parse(&t)?;
            let Some(default) = items(&doc, "networkAclSet")
                .into_iter()
                .find_map(|n| text(n, "networkAclId"))
            else {
                return Err(ProviderError::failed(
                    "ReplaceNetworkAclAssociation",
                    format!("VPC {vpc} has no default network ACL to return {subnet} to"),
                ));
            };
            default
        }
    };
    api.ec2(
        "ReplaceNetworkAclAssociation",
        Params::new()
            .set("AssociationId", association)
            .set("NetworkAclId", target),
    )
    .map(|_| ())
}

// ---- aws_network_acl ---------------------------------------------------------------

pub(super) struct NetworkAcl;

pub(super) fn rule_schema() -> Schema {
    Schema::new([
        ("rule_no", required(Type::Number)),
        ("action", required(Type::String)),
        ("protocol", required(Type::String)),
        ("from_port", required(Type::Number)),
        ("to_port", required(Type::Number)),
        ("cidr_block", optional(Type::String)),
        ("ipv6_cidr_block", optional(Type::String)),
        ("icmp_type", optional(Type::Number)),
        ("icmp_code", optional(Type::Number)),
    ])
}

/// A rule as the configuration writes it: the protocol spelled as the
/// prior state (or configuration) spelled it when it is the same one.
fn rule_json(e: &Entry, prior: &[&Obj]) -> J {
    let protocol = prior
        .iter()
        .filter(|r| n(r, "rule_no") == Some(e.rule_no))
        .filter_map(|r| s(r, "protocol"))
        .find(|p| protocol_number(p) == e.protocol)
        .map(str::to_string)
        .unwrap_or_else(|| e.protocol.clone());
    json!({
        "rule_no": e.rule_no,
        "action": e.action,
        "protocol": protocol,
        "from_port": e.from_port,
        "to_port": e.to_port,
        "cidr_block": e.cidr_block,
        "ipv6_cidr_block": e.ipv6_cidr_block,
        "icmp_type": e.icmp_type,
        "icmp_code": e.icmp_code,
    })
}

/// The rules of one direction written as they are configured, for
/// comparing a rule of the prior state with one of the plan.
fn rule_key(rule: &Obj) -> (i64, J) {
    let mut normal = rule.clone();
    if let Some(p) = s(rule, "protocol") {
        normal.insert("protocol".into(), json!(protocol_number(p)));
    }
    (n(rule, "rule_no").unwrap_or(0), J::Object(normal))
}

impl Resource for NetworkAcl {
    fn type_name(&self) -> &'static str {
        "aws_network_acl"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("vpc_id", required(Type::String).force_new()),
            ("subnet_ids", defaulted(string_set())),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ]);
        super::rule_blocks(&mut schema, rule_schema);
        schema
    }

    /// Rules left out of the configuration are `aws_network_acl_rule`
    /// resources' to manage.
    fn computed_blocks(&self) -> &'static [&'static str] {
        &["ingress", "egress"]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let vpc = api::req(p, "vpc_id")?;
        let t = api.ec2(
            "CreateNetworkAcl",
            Params::new()
                .set("VpcId", vpc)
                .tag_spec("network-acl", &api.tags_all(&tags(p, "tags"))),
        )?;
        let id = api::find_text(&parse(&t)?, "networkAclId").ok_or_else(|| {
            ProviderError::failed("CreateNetworkAcl", "no networkAclId in the answer")
        })?;
        self.update(api, &id, &Obj::new(), p)?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(api, Params::new().set("NetworkAclId.1", id))? else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(node) = items(&doc, "networkAclSet").into_iter().next() else {
            return Ok(None);
        };
        let owner = text(node, "ownerId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("vpc_id".into(), json!(text(node, "vpcId")));
        let mut subnets: Vec<String> = xml::child(node, "associationSet")
            .map(|set| {
                xml::children(set, "item")
                    .filter_map(|a| text(a, "subnetId"))
                    .collect()
            })
            .unwrap_or_default();
        subnets.sort();
        o.insert("subnet_ids".into(), json!(subnets));
        let all = entries(node);
        for (name, egress) in [("ingress", false), ("egress", true)] {
            let prior_rules = blocks(prior, name);
            let rules: Vec<J> = all
                .iter()
                .filter(|e| e.egress == egress)
                .map(|e| rule_json(e, &prior_rules))
                .collect();
            o.insert(name.into(), J::Array(rules));
        }
        o.insert("owner_id".into(), json!(owner));
        o.insert(
            "arn".into(),
            json!(format!(
                "arn:aws:ec2:{}:{owner}:network-acl/{id}",
                api.region
            )),
        );
        api.read_tags(&mut o, ec2_tags(node), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let vpc = api::req(p, "vpc_id")?;
        for (name, egress) in [("ingress", false), ("egress", true)] {
            let old: Vec<(i64, J)> = blocks(prior, name).into_iter().map(rule_key).collect();
            let new: Vec<(i64, J)> = blocks(p, name).into_iter().map(rule_key).collect();
            let entry = |number: &i64| {
                Params::new()
                    .set("NetworkAclId", id)
                    .set("RuleNumber", number.to_string())
                    .set("Egress", egress.to_string())
            };
            for (number, _) in old.iter().filter(|(k, _)| !new.iter().any(|(m, _)| m == k)) {
                api.maybe(
                    api.ec2("DeleteNetworkAclEntry", entry(number)),
                    ENTRY_NOT_FOUND,
                )?;
            }
            for (number, rule) in &new {
                let Some(rule) = rule.as_object() else {
                    continue;
                };
                let params = entry_params(id, egress, rule, ("rule_no", "action"));
                match old.iter().find(|(k, _)| k == number) {
                    None => {
                        api.ec2("CreateNetworkAclEntry", params)?;
                    }
                    Some((_, was)) if was != &J::Object(rule.clone()) => {
                        api.ec2("ReplaceNetworkAclEntry", params)?;
                    }
                    Some(_) => {}
                }
            }
        }
        let old = strings(prior, "subnet_ids");
        let new = strings(p, "subnet_ids");
        for subnet in new.iter().filter(|s| !old.contains(s)) {
            associate(api, subnet, Some(id), vpc)?;
        }
        for subnet in old.iter().filter(|s| !new.contains(s)) {
            associate(api, subnet, None, vpc)?;
        }
        if !prior.is_empty() {
            api.retag_ec2(id, prior, p)?;
        }
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        let vpc = s(prior, "vpc_id").unwrap_or_default();
        for subnet in strings(prior, "subnet_ids") {
            associate(api, &subnet, None, vpc)?;
        }
        api.maybe(
            api.ec2("DeleteNetworkAcl", Params::new().set("NetworkAclId", id)),
            NOT_FOUND,
        )
        .map(|_| ())
    }
}

// ---- aws_network_acl_rule ----------------------------------------------------------

struct NetworkAclRule;

impl Resource for NetworkAclRule {
    fn type_name(&self) -> &'static str {
        "aws_network_acl_rule"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("network_acl_id", required(Type::String).force_new()),
            ("rule_number", required(Type::Number).force_new()),
            ("egress", optional(Type::Bool).force_new()),
            ("protocol", required(Type::String).force_new()),
            ("rule_action", required(Type::String).force_new()),
            ("cidr_block", optional(Type::String).force_new()),
            ("ipv6_cidr_block", optional(Type::String).force_new()),
            ("from_port", optional(Type::Number).force_new()),
            ("to_port", optional(Type::Number).force_new()),
            ("icmp_type", optional(Type::Number).force_new()),
            ("icmp_code", optional(Type::Number).force_new()),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let acl = api::req(p, "network_acl_id")?;
        let egress = b(p, "egress").unwrap_or(false);
        let number = n(p, "rule_number").unwrap_or(0);
        api.ec2(
            "CreateNetworkAclEntry",
            entry_params(acl, egress, p, ("rule_number", "rule_action")),
        )?;
        Ok(rule_id(acl, number, egress))
    }

    fn read(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let (Some(acl), Some(number)) = (s(prior, "network_acl_id"), n(prior, "rule_number"))
        else {
            return Ok(None);
        };
        let egress = b(prior, "egress").unwrap_or(false);
        let Some(t) = describe(api, Params::new().set("NetworkAclId.1", acl))? else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(node) = items(&doc, "networkAclSet").into_iter().next() else {
            return Ok(None);
        };
        let Some(e) = entries(node)
            .into_iter()
            .find(|e| e.rule_no == number && e.egress == egress)
        else {
            return Ok(None);
        };
        let protocol = s(prior, "protocol")
            .filter(|p| protocol_number(p) == e.protocol)
            .map(str::to_string)
            .unwrap_or(e.protocol);
        let mut o = Obj::new();
        // The same id whether read after a create or an import.
        o.insert("id".into(), json!(rule_id(acl, number, egress)));
        o.insert("network_acl_id".into(), json!(acl));
        o.insert("rule_number".into(), json!(number));
        o.insert(
            "egress".into(),
            prior.get("egress").cloned().unwrap_or(J::Null),
        );
        o.insert("protocol".into(), json!(protocol));
        o.insert("rule_action".into(), json!(e.action));
        o.insert("cidr_block".into(), json!(e.cidr_block));
        o.insert("ipv6_cidr_block".into(), json!(e.ipv6_cidr_block));
        // Ports mean nothing to "all" and ICMP: kept as written.
        for (k, v) in [("from_port", e.from_port), ("to_port", e.to_port)] {
            let written = prior.get(k).cloned().unwrap_or(J::Null);
            o.insert(
                k.into(),
                if written.is_null() && v == 0 {
                    J::Null
                } else {
                    json!(v)
                },
            );
        }
        o.insert("icmp_type".into(), json!(e.icmp_type));
        o.insert("icmp_code".into(), json!(e.icmp_code));
        Ok(Some(o))
    }

    fn update(&self, _api: &Api, id: &str, _prior: &Obj, _p: &Obj) -> ProviderResult<String> {
        // Every argument replaces the rule.
        Ok(id.to_string())
    }

    /// Terraform's import id: `ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS`.
    fn import_id(&self, state: &Obj) -> String {
        format!(
            "{}:{}:{}:{}",
            s(state, "network_acl_id").unwrap_or_default(),
            n(state, "rule_number").unwrap_or(0),
            s(state, "protocol").unwrap_or("-1"),
            b(state, "egress").unwrap_or(false)
        )
    }

    fn import_state(&self, id: &str) -> Obj {
        let parts: Vec<&str> = id.split(':').collect();
        let mut o = Obj::new();
        if let [acl, number, protocol, egress] = parts.as_slice() {
            let number = number.parse::<i64>().unwrap_or(0);
            let egress = *egress == "true";
            o.insert("id".into(), json!(rule_id(acl, number, egress)));
            o.insert("network_acl_id".into(), json!(acl));
            o.insert("rule_number".into(), json!(number));
            o.insert("protocol".into(), json!(protocol));
            o.insert("egress".into(), json!(egress));
        }
        o
    }

    fn delete(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<()> {
        let (Some(acl), Some(number)) = (s(prior, "network_acl_id"), n(prior, "rule_number"))
        else {
            return Ok(());
        };
        let params = Params::new()
            .set("NetworkAclId", acl)
            .set("RuleNumber", number.to_string())
            .set("Egress", b(prior, "egress").unwrap_or(false).to_string());
        api.maybe(
            api.ec2("DeleteNetworkAclEntry", params),
            &[ENTRY_NOT_FOUND[0], NOT_FOUND[0], NOT_FOUND[1]],
        )
        .map(|_| ())
    }
}

/// A rule's id: `nacl-` and a hash of what names it (the ACL, the number
/// and the direction), as the Terraform AWS provider makes its ids.
fn rule_id(acl: &str, number: i64, egress: bool) -> String {
    let text = format!("{acl}-{number}-{egress}-");
    let mut hash: u32 = 0;
    for byte in text.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(u32::from(byte));
    }
    format!("nacl-{hash}")
}
