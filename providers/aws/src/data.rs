//! Data sources: the caller, the region and its zones, AMIs, VPCs and
//! subnets, and instance types with their GPUs.

use crate::api::{
    self, b, blocks, ec2_tags, items, parse, s, strings, tags, text, Api, Obj, Params,
};
use crate::resources::{
    block, computed, defaulted, optional, required, string_map, strings as string_list,
};
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use strata_aws_client::xml;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

fn filter_block(schema: &mut Schema) {
    block(
        schema,
        "filter",
        Nesting::Set,
        Schema::new([
            ("name", required(Type::String)),
            ("values", required(string_list())),
        ]),
        None,
    );
}

fn gpu_type() -> Type {
    Type::list(Type::object(BTreeMap::from([
        ("count".to_string(), Type::Number),
        ("manufacturer".to_string(), Type::String),
        ("memory_size".to_string(), Type::Number),
        ("name".to_string(), Type::String),
    ])))
}

pub(crate) fn schemas() -> BTreeMap<String, Schema> {
    let mut out = BTreeMap::new();
    crate::policy_document::schemas(&mut out);
    out.insert(
        "aws_caller_identity".into(),
        Schema::new([
            ("id", computed(Type::String)),
            ("account_id", computed(Type::String)),
            ("arn", computed(Type::String)),
            ("user_id", computed(Type::String)),
        ]),
    );
    out.insert(
        "aws_region".into(),
        Schema::new([
            ("id", computed(Type::String)),
            ("name", defaulted(Type::String)),
            // The AWS provider 6's name for it.
            ("region", defaulted(Type::String)),
            ("endpoint", computed(Type::String)),
            ("description", computed(Type::String)),
        ]),
    );
    out.insert(
        "aws_canonical_user_id".into(),
        Schema::new([
            ("id", computed(Type::String)),
            ("display_name", computed(Type::String)),
        ]),
    );
    out.insert(
        "aws_availability_zones".into(),
        Schema::new([
            ("id", computed(Type::String)),
            ("state", optional(Type::String)),
            ("names", computed(string_list())),
            ("zone_ids", computed(string_list())),
        ]),
    );
    out.insert(
        "aws_ec2_instance_type".into(),
        Schema::new([
            ("id", computed(Type::String)),
            ("instance_type", required(Type::String)),
            ("default_vcpus", computed(Type::Number)),
            ("memory_size", computed(Type::Number)),
            ("gpus", computed(gpu_type())),
            ("total_gpu_memory", computed(Type::Number)),
            ("current_generation", computed(Type::Bool)),
            ("supported_architectures", computed(string_list())),
        ]),
    );
    let mut ami = Schema::new([
        ("id", computed(Type::String)),
        ("most_recent", optional(Type::Bool)),
        ("owners", optional(string_list())),
        ("name_regex", optional(Type::String)),
        ("image_id", computed(Type::String)),
        ("name", computed(Type::String)),
        ("architecture", computed(Type::String)),
        ("owner_id", computed(Type::String)),
        ("creation_date", computed(Type::String)),
        ("root_device_name", computed(Type::String)),
    ]);
    filter_block(&mut ami);
    out.insert("aws_ami".into(), ami);
    let mut vpc = Schema::new([
        ("id", defaulted(Type::String)),
        ("default", defaulted(Type::Bool)),
        ("cidr_block", defaulted(Type::String)),
        ("tags", defaulted(string_map())),
        ("arn", computed(Type::String)),
        ("owner_id", computed(Type::String)),
    ]);
    filter_block(&mut vpc);
    out.insert("aws_vpc".into(), vpc);
    let mut subnets = Schema::new([
        ("id", computed(Type::String)),
        ("ids", computed(string_list())),
        ("tags", optional(string_map())),
    ]);
    filter_block(&mut subnets);
    out.insert("aws_subnets".into(), subnets);
    let mut subnet = Schema::new([
        ("id", defaulted(Type::String)),
        ("vpc_id", defaulted(Type::String)),
        ("availability_zone", defaulted(Type::String)),
        ("cidr_block", defaulted(Type::String)),
        ("default_for_az", defaulted(Type::Bool)),
        ("state", defaulted(Type::String)),
        ("tags", defaulted(string_map())),
        ("arn", computed(Type::String)),
        ("availability_zone_id", computed(Type::String)),
        ("map_public_ip_on_launch", computed(Type::Bool)),
        ("available_ip_address_count", computed(Type::Number)),
        ("owner_id", computed(Type::String)),
    ]);
    filter_block(&mut subnet);
    out.insert("aws_subnet".into(), subnet);
    let mut group = Schema::new([
        ("id", defaulted(Type::String)),
        ("name", defaulted(Type::String)),
        ("vpc_id", defaulted(Type::String)),
        ("tags", defaulted(string_map())),
        ("arn", computed(Type::String)),
        ("description", computed(Type::String)),
    ]);
    filter_block(&mut group);
    out.insert("aws_security_group".into(), group);
    out.insert(
        "aws_ssm_parameter".into(),
        Schema::new([
            ("id", computed(Type::String)),
            ("name", required(Type::String)),
            ("with_decryption", optional(Type::Bool)),
            ("arn", computed(Type::String)),
            ("type", computed(Type::String)),
            ("value", computed(Type::String).sensitive()),
            ("insecure_value", computed(Type::String)),
            ("version", computed(Type::Number)),
        ]),
    );
    out
}

