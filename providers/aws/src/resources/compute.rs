//! GPU compute: instances (GPU types such as p4d.24xlarge, p5.48xlarge,
//! g5.xlarge), launch templates and auto scaling groups with mixed
//! on-demand and spot capacity.

use super::{block, computed, defaulted, optional, required, string_set, tagged};
use crate::api::{
    self, b, blocks, ec2_tags, items, parse, prefer_prior, s, strings, tags, text, Api, Obj, Params,
};
use crate::Resource;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use strata_aws_client::xml;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(Instance),
        Arc::new(LaunchTemplate),
        Arc::new(AutoscalingGroup),
    ]
}

/// How long instance and fleet waiters wait before giving up.
const WAIT: Duration = Duration::from_secs(600);

fn wait_for(
    api: &Api,
    what: &str,
    check: impl FnMut() -> ProviderResult<bool>,
) -> ProviderResult<()> {
    super::poll(api, what, WAIT, check)
}

// ---- aws_instance ----------------------------------------------------------------

struct Instance;

/// Instances per DescribeInstances call: AWS takes 200 values a filter.
const BATCH: usize = 200;

fn instance_state(api: &Api, id: &str) -> ProviderResult<Option<String>> {
    let t = api.ec2(
        "DescribeInstances",
        Params::new()
            .set("Filter.1.Name", "instance-id")
            .set("Filter.1.Value.1", id),
    )?;
    let doc = parse(&t)?;
    Ok(doc
        .descendants()
        .find(|n| n.has_tag_name("instanceState"))
        .and_then(|n| text(n, "name")))
}

fn wait_state(api: &Api, id: &str, wanted: &[&str]) -> ProviderResult<()> {
    wait_for(
        api,
        &format!("instance {id} reaching {}", wanted.join(" or ")),
        || {
            Ok(match instance_state(api, id)? {
                Some(state) => wanted.contains(&state.as_str()),
                None => wanted.contains(&"terminated"),
            })
        },
    )
}

fn profile_name(arn_or_name: &str) -> String {
    arn_or_name
        .rsplit('/')
        .next()
        .unwrap_or(arn_or_name)
        .to_string()
}

fn instance_obj(api: &Api, n: xml::Node<'_, '_>, prior: &Obj) -> Obj {
    let id = text(n, "instanceId").unwrap_or_default();
    let placement = xml::child(n, "placement");
    let groups: Vec<String> = xml::child(n, "groupSet")
        .map(|g| {
            xml::children(g, "item")
                .filter_map(|i| text(i, "groupId"))
                .collect()
        })
        .unwrap_or_default();
    let profile = xml::child(n, "iamInstanceProfile")
        .and_then(|p| text(p, "arn"))
        .map(|a| profile_name(&a));
    let owner = prior
        .get("arn")
        .and_then(J::as_str)
        .map(|a| a.split(':').nth(4).unwrap_or("").to_string());
    let mut o = Obj::new();
    o.insert("id".into(), json!(id));
    o.insert("ami".into(), json!(text(n, "imageId")));
    o.insert("instance_type".into(), json!(text(n, "instanceType")));
    o.insert(
        "instance_state".into(),
        json!(xml::child(n, "instanceState").and_then(|s| text(s, "name"))),
    );
    o.insert("subnet_id".into(), json!(text(n, "subnetId")));
    o.insert("private_ip".into(), json!(text(n, "privateIpAddress")));
    o.insert(
        "public_ip".into(),
        json!(text(n, "ipAddress").unwrap_or_default()),
    );
    o.insert("key_name".into(), json!(text(n, "keyName")));
    o.insert(
        "availability_zone".into(),
        json!(placement.and_then(|p| text(p, "availabilityZone"))),
    );
    o.insert(
        "placement_group".into(),
        json!(placement
            .and_then(|p| text(p, "groupName"))
            .unwrap_or_default()),
    );
    o.insert("vpc_security_group_ids".into(), json!(groups));
    o.insert("iam_instance_profile".into(), json!(profile));
    o.insert(
        "ebs_optimized".into(),
        json!(text(n, "ebsOptimized").as_deref() == Some("true")),
    );
    o.insert(
        "monitoring".into(),
        json!(
            xml::child(n, "monitoring")
                .and_then(|m| text(m, "state"))
                .as_deref()
                == Some("enabled")
        ),
    );
    o.insert(
        "arn".into(),
        json!(format!(
            "arn:aws:ec2:{}:{}:instance/{id}",
            api.region,
            owner.unwrap_or_else(|| "123456789012".into())
        )),
    );
    // Not returned by DescribeInstances: kept as written.
    for k in ["user_data", "associate_public_ip_address"] {
        o.insert(k.into(), prior.get(k).cloned().unwrap_or(J::Null));
    }
    api.read_tags(&mut o, ec2_tags(n), prior);
    o
}

