//! The subnet groups databases and caches are placed by, as
//! terraform-aws-vpc makes them for its database, Redshift and ElastiCache
//! subnets: `aws_db_subnet_group` (RDS), `aws_redshift_subnet_group` and
//! `aws_elasticache_subnet_group`. The three services' query APIs differ
//! only in names, so one implementation serves them, told the names.

use super::{computed, defaulted, required, string_set, tagged};
use crate::api::{parse, s, strings, tags, Api, Obj, Params};
use crate::Resource;
use serde_json::json;
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    [RDS, REDSHIFT, ELASTICACHE]
        .into_iter()
        .map(|f| Arc::new(SubnetGroup(f)) as Arc<dyn Resource>)
        .collect()
}

/// How one service names a subnet group's calls and fields.
struct Flavor {
    type_name: &'static str,
    service: &'static str,
    version: &'static str,
    /// The operations' middle word: `DBSubnetGroup`, `ClusterSubnetGroup`…
    noun: &'static str,
    /// The name and description parameters (and answer fields).
    name: &'static str,
    description: &'static str,
    /// The ARN's field in the answer, if the service gives one.
    arn_field: Option<&'static str>,
    not_found: &'static str,
    /// The tag calls: list (`None`: tags come with the group), add, remove,
    /// and the remove call's key list prefix.
    list_tags: Option<&'static str>,
    add_tags: &'static str,
    remove_tags: &'static str,
    tag_keys: &'static str,
    /// Whether `name_prefix` is an argument (RDS only).
    prefix: bool,
}

const RDS: Flavor = Flavor {
    type_name: "aws_db_subnet_group",
    service: "rds",
    version: "2014-10-31",
    noun: "DBSubnetGroup",
    name: "DBSubnetGroupName",
    description: "DBSubnetGroupDescription",
    arn_field: Some("DBSubnetGroupArn"),
    not_found: "DBSubnetGroupNotFoundFault",
    list_tags: Some("ListTagsForResource"),
    add_tags: "AddTagsToResource",
    remove_tags: "RemoveTagsFromResource",
    tag_keys: "TagKeys.member",
    prefix: true,
};

const REDSHIFT: Flavor = Flavor {
    type_name: "aws_redshift_subnet_group",
    service: "redshift",
    version: "2012-12-01",
    noun: "ClusterSubnetGroup",
    name: "ClusterSubnetGroupName",
    description: "Description",
    arn_field: None,
    not_found: "ClusterSubnetGroupNotFoundFault",
    list_tags: None,
    add_tags: "CreateTags",
    remove_tags: "DeleteTags",
    tag_keys: "TagKeys.TagKey",
    prefix: false,
};

const ELASTICACHE: Flavor = Flavor {
    type_name: "aws_elasticache_subnet_group",
    service: "elasticache",
    version: "2015-02-02",
    noun: "CacheSubnetGroup",
    name: "CacheSubnetGroupName",
    description: "CacheSubnetGroupDescription",
    arn_field: Some("ARN"),
    not_found: "CacheSubnetGroupNotFoundFault",
    list_tags: Some("ListTagsForResource"),
    add_tags: "AddTagsToResource",
    remove_tags: "RemoveTagsFromResource",
    tag_keys: "TagKeys.member",
    prefix: false,
};

const DESCRIPTION: &str = "Managed by Terraform";

struct SubnetGroup(Flavor);

impl SubnetGroup {
    fn call(&self, api: &Api, action: &str, params: Params) -> ProviderResult<String> {
        api.query(self.0.service, self.0.version, action, params)
    }

    fn arn(&self, api: &Api, name: &str) -> ProviderResult<String> {
        let kind = if self.0.service == "rds" {
            "subgrp"
        } else {
            "subnetgroup"
        };
        Ok(format!(
            "arn:aws:{}:{}:{}:{kind}:{name}",
            self.0.service,
            api.region,
            api.account_id()?
        ))
    }

    /// The name, description and subnets of a create or modify call.
    fn params(&self, name: &str, p: &Obj) -> Params {
        Params::new()
            .set(self.0.name, name)
            .set(
                self.0.description,
                s(p, "description").unwrap_or(DESCRIPTION),
            )
            .list("SubnetIds.SubnetIdentifier", &strings(p, "subnet_ids"))
    }

    fn tags_of(&self, api: &Api, arn: &str, group: xml::Node<'_, '_>) -> ProviderResult<Tags> {
        let Some(list) = self.0.list_tags else {
            return Ok(tag_list(group));
        };
        let t = self.call(api, list, Params::new().set("ResourceName", arn))?;
        let doc = parse(&t)?;
        Ok(xml::find(doc.root_element(), "TagList")
            .map(tag_list_in)
            .unwrap_or_default())
    }