/// The one object a search found, or the error Terraform gives for none
/// or several.
fn exactly_one<'a, 'i>(
    found: Vec<xml::Node<'a, 'i>>,
    type_name: &str,
    what: &str,
) -> ProviderResult<xml::Node<'a, 'i>> {
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(none_found(type_name)),
        _ => Err(ProviderError::failed(
            format!("Multiple {what} matched"),
            format!(
                "{type_name}: use additional constraints to reduce matches to a single {what}."
            ),
        )),
    }
}

/// `Filter.N.Name` / `Filter.N.Value.M` from filter blocks and tags.
fn filters(config: &Obj, mut extra: Vec<(String, Vec<String>)>) -> Params {
    for f in blocks(config, "filter") {
        extra.push((
            s(f, "name").unwrap_or_default().to_string(),
            strings(f, "values"),
        ));
    }
    for (k, v) in tags(config, "tags") {
        extra.push((format!("tag:{k}"), vec![v]));
    }
    let mut p = Params::new();
    for (i, (name, values)) in extra.iter().enumerate() {
        p = p.set(format!("Filter.{}.Name", i + 1), name.as_str());
        for (j, v) in values.iter().enumerate() {
            p = p.set(format!("Filter.{}.Value.{}", i + 1, j + 1), v.as_str());
        }
    }
    p
}

fn none_found(type_name: &str) -> ProviderError {
    ProviderError::failed(
        "Your query returned no results",
        format!("{type_name}: nothing matches; change the search criteria."),
    )
}