impl Resource for Instance {
    fn type_name(&self) -> &'static str {
        "aws_instance"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("ami", required(Type::String).force_new()),
            ("instance_type", required(Type::String)),
            ("subnet_id", defaulted(Type::String).force_new()),
            ("vpc_security_group_ids", defaulted(string_set())),
            ("iam_instance_profile", optional(Type::String).force_new()),
            ("key_name", defaulted(Type::String).force_new()),
            ("user_data", optional(Type::String).force_new()),
            ("placement_group", defaulted(Type::String).force_new()),
            ("availability_zone", defaulted(Type::String).force_new()),
            (
                "associate_public_ip_address",
                optional(Type::Bool).force_new(),
            ),
            ("ebs_optimized", defaulted(Type::Bool).force_new()),
            ("monitoring", defaulted(Type::Bool)),
            ("instance_state", computed(Type::String)),
            ("private_ip", computed(Type::String)),
            ("public_ip", computed(Type::String)),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        use base64::Engine;
        let mut params = Params::new()
            .set("ImageId", api::req(p, "ami")?)
            .set("InstanceType", api::req(p, "instance_type")?)
            .set("MinCount", "1")
            .set("MaxCount", "1")
            .opt("KeyName", s(p, "key_name"))
            .opt(
                "UserData",
                s(p, "user_data").map(|u| base64::engine::general_purpose::STANDARD.encode(u)),
            )
            .opt(
                "Placement.GroupName",
                s(p, "placement_group").filter(|g| !g.is_empty()),
            )
            .opt("Placement.AvailabilityZone", s(p, "availability_zone"))
            .opt(
                "IamInstanceProfile.Name",
                s(p, "iam_instance_profile").map(profile_name),
            )
            .opt("EbsOptimized", b(p, "ebs_optimized").map(|x| x.to_string()))
            .opt(
                "Monitoring.Enabled",
                b(p, "monitoring").map(|x| x.to_string()),
            )
            .tag_spec("instance", &api.tags_all(&tags(p, "tags")));
        let groups = strings(p, "vpc_security_group_ids");
        if let Some(public) = b(p, "associate_public_ip_address") {
            // A public address is asked for on the network interface.
            params = params
                .set("NetworkInterface.1.DeviceIndex", "0")
                .set(
                    "NetworkInterface.1.AssociatePublicIpAddress",
                    public.to_string(),
                )
                .opt("NetworkInterface.1.SubnetId", s(p, "subnet_id"))
                .list("NetworkInterface.1.SecurityGroupId", &groups);
        } else {
            params = params
                .opt("SubnetId", s(p, "subnet_id"))
                .list("SecurityGroupId", &groups);
        }
        let t = api.ec2("RunInstances", params)?;
        let id = api::find_text(&parse(&t)?, "instanceId")
            .ok_or_else(|| ProviderError::failed("RunInstances", "no instanceId in the answer"))?;
        wait_state(api, &id, &["running"])?;
        Ok(id)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let mut with_id = prior.clone();
        with_id.insert("id".into(), json!(id));
        Ok(self.read_many(api, &[with_id])?.pop().flatten())
    }

    /// DescribeInstances by lists of ids: 1,000 instances cost 5 calls.
    fn read_many(&self, api: &Api, states: &[Obj]) -> ProviderResult<Vec<Option<Obj>>> {
        let mut found: BTreeMap<String, Obj> = BTreeMap::new();
        let ids: Vec<&str> = states.iter().filter_map(|st| s(st, "id")).collect();
        let priors: BTreeMap<&str, &Obj> = states
            .iter()
            .filter_map(|st| Some((s(st, "id")?, st)))
            .collect();
        for chunk in ids.chunks(BATCH) {
            let mut params = Params::new().set("Filter.1.Name", "instance-id");
            for (i, id) in chunk.iter().enumerate() {
                params = params.set(format!("Filter.1.Value.{}", i + 1), *id);
            }
            let mut token: Option<String> = None;
            loop {
                let t = api.ec2(
                    "DescribeInstances",
                    Params(params.0.clone()).opt("NextToken", token.clone()),
                )?;
                let doc = parse(&t)?;
                for n in doc.descendants().filter(|n| {
                    n.has_tag_name("item")
                        && xml::child(*n, "instanceId").is_some()
                        && xml::child(*n, "instanceState").is_some()
                }) {
                    let state = xml::child(n, "instanceState").and_then(|s| text(s, "name"));
                    if matches!(state.as_deref(), Some("terminated" | "shutting-down")) {
                        continue;
                    }
                    let id = text(n, "instanceId").unwrap_or_default();
                    let prior = priors
                        .get(id.as_str())
                        .copied()
                        .cloned()
                        .unwrap_or_default();
                    found.insert(id, instance_obj(api, n, &prior));
                }
                token = api::find_text(&doc, "nextToken");
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(states
            .iter()
            .map(|st| s(st, "id").and_then(|id| found.remove(id)))
            .collect())
    }

    /// A new instance type needs the instance stopped, as Terraform does it.
    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "instance_type") != s(p, "instance_type") {
            api.ec2("StopInstances", Params::new().set("InstanceId.1", id))?;
            wait_state(api, id, &["stopped"])?;
            api.ec2(
                "ModifyInstanceAttribute",
                Params::new()
                    .set("InstanceId", id)
                    .set("InstanceType.Value", api::req(p, "instance_type")?),
            )?;
            api.ec2("StartInstances", Params::new().set("InstanceId.1", id))?;
            wait_state(api, id, &["running"])?;
        }
        let mut old_groups = strings(prior, "vpc_security_group_ids");
        let mut new_groups = strings(p, "vpc_security_group_ids");
        old_groups.sort();
        new_groups.sort();
        if !new_groups.is_empty() && old_groups != new_groups {
            api.ec2(
                "ModifyInstanceAttribute",
                Params::new()
                    .set("InstanceId", id)
                    .list("GroupId", &new_groups),
            )?;
        }
        if let Some(m) = b(p, "monitoring") {
            if b(prior, "monitoring") != Some(m) {
                let action = if m {
                    "MonitorInstances"
                } else {
                    "UnmonitorInstances"
                };
                api.ec2(action, Params::new().set("InstanceId.1", id))?;
            }
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        if api
            .maybe(
                api.ec2("TerminateInstances", Params::new().set("InstanceId.1", id)),
                &["InvalidInstanceID.NotFound"],
            )?
            .is_none()
        {
            return Ok(());
        }
        wait_state(api, id, &["terminated"])
    }
}