    fn retag(&self, api: &Api, arn: &str, prior: &Tags, wanted: &Tags) -> ProviderResult<()> {
        crate::tags::retag(
            prior,
            wanted,
            |gone| {
                let params = Params::new()
                    .set("ResourceName", arn)
                    .list(self.0.tag_keys, gone);
                self.call(api, self.0.remove_tags, params).map(drop)
            },
            |set| {
                let params = tag_params(Params::new().set("ResourceName", arn), set);
                self.call(api, self.0.add_tags, params).map(drop)
            },
        )
    }
}

use crate::tags::Tags;

fn tag_params(mut params: Params, tags: &Tags) -> Params {
    for (i, (k, v)) in tags.iter().enumerate() {
        params = params
            .set(format!("Tags.Tag.{}.Key", i + 1), k)
            .set(format!("Tags.Tag.{}.Value", i + 1), v);
    }
    params
}

fn tag_list_in(list: xml::Node<'_, '_>) -> Tags {
    xml::children(list, "Tag")
        .filter_map(|t| {
            Some((
                xml::child_text(t, "Key")?,
                xml::child_text(t, "Value").unwrap_or_default(),
            ))
        })
        .collect()
}

fn tag_list(group: xml::Node<'_, '_>) -> Tags {
    xml::child(group, "Tags")
        .map(tag_list_in)
        .unwrap_or_default()
}

impl Resource for SubnetGroup {
    fn type_name(&self) -> &'static str {
        self.0.type_name
    }

    fn schema(&self) -> Schema {
        let mut attributes = vec![
            ("description", defaulted(Type::String)),
            ("subnet_ids", required(string_set())),
            ("arn", computed(Type::String)),
        ];
        if self.0.prefix {
            attributes.push(("name", defaulted(Type::String).force_new()));
            attributes.push(("name_prefix", defaulted(Type::String).force_new()));
            attributes.push(("supported_network_types", computed(string_set())));
        } else {
            attributes.push(("name", required(Type::String).force_new()));
        }
        if self.0.service != "redshift" {
            attributes.push(("vpc_id", computed(Type::String)));
        }
        tagged(attributes)
    }

    fn plan_known(&self, config: &Obj) -> Obj {
        super::unset_defaults(config, &[("description", json!(DESCRIPTION))])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = super::generated_from(p, "name", "name_prefix");
        let params = tag_params(self.params(&name, p), &api.tags_all(&tags(p, "tags")));
        self.call(api, &format!("Create{}", self.0.noun), params)?;
        Ok(name)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = api.maybe(
            self.call(
                api,
                &format!("Describe{}s", self.0.noun),
                Params::new().set(self.0.name, id),
            ),
            &[self.0.not_found],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(group) = doc
            .descendants()
            .find(|n| n.has_tag_name(self.0.noun) && xml::child(*n, self.0.name).is_some())
        else {
            return Ok(None);
        };
        let name = xml::child_text(group, self.0.name).unwrap_or_else(|| id.into());
        let arn = match self.0.arn_field.and_then(|f| xml::child_text(group, f)) {
            Some(arn) => arn,
            None => self.arn(api, &name)?,
        };
        let mut subnets: Vec<String> = xml::child(group, "Subnets")
            .into_iter()
            .flat_map(|s| xml::children(s, "Subnet"))
            .filter_map(|s| xml::child_text(s, "SubnetIdentifier"))
            .collect();
        subnets.sort();
        let mut o = Obj::new();
        o.insert("id".into(), json!(name));
        o.insert("name".into(), json!(name));
        o.insert(
            "description".into(),
            json!(xml::child_text(group, self.0.description).unwrap_or_default()),
        );
        o.insert("subnet_ids".into(), json!(subnets));
        o.insert("arn".into(), json!(arn));
        if self.0.service != "redshift" {
            o.insert("vpc_id".into(), json!(xml::child_text(group, "VpcId")));
        }
        if self.0.prefix {
            o.insert(
                "name_prefix".into(),
                prior.get("name_prefix").cloned().unwrap_or_default(),
            );
            let types: Vec<String> = xml::child(group, "SupportedNetworkTypes")
                .into_iter()
                .flat_map(|n| xml::children(n, "member"))
                .filter_map(|m| m.text().map(str::to_string))
                .collect();
            o.insert(
                "supported_network_types".into(),
                json!(if types.is_empty() {
                    vec!["IPV4".to_string()]
                } else {
                    types
                }),
            );
        }
        let found = self.tags_of(api, &arn, group)?;
        api.read_tags(&mut o, found, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let subnets = |o: &Obj| {
            let mut v = strings(o, "subnet_ids");
            v.sort();
            v
        };
        if s(prior, "description") != s(p, "description") || subnets(prior) != subnets(p) {
            self.call(api, &format!("Modify{}", self.0.noun), self.params(id, p))?;
        }
        let arn = match s(prior, "arn") {
            Some(arn) => arn.to_string(),
            None => self.arn(api, id)?,
        };
        self.retag(
            api,
            &arn,
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            self.call(
                api,
                &format!("Delete{}", self.0.noun),
                Params::new().set(self.0.name, id),
            ),
            &[self.0.not_found],
        )
        .map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}