fn number(node: Option<xml::Node<'_, '_>>, name: &str) -> i64 {
    node.and_then(|n| text(n, name))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn read(api: &Api, type_name: &str, config: &Obj) -> ProviderResult<Obj> {
    let mut o = Obj::new();
    match type_name {
        "aws_caller_identity" => {
            let t = api.sts("GetCallerIdentity", Params::new())?;
            let doc = parse(&t)?;
            let account = api::find_text(&doc, "Account").unwrap_or_default();
            o.insert("id".into(), json!(account));
            o.insert("account_id".into(), json!(account));
            o.insert("arn".into(), json!(api::find_text(&doc, "Arn")));
            o.insert("user_id".into(), json!(api::find_text(&doc, "UserId")));
        }
        "aws_canonical_user_id" => {
            let request = strata_aws_client::Request::new("s3", "GET", "/");
            let t = api.send("S3 ListBuckets", request)?.text();
            let doc = parse(&t)?;
            let owner = xml::find(doc.root_element(), "Owner");
            let id = owner
                .and_then(|o| xml::child_text(o, "ID"))
                .unwrap_or_default();
            o.insert("id".into(), json!(id));
            o.insert(
                "display_name".into(),
                json!(owner.and_then(|o| xml::child_text(o, "DisplayName"))),
            );
        }
        "aws_region" => {
            let name = s(config, "region")
                .or(s(config, "name"))
                .unwrap_or(&api.region)
                .to_string();
            o.insert("region".into(), json!(name));
            o.insert("id".into(), json!(name));
            o.insert(
                "endpoint".into(),
                json!(format!("ec2.{name}.amazonaws.com")),
            );
            o.insert("description".into(), json!(name));
            o.insert("name".into(), json!(name));
        }
        "aws_availability_zones" => {
            let mut p = Params::new();
            if let Some(state) = s(config, "state") {
                p = p
                    .set("Filter.1.Name", "state")
                    .set("Filter.1.Value.1", state);
            }
            let t = api.ec2("DescribeAvailabilityZones", p)?;
            let doc = parse(&t)?;
            let zones = items(&doc, "availabilityZoneInfo");
            let mut names: Vec<String> =
                zones.iter().filter_map(|z| text(*z, "zoneName")).collect();
            let mut ids: Vec<String> = zones.iter().filter_map(|z| text(*z, "zoneId")).collect();
            names.sort();
            ids.sort();
            o.insert("id".into(), json!(api.region));
            o.insert("names".into(), json!(names));
            o.insert("zone_ids".into(), json!(ids));
        }
        "aws_ec2_instance_type" => {
            let it = api::req(config, "instance_type")?;
            let t = api.ec2(
                "DescribeInstanceTypes",
                Params::new().set("InstanceType.1", it),
            )?;
            let doc = parse(&t)?;
            let Some(n) = items(&doc, "instanceTypeSet").into_iter().next() else {
                return Err(ProviderError::at(
                    "Unknown instance type",
                    format!("{it:?} is not an instance type in {}", api.region),
                    "instance_type",
                ));
            };
            let gpu_info = xml::child(n, "gpuInfo");
            let gpus: Vec<J> = gpu_info
                .and_then(|g| xml::child(g, "gpus"))
                .map(|g| {
                    xml::children(g, "item")
                        .map(|i| {
                            json!({
                                "count": number(Some(i), "count"),
                                "manufacturer": text(i, "manufacturer"),
                                "memory_size": number(xml::child(i, "memoryInfo"), "sizeInMiB"),
                                "name": text(i, "name"),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let archs: Vec<String> = xml::child(n, "processorInfo")
                .and_then(|p| xml::child(p, "supportedArchitectures"))
                .map(|a| {
                    xml::children(a, "item")
                        .filter_map(|i| i.text().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            o.insert("id".into(), json!(it));
            o.insert("instance_type".into(), json!(it));
            o.insert(
                "default_vcpus".into(),
                json!(number(xml::child(n, "vCpuInfo"), "defaultVCpus")),
            );
            o.insert(
                "memory_size".into(),
                json!(number(xml::child(n, "memoryInfo"), "sizeInMiB")),
            );
            o.insert("gpus".into(), J::Array(gpus));
            o.insert(
                "total_gpu_memory".into(),
                json!(number(gpu_info, "totalGpuMemoryInMiB")),
            );
            o.insert(
                "current_generation".into(),
                json!(text(n, "currentGeneration").as_deref() == Some("true")),
            );
            o.insert("supported_architectures".into(), json!(archs));
        }
        "aws_ami" => {
            let mut p = filters(config, Vec::new());
            for (i, owner) in strings(config, "owners").iter().enumerate() {
                p = p.set(format!("Owner.{}", i + 1), owner.as_str());
            }
            let t = api.ec2("DescribeImages", p)?;
            let doc = parse(&t)?;
            let mut images = items(&doc, "imagesSet");
            if let Some(pattern) = s(config, "name_regex") {
                images.retain(|i| glob_like(pattern, &text(*i, "name").unwrap_or_default()));
            }
            images.sort_by_key(|i| text(*i, "creationDate").unwrap_or_default());
            if images.len() > 1 && b(config, "most_recent") != Some(true) {
                return Err(ProviderError::failed(
                    "Your query returned more than one result",
                    "aws_ami: several images match; set most_recent = true or narrow the filters.",
                ));
            }
            let Some(img) = images.last() else {
                return Err(none_found("aws_ami"));
            };
            let id = text(*img, "imageId").unwrap_or_default();
            o.insert("id".into(), json!(id));
            o.insert("image_id".into(), json!(id));
            for (k, x) in [
                ("name", "name"),
                ("architecture", "architecture"),
                ("owner_id", "imageOwnerId"),
                ("creation_date", "creationDate"),
                ("root_device_name", "rootDeviceName"),
            ] {
                o.insert(k.into(), json!(text(*img, x)));
            }
        }
        "aws_vpc" => {
            let mut extra = Vec::new();
            if let Some(id) = s(config, "id") {
                extra.push(("vpc-id".to_string(), vec![id.to_string()]));
            }
            if let Some(d) = b(config, "default") {
                extra.push(("is-default".to_string(), vec![d.to_string()]));
            }
            if let Some(c) = s(config, "cidr_block") {
                extra.push(("cidr".to_string(), vec![c.to_string()]));
            }
            let t = api.ec2("DescribeVpcs", filters(config, extra))?;
            let doc = parse(&t)?;
            let vpcs = items(&doc, "vpcSet");
            let [vpc] = vpcs.as_slice() else {
                return Err(if vpcs.is_empty() {
                    none_found("aws_vpc")
                } else {
                    ProviderError::failed(
                        "Multiple VPCs matched",
                        "aws_vpc: use additional constraints to reduce matches to a single VPC.",
                    )
                });
            };
            let id = text(*vpc, "vpcId").unwrap_or_default();
            let owner = text(*vpc, "ownerId").unwrap_or_default();
            o.insert("id".into(), json!(id));
            o.insert("cidr_block".into(), json!(text(*vpc, "cidrBlock")));
            o.insert(
                "default".into(),
                json!(text(*vpc, "isDefault").as_deref() == Some("true")),
            );
            o.insert("owner_id".into(), json!(owner));
            o.insert(
                "arn".into(),
                json!(format!("arn:aws:ec2:{}:{owner}:vpc/{id}", api.region)),
            );
            o.insert("tags".into(), api::map_json(&ec2_tags(*vpc)));
        }
        "aws_subnets" => {
            let t = api.ec2("DescribeSubnets", filters(config, Vec::new()))?;
            let doc = parse(&t)?;
            let mut ids: Vec<String> = items(&doc, "subnetSet")
                .iter()
                .filter_map(|n| text(*n, "subnetId"))
                .collect();
            ids.sort();
            o.insert("id".into(), json!(api.region));
            o.insert("ids".into(), json!(ids));
        }
        "aws_subnet" => {
            let mut extra = Vec::new();
            for (attr, filter) in [
                ("id", "subnet-id"),
                ("vpc_id", "vpc-id"),
                ("availability_zone", "availability-zone"),
                ("cidr_block", "cidr-block"),
                ("state", "state"),
            ] {
                if let Some(v) = s(config, attr) {
                    extra.push((filter.to_string(), vec![v.to_string()]));
                }
            }
            if let Some(d) = b(config, "default_for_az") {
                extra.push(("default-for-az".to_string(), vec![d.to_string()]));
            }
            let t = api.ec2("DescribeSubnets", filters(config, extra))?;
            let doc = parse(&t)?;
            let subnet = exactly_one(items(&doc, "subnetSet"), "aws_subnet", "subnet")?;
            let id = text(subnet, "subnetId").unwrap_or_default();
            let owner = text(subnet, "ownerId").unwrap_or_default();
            o.insert("id".into(), json!(id));
            for (attr, tag) in [
                ("vpc_id", "vpcId"),
                ("availability_zone", "availabilityZone"),
                ("availability_zone_id", "availabilityZoneId"),
                ("cidr_block", "cidrBlock"),
                ("state", "state"),
            ] {
                o.insert(attr.into(), json!(text(subnet, tag)));
            }
            let flag = |tag: &str| text(subnet, tag).as_deref() == Some("true");
            o.insert("default_for_az".into(), json!(flag("defaultForAz")));
            o.insert(
                "map_public_ip_on_launch".into(),
                json!(flag("mapPublicIpOnLaunch")),
            );
            o.insert(
                "available_ip_address_count".into(),
                json!(number(Some(subnet), "availableIpAddressCount")),
            );
            o.insert("owner_id".into(), json!(owner));
            o.insert(
                "arn".into(),
                json!(format!("arn:aws:ec2:{}:{owner}:subnet/{id}", api.region)),
            );
            o.insert("tags".into(), api::map_json(&ec2_tags(subnet)));
        }
        "aws_security_group" => {
            let mut extra = Vec::new();
            for (attr, filter) in [
                ("id", "group-id"),
                ("name", "group-name"),
                ("vpc_id", "vpc-id"),
            ] {
                if let Some(v) = s(config, attr) {
                    extra.push((filter.to_string(), vec![v.to_string()]));
                }
            }
            let t = api.ec2("DescribeSecurityGroups", filters(config, extra))?;
            let doc = parse(&t)?;
            let group = exactly_one(
                items(&doc, "securityGroupInfo"),
                "aws_security_group",
                "security group",
            )?;
            let id = text(group, "groupId").unwrap_or_default();
            let owner = text(group, "ownerId").unwrap_or_default();
            o.insert("id".into(), json!(id));
            o.insert("name".into(), json!(text(group, "groupName")));
            o.insert("vpc_id".into(), json!(text(group, "vpcId")));
            o.insert("description".into(), json!(text(group, "groupDescription")));
            o.insert(
                "arn".into(),
                json!(format!(
                    "arn:aws:ec2:{}:{owner}:security-group/{id}",
                    api.region
                )),
            );
            o.insert("tags".into(), api::map_json(&ec2_tags(group)));
        }
        "aws_ssm_parameter" => {
            let name = api::req(config, "name")?;
            let found = api.json11(
                "ssm",
                "AmazonSSM.GetParameter",
                json!({"Name": name, "WithDecryption": b(config, "with_decryption").unwrap_or(true)}),
            )?;
            let p = &found["Parameter"];
            let value = p["Value"].as_str().unwrap_or_default();
            o.insert("id".into(), json!(name));
            o.insert("arn".into(), p["ARN"].clone());
            o.insert("type".into(), p["Type"].clone());
            o.insert("value".into(), json!(value));
            o.insert(
                "insecure_value".into(),
                if p["Type"] == json!("SecureString") {
                    J::Null
                } else {
                    json!(value)
                },
            );
            o.insert("version".into(), p["Version"].clone());
        }
        other => return Err(ProviderError::UnsupportedType(other.to_string())),
    }
    Ok(o)
}

/// `name_regex` for the common cases: `^prefix`, `suffix$`, `.*` and
/// literal text.
fn glob_like(pattern: &str, name: &str) -> bool {
    let anchored_start = pattern.starts_with('^');
    let anchored_end = pattern.ends_with('$') && !pattern.ends_with("\\$");
    let core = pattern.trim_start_matches('^').trim_end_matches('$');
    let parts: Vec<&str> = core.split(".*").collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        let part = part.replace("\\.", ".");
        if i == 0 && anchored_start {
            if !rest.starts_with(&part) {
                return false;
            }
            rest = &rest[part.len()..];
        } else if let Some(at) = rest.find(&part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    !anchored_end || rest.is_empty() || parts.last().is_some_and(|p| p.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn name_regex_covers_the_common_forms() {
        assert!(super::glob_like(
            "^Deep Learning AMI GPU.*",
            "Deep Learning AMI GPU PyTorch 2.4"
        ));
        assert!(!super::glob_like("^Deep", "The Deep"));
        assert!(super::glob_like(
            "ubuntu-.*-22\\.04",
            "ubuntu-jammy-22.04-amd64"
        ));
        assert!(super::glob_like("amd64$", "ubuntu-amd64"));
        assert!(!super::glob_like("amd64$", "amd64-ubuntu"));
    }
}