// ---- aws_launch_template ---------------------------------------------------------

struct LaunchTemplate;

fn launch_template_data(p: &Obj) -> Params {
    let pre = "LaunchTemplateData";
    let mut params = Params::new()
        .opt(&format!("{pre}.ImageId"), s(p, "image_id"))
        .opt(&format!("{pre}.InstanceType"), s(p, "instance_type"))
        .opt(&format!("{pre}.KeyName"), s(p, "key_name"))
        .opt(&format!("{pre}.UserData"), s(p, "user_data"))
        .opt(
            &format!("{pre}.EbsOptimized"),
            b(p, "ebs_optimized").map(|x| x.to_string()),
        )
        .list(
            &format!("{pre}.SecurityGroupId"),
            &strings(p, "vpc_security_group_ids"),
        );
    if let Some(profile) = blocks(p, "iam_instance_profile").first() {
        params = params
            .opt(
                &format!("{pre}.IamInstanceProfile.Name"),
                s(profile, "name"),
            )
            .opt(&format!("{pre}.IamInstanceProfile.Arn"), s(profile, "arn"));
    }
    if let Some(placement) = blocks(p, "placement").first() {
        params = params
            .opt(
                &format!("{pre}.Placement.GroupName"),
                s(placement, "group_name"),
            )
            .opt(
                &format!("{pre}.Placement.AvailabilityZone"),
                s(placement, "availability_zone"),
            )
            .opt(&format!("{pre}.Placement.Tenancy"), s(placement, "tenancy"));
    }
    if let Some(market) = blocks(p, "instance_market_options").first() {
        params = params.opt(
            &format!("{pre}.InstanceMarketOptions.MarketType"),
            s(market, "market_type"),
        );
        if let Some(spot) = blocks(market, "spot_options").first() {
            params = params
                .opt(
                    &format!("{pre}.InstanceMarketOptions.SpotOptions.MaxPrice"),
                    s(spot, "max_price"),
                )
                .opt(
                    &format!("{pre}.InstanceMarketOptions.SpotOptions.SpotInstanceType"),
                    s(spot, "spot_instance_type"),
                );
        }
    }
    for (i, spec) in blocks(p, "tag_specifications").iter().enumerate() {
        let sp = format!("{pre}.TagSpecification.{}", i + 1);
        params = params.opt(&format!("{sp}.ResourceType"), s(spec, "resource_type"));
        for (j, (k, v)) in tags(spec, "tags").iter().enumerate() {
            params = params
                .set(format!("{sp}.Tag.{}.Key", j + 1), k.as_str())
                .set(format!("{sp}.Tag.{}.Value", j + 1), v.as_str());
        }
    }
    params
}

