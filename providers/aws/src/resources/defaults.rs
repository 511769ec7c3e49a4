//! The objects AWS makes with every VPC, adopted rather than created, as
//! the Terraform AWS provider has them: `aws_default_security_group`,
//! `aws_default_route_table` and `aws_default_network_acl`.
//!
//! Adopting one removes every rule (or route) it has and gives it the
//! configured ones, so the configuration is all it holds. Destroying one
//! only forgets it: AWS deletes these objects with their VPC.

use super::ec2::{own_rules, rule_schema as group_rule_schema, SecurityGroup};
use super::nacl::{rule_schema as acl_rule_schema, NetworkAcl};
use super::routes::{route_schema, RouteTable};
use super::{block, computed, defaulted, optional, required, string_set, tagged};
use crate::api::{self, items, parse, s, strings, Api, Obj, Params};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(DefaultSecurityGroup),
        Arc::new(DefaultRouteTable),
        Arc::new(DefaultNetworkAcl),
    ]
}

/// The object as AWS has it now, or an error naming what is missing.
fn current(resource: &dyn Resource, api: &Api, id: &str) -> ProviderResult<Obj> {
    resource.read(api, id, &Obj::new())?.ok_or_else(|| {
        ProviderError::failed(
            "adopting a default object",
            format!("{id} does not exist; check the VPC it belongs to"),
        )
    })
}

/// `planned` with what AWS already knows of the object filled in (its
/// VPC, its subnets) where the configuration leaves it out.
fn with_known(planned: &Obj, known: &Obj, names: &[&str]) -> Obj {
    let mut out = planned.clone();
    for name in names {
        if out.get(*name).is_none_or(J::is_null) {
            if let Some(v) = known.get(*name) {
                out.insert(name.to_string(), v.clone());
            }
        }
    }
    out
}

// ---- aws_default_security_group ---------------------------------------------------

struct DefaultSecurityGroup;

impl DefaultSecurityGroup {
    /// The default group of the configured VPC, or of the region's
    /// default VPC.
    fn find_group(api: &Api, vpc: Option<&str>) -> ProviderResult<String> {
        let vpc = match vpc {
            Some(v) => v.to_string(),
            None => {
                let t = api.ec2(
                    "DescribeVpcs",
                    Params::new()
                        .set("Filter.1.Name", "isDefault")
                        .set("Filter.1.Value.1", "true"),
                )?;
                api::find_text(&parse(&t)?, "vpcId").ok_or_else(|| {
                    ProviderError::failed(
                        "aws_default_security_group",
                        "the region has no default VPC; set vpc_id",
                    )
                })?
            }
        };
        let t = api.ec2(
            "DescribeSecurityGroups",
            Params::new()
                .set("Filter.1.Name", "vpc-id")
                .set("Filter.1.Value.1", &vpc)
                .set("Filter.2.Name", "group-name")
                .set("Filter.2.Value.1", "default"),
        )?;
        api::find_text(&parse(&t)?, "groupId").ok_or_else(|| {
            ProviderError::failed(
                "aws_default_security_group",
                format!("VPC {vpc} has no default security group"),
            )
        })
    }
}

impl Resource for DefaultSecurityGroup {
    fn type_name(&self) -> &'static str {
        "aws_default_security_group"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("vpc_id", defaulted(Type::String).force_new()),
            ("revoke_rules_on_delete", optional(Type::Bool)),
            ("name", computed(Type::String)),
            ("name_prefix", computed(Type::String)),
            ("description", computed(Type::String)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ]);
        super::rule_blocks(&mut schema, group_rule_schema);
        schema
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"name": "default", "name_prefix": ""})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let id = Self::find_group(api, s(p, "vpc_id"))?;
        let found = current(&SecurityGroup, api, &id)?;
        own_rules(api, &id, p)?;
        api.retag_ec2(&id, &found, p)?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        Ok(SecurityGroup.read(api, id, prior)?.map(|mut o| {
            o.insert("name_prefix".into(), json!(""));
            o
        }))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        SecurityGroup.update(api, id, prior, p)
    }

    fn delete(&self, _api: &Api, _id: &str, _prior: &Obj) -> ProviderResult<()> {
        Ok(())
    }
}

// ---- aws_default_route_table ------------------------------------------------------

struct DefaultRouteTable;

/// Route propagation from virtual private gateways is not built.
fn no_propagation(p: &Obj) -> ProviderResult<()> {
    if strings(p, "propagating_vgws").is_empty() {
        Ok(())
    } else {
        Err(super::unsupported::refusal(
            "aws_default_route_table: propagating_vgws",
            "routes propagated from virtual private gateways",
        ))
    }
}

impl Resource for DefaultRouteTable {
    fn type_name(&self) -> &'static str {
        "aws_default_route_table"
    }

    fn computed_blocks(&self) -> &'static [&'static str] {
        &["route"]
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("default_route_table_id", required(Type::String).force_new()),
            ("propagating_vgws", optional(string_set())),
            ("vpc_id", computed(Type::String)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ]);
        block(&mut schema, "route", Nesting::Set, route_schema(), None);
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        no_propagation(p)?;
        let id = api::req(p, "default_route_table_id")?;
        let found = current(&RouteTable, api, id)?;
        RouteTable.update(api, id, &found, p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        Ok(RouteTable.read(api, id, prior)?.map(|mut o| {
            o.insert("default_route_table_id".into(), json!(id));
            o.insert(
                "propagating_vgws".into(),
                prior.get("propagating_vgws").cloned().unwrap_or(J::Null),
            );
            o
        }))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        no_propagation(p)?;
        RouteTable.update(api, id, prior, p)
    }

    fn delete(&self, _api: &Api, _id: &str, _prior: &Obj) -> ProviderResult<()> {
        Ok(())
    }
}

// ---- aws_default_network_acl ------------------------------------------------------

struct DefaultNetworkAcl;

impl Resource for DefaultNetworkAcl {
    fn type_name(&self) -> &'static str {
        "aws_default_network_acl"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("default_network_acl_id", required(Type::String).force_new()),
            ("subnet_ids", defaulted(string_set())),
            ("vpc_id", computed(Type::String)),
            ("arn", computed(Type::String)),
            ("owner_id", computed(Type::String)),
        ]);
        super::rule_blocks(&mut schema, acl_rule_schema);
        schema
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let id = api::req(p, "default_network_acl_id")?;
        // Only a VPC's default ACL is adopted here.
        let t = api.ec2(
            "DescribeNetworkAcls",
            Params::new()
                .set("NetworkAclId.1", id)
                .set("Filter.1.Name", "default")
                .set("Filter.1.Value.1", "true"),
        )?;
        if items(&parse(&t)?, "networkAclSet").is_empty() {
            return Err(ProviderError::failed(
                "aws_default_network_acl",
                format!("{id} is not its VPC's default network ACL; use aws_network_acl"),
            ));
        }
        let found = current(&NetworkAcl, api, id)?;
        // Every subnet of the VPC not given another ACL is the default's,
        // and stays so: only a configured list moves subnets.
        NetworkAcl.update(
            api,
            id,
            &found,
            &with_known(p, &found, &["vpc_id", "subnet_ids"]),
        )
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        Ok(NetworkAcl.read(api, id, prior)?.map(|mut o| {
            o.insert("default_network_acl_id".into(), json!(id));
            o
        }))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        NetworkAcl.update(api, id, prior, &with_known(p, prior, &["vpc_id"]))
    }

    fn delete(&self, _api: &Api, _id: &str, _prior: &Obj) -> ProviderResult<()> {
        Ok(())
    }
}