impl Resource for LaunchTemplate {
    fn type_name(&self) -> &'static str {
        "aws_launch_template"
    }

    fn schema(&self) -> Schema {
        let mut schema = tagged(vec![
            ("name", defaulted(Type::String).force_new()),
            ("description", optional(Type::String)),
            ("image_id", optional(Type::String)),
            ("instance_type", optional(Type::String)),
            ("key_name", optional(Type::String)),
            ("user_data", optional(Type::String)),
            ("ebs_optimized", optional(Type::Bool)),
            ("vpc_security_group_ids", optional(string_set())),
            ("update_default_version", optional(Type::Bool)),
            ("arn", computed(Type::String)),
            ("latest_version", computed(Type::Number)),
            ("default_version", computed(Type::Number)),
        ]);
        block(
            &mut schema,
            "iam_instance_profile",
            Nesting::List,
            Schema::new([
                ("name", optional(Type::String)),
                ("arn", optional(Type::String)),
            ]),
            Some(1),
        );
        block(
            &mut schema,
            "placement",
            Nesting::List,
            Schema::new([
                ("group_name", optional(Type::String)),
                ("availability_zone", optional(Type::String)),
                ("tenancy", optional(Type::String)),
            ]),
            Some(1),
        );
        let mut market = Schema::new([("market_type", optional(Type::String))]);
        block(
            &mut market,
            "spot_options",
            Nesting::List,
            Schema::new([
                ("max_price", optional(Type::String)),
                ("spot_instance_type", optional(Type::String)),
            ]),
            Some(1),
        );
        block(
            &mut schema,
            "instance_market_options",
            Nesting::List,
            market,
            Some(1),
        );
        block(
            &mut schema,
            "tag_specifications",
            Nesting::List,
            Schema::new([
                ("resource_type", optional(Type::String)),
                ("tags", optional(super::string_map())),
            ]),
            None,
        );
        schema
    }

    fn update_unknowns(&self) -> &'static [&'static str] {
        &["latest_version", "default_version"]
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = s(p, "name")
            .map(str::to_string)
            .unwrap_or_else(|| format!("terraform-{}", uuid::Uuid::new_v4().simple()));
        let mut params = launch_template_data(p)
            .set("LaunchTemplateName", name)
            .opt("VersionDescription", s(p, "description"));
        let all = api.tags_all(&tags(p, "tags"));
        params = params.tag_spec("launch-template", &all);
        let t = api.ec2("CreateLaunchTemplate", params)?;
        api::find_text(&parse(&t)?, "launchTemplateId")
            .ok_or_else(|| ProviderError::failed("CreateLaunchTemplate", "no launchTemplateId"))
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = api.maybe(
            api.ec2(
                "DescribeLaunchTemplates",
                Params::new().set("LaunchTemplateId.1", id),
            ),
            &[
                "InvalidLaunchTemplateId.NotFound",
                "InvalidLaunchTemplateId.Malformed",
            ],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(lt) = items(&doc, "launchTemplates").into_iter().next() else {
            return Ok(None);
        };
        let latest = text(lt, "latestVersionNumber")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(1);
        let default = text(lt, "defaultVersionNumber")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(1);
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(text(lt, "launchTemplateName")));
        o.insert("latest_version".into(), json!(latest));
        o.insert("default_version".into(), json!(default));
        o.insert(
            "arn".into(),
            json!(format!(
                "arn:aws:ec2:{}:{}:launch-template/{id}",
                api.region,
                text(lt, "createdBy")
                    .and_then(|c| c.split(':').nth(4).map(str::to_string))
                    .unwrap_or_else(|| "123456789012".into())
            )),
        );
        let v = api.ec2(
            "DescribeLaunchTemplateVersions",
            Params::new()
                .set("LaunchTemplateId", id)
                .set("LaunchTemplateVersion.1", latest.to_string()),
        )?;
        let vdoc = parse(&v)?;
        let version = items(&vdoc, "launchTemplateVersionSet").into_iter().next();
        let data = version.and_then(|v| xml::child(v, "launchTemplateData"));
        let field = |name: &str| data.and_then(|d| text(d, name));
        o.insert(
            "description".into(),
            json!(version.and_then(|v| text(v, "versionDescription"))),
        );
        o.insert("image_id".into(), json!(field("imageId")));
        o.insert("instance_type".into(), json!(field("instanceType")));
        o.insert("key_name".into(), json!(field("keyName")));
        o.insert("user_data".into(), json!(field("userData")));
        o.insert(
            "ebs_optimized".into(),
            match field("ebsOptimized") {
                Some(x) => json!(x == "true"),
                None => J::Null,
            },
        );
        let groups: Vec<String> = data
            .and_then(|d| xml::child(d, "securityGroupIdSet"))
            .map(|g| {
                xml::children(g, "item")
                    .filter_map(|i| i.text().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        o.insert(
            "vpc_security_group_ids".into(),
            if groups.is_empty() {
                J::Null
            } else {
                json!(groups)
            },
        );
        let sub = |name: &str, fields: &[(&str, &str)]| -> J {
            match data.and_then(|d| xml::child(d, name)) {
                Some(n) => {
                    let mut m = Obj::new();
                    for (k, x) in fields {
                        m.insert(k.to_string(), json!(text(n, x)));
                    }
                    json!([m])
                }
                None => json!([]),
            }
        };
        let profile = sub("iamInstanceProfile", &[("name", "name"), ("arn", "arn")]);
        o.insert(
            "iam_instance_profile".into(),
            prefer_prior(prior.get("iam_instance_profile"), profile),
        );
        let placement = sub(
            "placement",
            &[
                ("group_name", "groupName"),
                ("availability_zone", "availabilityZone"),
                ("tenancy", "tenancy"),
            ],
        );
        o.insert(
            "placement".into(),
            prefer_prior(prior.get("placement"), placement),
        );
        let market = match data.and_then(|d| xml::child(d, "instanceMarketOptions")) {
            Some(m) => {
                let spot = xml::child(m, "spotOptions")
                    .map(|s| json!([{"max_price": text(s, "maxPrice"), "spot_instance_type": text(s, "spotInstanceType")}]))
                    .unwrap_or(json!([]));
                json!([{"market_type": text(m, "marketType"), "spot_options": spot}])
            }
            None => json!([]),
        };
        o.insert(
            "instance_market_options".into(),
            prefer_prior(prior.get("instance_market_options"), market),
        );
        let specs: Vec<J> = data
            .and_then(|d| xml::child(d, "tagSpecificationSet"))
            .map(|set| {
                xml::children(set, "item")
                    // The template's own tags are not launch data.
                    .filter(|i| text(*i, "resourceType").as_deref() != Some("launch-template"))
                    .map(|i| json!({"resource_type": text(i, "resourceType"), "tags": api::map_json(&ec2_tags(i))}))
                    .collect()
            })
            .unwrap_or_default();
        o.insert(
            "tag_specifications".into(),
            prefer_prior(prior.get("tag_specifications"), J::Array(specs)),
        );
        o.insert(
            "update_default_version".into(),
            prior
                .get("update_default_version")
                .cloned()
                .unwrap_or(J::Null),
        );
        api.read_tags(&mut o, ec2_tags(lt), prior);
        Ok(Some(o))
    }

    /// A change makes a new version; with `update_default_version` it
    /// becomes the default.
    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let data_keys = [
            "description",
            "image_id",
            "instance_type",
            "key_name",
            "user_data",
            "ebs_optimized",
            "vpc_security_group_ids",
            "iam_instance_profile",
            "placement",
            "instance_market_options",
            "tag_specifications",
        ];
        if data_keys.iter().any(|k| prior.get(*k) != p.get(*k)) {
            let t = api.ec2(
                "CreateLaunchTemplateVersion",
                launch_template_data(p)
                    .set("LaunchTemplateId", id)
                    .opt("VersionDescription", s(p, "description")),
            )?;
            let doc = parse(&t)?;
            if b(p, "update_default_version") == Some(true) {
                if let Some(v) = api::find_text(&doc, "versionNumber") {
                    api.ec2(
                        "ModifyLaunchTemplate",
                        Params::new()
                            .set("LaunchTemplateId", id)
                            .set("SetDefaultVersion", v),
                    )?;
                }
            }
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2(
                "DeleteLaunchTemplate",
                Params::new().set("LaunchTemplateId", id),
            ),
            &["InvalidLaunchTemplateId.NotFound"],
        )
        .map(|_| ())
    }

    fn token(&self, planned: &Obj) -> Option<String> {
        s(planned, "name").map(str::to_string)
    }

    fn find(&self, api: &Api, token: &str, _planned: &Obj) -> ProviderResult<Option<String>> {
        let t = api.maybe(
            api.ec2(
                "DescribeLaunchTemplates",
                Params::new().set("LaunchTemplateName.1", token),
            ),
            &["InvalidLaunchTemplateName.NotFoundException"],
        )?;
        match t {
            Some(t) => Ok(api::find_text(&parse(&t)?, "launchTemplateId")),
            None => Ok(None),
        }
    }
}

// ---- aws_autoscaling_group -------------------------------------------------------

struct AutoscalingGroup;

fn lt_spec_schema(id: &'static str, name: &'static str) -> Schema {
    Schema::new([
        (id, defaulted(Type::String)),
        (name, defaulted(Type::String)),
        ("version", optional(Type::String)),
    ])
}

fn asg_params(p: &Obj, name: &str) -> Params {
    let mut params = Params::new()
        .set("AutoScalingGroupName", name)
        .opt("MinSize", api::n(p, "min_size").map(|n| n.to_string()))
        .opt("MaxSize", api::n(p, "max_size").map(|n| n.to_string()))
        .opt(
            "DesiredCapacity",
            api::n(p, "desired_capacity").map(|n| n.to_string()),
        )
        .opt("PlacementGroup", s(p, "placement_group"))
        .opt("HealthCheckType", s(p, "health_check_type"))
        .opt(
            "HealthCheckGracePeriod",
            api::n(p, "health_check_grace_period").map(|n| n.to_string()),
        );
    let subnets = strings(p, "vpc_zone_identifier");
    if !subnets.is_empty() {
        params = params.set("VPCZoneIdentifier", subnets.join(","));
    }
    for (i, z) in strings(p, "availability_zones").iter().enumerate() {
        params = params.set(format!("AvailabilityZones.member.{}", i + 1), z.as_str());
    }
    if let Some(lt) = blocks(p, "launch_template").first() {
        params = params
            .opt("LaunchTemplate.LaunchTemplateId", s(lt, "id"))
            .opt(
                "LaunchTemplate.LaunchTemplateName",
                s(lt, "name").filter(|_| s(lt, "id").is_none()),
            )
            .opt("LaunchTemplate.Version", s(lt, "version"));
    }
    if let Some(mixed) = blocks(p, "mixed_instances_policy").first() {
        let pre = "MixedInstancesPolicy";
        if let Some(d) = blocks(mixed, "instances_distribution").first() {
            params = params
                .opt(
                    &format!("{pre}.InstancesDistribution.OnDemandBaseCapacity"),
                    api::n(d, "on_demand_base_capacity").map(|n| n.to_string()),
                )
                .opt(
                    &format!("{pre}.InstancesDistribution.OnDemandPercentageAboveBaseCapacity"),
                    api::n(d, "on_demand_percentage_above_base_capacity").map(|n| n.to_string()),
                )
                .opt(
                    &format!("{pre}.InstancesDistribution.SpotAllocationStrategy"),
                    s(d, "spot_allocation_strategy"),
                );
        }
        if let Some(lt) = blocks(mixed, "launch_template").first() {
            if let Some(spec) = blocks(lt, "launch_template_specification").first() {
                let sp = format!("{pre}.LaunchTemplate.LaunchTemplateSpecification");
                params = params
                    .opt(
                        &format!("{sp}.LaunchTemplateId"),
                        s(spec, "launch_template_id"),
                    )
                    .opt(
                        &format!("{sp}.LaunchTemplateName"),
                        s(spec, "launch_template_name")
                            .filter(|_| s(spec, "launch_template_id").is_none()),
                    )
                    .opt(&format!("{sp}.Version"), s(spec, "version"));
            }
            for (i, o) in blocks(lt, "override").iter().enumerate() {
                let op = format!("{pre}.LaunchTemplate.Overrides.member.{}", i + 1);
                params = params
                    .opt(&format!("{op}.InstanceType"), s(o, "instance_type"))
                    .opt(&format!("{op}.WeightedCapacity"), s(o, "weighted_capacity"));
            }
        }
    }
    params
}

fn asg_tag_params(name: &str, tags: &[&Obj], with_values: bool) -> Params {
    let mut p = Params::new();
    for (i, t) in tags.iter().enumerate() {
        let pre = format!("Tags.member.{}", i + 1);
        p = p
            .set(format!("{pre}.ResourceId"), name)
            .set(format!("{pre}.ResourceType"), "auto-scaling-group")
            .opt(&format!("{pre}.Key"), s(t, "key"));
        if with_values {
            p = p
                .set(format!("{pre}.Value"), s(t, "value").unwrap_or_default())
                .set(
                    format!("{pre}.PropagateAtLaunch"),
                    b(t, "propagate_at_launch").unwrap_or(false).to_string(),
                );
        }
    }
    p
}

impl Resource for AutoscalingGroup {
    fn type_name(&self) -> &'static str {
        "aws_autoscaling_group"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new([
            ("id", computed(Type::String)),
            ("name", defaulted(Type::String).force_new()),
            ("min_size", required(Type::Number)),
            ("max_size", required(Type::Number)),
            ("desired_capacity", defaulted(Type::Number)),
            ("vpc_zone_identifier", defaulted(string_set())),
            ("availability_zones", defaulted(string_set())),
            ("placement_group", optional(Type::String)),
            ("health_check_type", defaulted(Type::String)),
            ("health_check_grace_period", defaulted(Type::Number)),
            ("force_delete", optional(Type::Bool)),
            ("arn", computed(Type::String)),
        ]);
        block(
            &mut schema,
            "launch_template",
            Nesting::List,
            lt_spec_schema("id", "name"),
            Some(1),
        );
        let mut lt = Schema::default();
        block(
            &mut lt,
            "launch_template_specification",
            Nesting::List,
            lt_spec_schema("launch_template_id", "launch_template_name"),
            Some(1),
        );
        block(
            &mut lt,
            "override",
            Nesting::List,
            Schema::new([
                ("instance_type", optional(Type::String)),
                ("weighted_capacity", optional(Type::String)),
            ]),
            None,
        );
        let mut mixed = Schema::default();
        block(
            &mut mixed,
            "instances_distribution",
            Nesting::List,
            Schema::new([
                ("on_demand_base_capacity", defaulted(Type::Number)),
                (
                    "on_demand_percentage_above_base_capacity",
                    defaulted(Type::Number),
                ),
                ("spot_allocation_strategy", defaulted(Type::String)),
            ]),
            Some(1),
        );
        block(&mut mixed, "launch_template", Nesting::List, lt, Some(1));
        block(
            &mut schema,
            "mixed_instances_policy",
            Nesting::List,
            mixed,
            Some(1),
        );
        block(
            &mut schema,
            "tag",
            Nesting::Set,
            Schema::new([
                ("key", required(Type::String)),
                ("value", required(Type::String)),
                ("propagate_at_launch", required(Type::Bool)),
            ]),
            None,
        );
        schema
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"health_check_type": "EC2", "health_check_grace_period": 300})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = s(p, "name")
            .map(str::to_string)
            .unwrap_or_else(|| format!("terraform-{}", uuid::Uuid::new_v4().simple()));
        let mut params = asg_params(p, &name);
        for (i, t) in blocks(p, "tag").iter().enumerate() {
            let pre = format!("Tags.member.{}", i + 1);
            params = params
                .opt(&format!("{pre}.Key"), s(t, "key"))
                .set(format!("{pre}.Value"), s(t, "value").unwrap_or_default())
                .set(
                    format!("{pre}.PropagateAtLaunch"),
                    b(t, "propagate_at_launch").unwrap_or(false).to_string(),
                );
        }
        api.autoscaling("CreateAutoScalingGroup", params)?;
        Ok(name)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let t = api.autoscaling(
            "DescribeAutoScalingGroups",
            Params::new().set("AutoScalingGroupNames.member.1", id),
        )?;
        let doc = parse(&t)?;
        let Some(g) = xml::find(doc.root_element(), "AutoScalingGroups")
            .and_then(|l| xml::children(l, "member").next())
        else {
            return Ok(None);
        };
        if xml::child_text(g, "Status").as_deref() == Some("Delete in progress") {
            return Ok(None);
        }
        let num = |k: &str| xml::child_text(g, k).and_then(|v| v.parse::<i64>().ok());
        let members = |k: &str| -> Vec<String> {
            xml::child(g, k)
                .map(|l| {
                    xml::children(l, "member")
                        .filter_map(|m| m.text().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert(
            "arn".into(),
            json!(xml::child_text(g, "AutoScalingGroupARN")),
        );
        o.insert("min_size".into(), json!(num("MinSize")));
        o.insert("max_size".into(), json!(num("MaxSize")));
        o.insert("desired_capacity".into(), json!(num("DesiredCapacity")));
        o.insert(
            "health_check_type".into(),
            json!(xml::child_text(g, "HealthCheckType")),
        );
        o.insert(
            "health_check_grace_period".into(),
            json!(num("HealthCheckGracePeriod").unwrap_or(300)),
        );
        o.insert(
            "placement_group".into(),
            json!(xml::child_text(g, "PlacementGroup")),
        );
        let mut subnets: Vec<String> = xml::child_text(g, "VPCZoneIdentifier")
            .map(|v| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        subnets.sort();
        o.insert("vpc_zone_identifier".into(), json!(subnets));
        o.insert(
            "availability_zones".into(),
            json!(members("AvailabilityZones")),
        );
        o.insert(
            "force_delete".into(),
            prior.get("force_delete").cloned().unwrap_or(J::Null),
        );
        // A mixed instances policy carries the template; a top-level one
        // reported beside it is left over from before the switch.
        let mixed_present = xml::child(g, "MixedInstancesPolicy").is_some();
        let lt = xml::child(g, "LaunchTemplate")
            .filter(|_| !mixed_present)
            .map(|l| {
                json!([{
                    "id": xml::child_text(l, "LaunchTemplateId"),
                    "name": xml::child_text(l, "LaunchTemplateName"),
                    "version": xml::child_text(l, "Version"),
                }])
            })
            .unwrap_or(json!([]));
        o.insert(
            "launch_template".into(),
            prefer_prior(prior.get("launch_template"), lt),
        );
        let mixed = xml::child(g, "MixedInstancesPolicy")
            .map(|m| {
                let dist = xml::child(m, "InstancesDistribution")
                    .map(|d| {
                        let n = |k: &str| xml::child_text(d, k).and_then(|v| v.parse::<i64>().ok());
                        json!([{
                            "on_demand_base_capacity": n("OnDemandBaseCapacity").unwrap_or(0),
                            "on_demand_percentage_above_base_capacity": n("OnDemandPercentageAboveBaseCapacity").unwrap_or(100),
                            "spot_allocation_strategy": xml::child_text(d, "SpotAllocationStrategy").unwrap_or_else(|| "lowest-price".into()),
                        }])
                    })
                    .unwrap_or(json!([]));
                let lt = xml::child(m, "LaunchTemplate")
                    .map(|l| {
                        let spec = xml::child(l, "LaunchTemplateSpecification")
                            .map(|s| {
                                json!([{
                                    "launch_template_id": xml::child_text(s, "LaunchTemplateId"),
                                    "launch_template_name": xml::child_text(s, "LaunchTemplateName"),
                                    "version": xml::child_text(s, "Version"),
                                }])
                            })
                            .unwrap_or(json!([]));
                        let overrides: Vec<J> = xml::child(l, "Overrides")
                            .map(|o| {
                                xml::children(o, "member")
                                    .map(|m| {
                                        json!({
                                            "instance_type": xml::child_text(m, "InstanceType"),
                                            "weighted_capacity": xml::child_text(m, "WeightedCapacity"),
                                        })
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        json!([{"launch_template_specification": spec, "override": overrides}])
                    })
                    .unwrap_or(json!([]));
                json!([{"instances_distribution": dist, "launch_template": lt}])
            })
            .unwrap_or(json!([]));
        o.insert(
            "mixed_instances_policy".into(),
            prefer_prior(prior.get("mixed_instances_policy"), mixed),
        );
        let found_tags: Vec<J> = xml::child(g, "Tags")
            .map(|t| {
                xml::children(t, "member")
                    .map(|m| {
                        json!({
                            "key": xml::child_text(m, "Key"),
                            "value": xml::child_text(m, "Value").unwrap_or_default(),
                            "propagate_at_launch": xml::child_text(m, "PropagateAtLaunch").as_deref() == Some("true"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        o.insert("tag".into(), J::Array(found_tags));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        api.autoscaling("UpdateAutoScalingGroup", asg_params(p, id))?;
        let old = blocks(prior, "tag");
        let new = blocks(p, "tag");
        let gone: Vec<&Obj> = old
            .iter()
            .filter(|o| !new.iter().any(|n| s(n, "key") == s(o, "key")))
            .copied()
            .collect();
        if !gone.is_empty() {
            api.autoscaling("DeleteTags", asg_tag_params(id, &gone, false))?;
        }
        let changed: Vec<&Obj> = new.iter().filter(|n| !old.contains(n)).copied().collect();
        if !changed.is_empty() {
            api.autoscaling("CreateOrUpdateTags", asg_tag_params(id, &changed, true))?;
        }
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.autoscaling(
            "DeleteAutoScalingGroup",
            Params::new()
                .set("AutoScalingGroupName", id)
                .set("ForceDelete", "true"),
        )?;
        wait_for(api, &format!("auto scaling group {id} deleted"), || {
            Ok(self.read(api, id, &Obj::new())?.is_none())
        })
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}
