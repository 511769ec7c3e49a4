//! The AWS calls a fleet makes: where a type is offered, what it is,
//! launching a gang, finding and terminating its nodes, spot prices,
//! quotas, GPU utilization and done markers. Every call is blocking (the
//! provider runs them off the async runtime); AWS errors keep their code,
//! which is what failover decides on.

use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use strata_aws_client::{xml, Client, Request};
use strata_provider::{ProviderError, ProviderResult};

const EC2_VERSION: &str = "2016-11-15";
const CLOUDWATCH_VERSION: &str = "2010-08-01";

/// The tag every node of a fleet carries from its launch on: the fleet's
/// id. An interrupted acquisition's nodes are found by it.
pub(crate) const FLEET_TAG: &str = "strata:fleet";

use strata_provider_aws::aws_failure as failure;

fn ec2(c: &Client, action: &str, params: &[(String, String)]) -> ProviderResult<String> {
    c.send(&Request::query_action("ec2", action, EC2_VERSION, params))
        .map(|r| r.text())
        .map_err(|e| failure(&format!("EC2 {action} in {}", c.config().region), e))
}

fn parse(text: &str) -> ProviderResult<xml::Document<'_>> {
    xml::parse(text).map_err(|e| ProviderError::failed("Unexpected AWS answer", e))
}

fn p(k: impl Into<String>, v: impl Into<String>) -> (String, String) {
    (k.into(), v.into())
}

/// The zones of the client's region that offer `instance_type`, sorted.
pub(crate) fn offered_zones(c: &Client, instance_type: &str) -> ProviderResult<Vec<String>> {
    let t = ec2(
        c,
        "DescribeInstanceTypeOfferings",
        &[
            p("LocationType", "availability-zone"),
            p("Filter.1.Name", "instance-type"),
            p("Filter.1.Value.1", instance_type),
        ],
    )?;
    let doc = parse(&t)?;
    let mut zones: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("location"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    zones.sort();
    zones.dedup();
    Ok(zones)
}

/// What an instance type is.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TypeInfo {
    pub(crate) vcpus: u64,
    pub(crate) gpus: u64,
    pub(crate) gpu_model: Option<String>,
    pub(crate) gpu_memory_mib: u64,
    pub(crate) architectures: Vec<String>,
}

/// The types EC2 knows of `types` (unknown ones are left out).
pub(crate) fn instance_types(
    c: &Client,
    types: &[String],
) -> ProviderResult<BTreeMap<String, TypeInfo>> {
    let mut out = BTreeMap::new();
    for ty in types {
        let t = match ec2(c, "DescribeInstanceTypes", &[p("InstanceType.1", ty)]) {
            Ok(t) => t,
            Err(e) if e.has_code(&["InvalidInstanceType"]) => continue,
            Err(e) => return Err(e),
        };
        let doc = parse(&t)?;
        for item in doc
            .descendants()
            .filter(|n| n.has_tag_name("item") && xml::child(*n, "instanceType").is_some())
        {
            let Some(name) = xml::child_text(item, "instanceType") else {
                continue;
            };
            let num = |node: Option<xml::Node>, tag: &str| {
                node.and_then(|n| xml::find(n, tag))
                    .and_then(|n| n.text())
                    .and_then(|t| t.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let gpu = xml::child(item, "gpuInfo");
            let gpus = gpu
                .and_then(|g| xml::child(g, "gpus"))
                .map(|g| {
                    xml::children(g, "item")
                        .map(|i| num(Some(i), "count"))
                        .sum::<u64>()
                })
                .unwrap_or(0);
            let gpu_model = gpu
                .and_then(|g| xml::find(g, "name"))
                .and_then(|n| n.text())
                .map(str::to_string);
            let architectures = xml::child(item, "processorInfo")
                .and_then(|pi| xml::child(pi, "supportedArchitectures"))
                .map(|a| {
                    xml::children(a, "item")
                        .filter_map(|i| i.text().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            out.insert(
                name,
                TypeInfo {
                    vcpus: num(xml::child(item, "vCpuInfo"), "defaultVCpus"),
                    gpus,
                    gpu_model,
                    gpu_memory_mib: num(gpu, "totalGpuMemoryInMiB"),
                    architectures,
                },
            );
        }
    }
    Ok(out)
}

/// The architecture of an image, `None` when the region has no such image.
pub(crate) fn image_architecture(c: &Client, image_id: &str) -> ProviderResult<Option<String>> {
    let t = match ec2(c, "DescribeImages", &[p("ImageId.1", image_id)]) {
        Ok(t) => t,
        Err(e) if e.has_code(&["InvalidAMIID.NotFound", "InvalidAMIID.Malformed"]) => {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    let doc = parse(&t)?;
    Ok(xml::find(doc.root(), "architecture")
        .and_then(|n| n.text())
        .map(str::to_string))
}

/// One launch of a whole gang in one zone.
pub(crate) struct Launch<'a> {
    pub(crate) instance_type: &'a str,
    pub(crate) zone: &'a str,
    pub(crate) subnet: Option<&'a str>,
    /// Only with a subnet: groups belong to its VPC.
    pub(crate) security_groups: &'a [String],
    pub(crate) instance_profile: Option<&'a str>,
    pub(crate) user_data: Option<&'a str>,
    pub(crate) image: &'a str,
    pub(crate) count: u64,
    /// Spot, with a maximum price per node-hour when one is set.
    pub(crate) spot: Option<Option<f64>>,
    pub(crate) placement_group: Option<&'a str>,
    pub(crate) tags: &'a BTreeMap<String, String>,
    /// Makes a retried call idempotent: EC2 launches once per token.
    pub(crate) client_token: &'a str,
}

/// Launches `count` nodes or none (MinCount = MaxCount): EC2 answers a
/// gang it cannot place whole with a capacity error and launches nothing.
/// Returns the ids it launched, which a caller must check are all.
pub(crate) fn run_instances(c: &Client, l: &Launch<'_>) -> ProviderResult<Vec<String>> {
    let mut params = vec![
        p("ImageId", l.image),
        p("InstanceType", l.instance_type),
        p("MinCount", l.count.to_string()),
        p("MaxCount", l.count.to_string()),
        p("ClientToken", l.client_token),
    ];
    match l.subnet {
        Some(subnet) => {
            params.push(p("SubnetId", subnet));
            for (i, g) in l.security_groups.iter().enumerate() {
                params.push(p(format!("SecurityGroupId.{}", i + 1), g));
            }
        }
        None => params.push(p("Placement.AvailabilityZone", l.zone)),
    }
    if let Some(profile) = l.instance_profile {
        params.push(p("IamInstanceProfile.Name", profile));
    }
    if let Some(data) = l.user_data {
        use base64::Engine;
        params.push(p(
            "UserData",
            base64::engine::general_purpose::STANDARD.encode(data),
        ));
    }
    if let Some(group) = l.placement_group {
        params.push(p("Placement.GroupName", group));
    }
    if let Some(max_price) = l.spot {
        params.push(p("InstanceMarketOptions.MarketType", "spot"));
        params.push(p(
            "InstanceMarketOptions.SpotOptions.SpotInstanceType",
            "one-time",
        ));
        if let Some(price) = max_price {
            params.push(p(
                "InstanceMarketOptions.SpotOptions.MaxPrice",
                format!("{price}"),
            ));
        }
    }
    params.push(p("TagSpecification.1.ResourceType", "instance"));
    for (i, (k, v)) in l.tags.iter().enumerate() {
        params.push(p(format!("TagSpecification.1.Tag.{}.Key", i + 1), k));
        params.push(p(format!("TagSpecification.1.Tag.{}.Value", i + 1), v));
    }
    let t = ec2(c, "RunInstances", &params)?;
    let doc = parse(&t)?;
    Ok(xml::find(doc.root(), "instancesSet")
        .map(|set| {
            xml::children(set, "item")
                .filter_map(|i| xml::child_text(i, "instanceId"))
                .collect()
        })
        .unwrap_or_default())
}

/// A node as EC2 describes it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) id: String,
    pub(crate) state: String,
    pub(crate) zone: String,
    pub(crate) instance_type: String,
    pub(crate) spot: bool,
    pub(crate) tags: BTreeMap<String, String>,
}

impl Node {
    /// Running or on its way there (not stopping, stopped or gone).
    pub(crate) fn is_live(&self) -> bool {
        matches!(self.state.as_str(), "pending" | "running")
    }
}

fn describe(c: &Client, filters: &[(&str, Vec<String>)]) -> ProviderResult<Vec<Node>> {
    let mut params = Vec::new();
    for (i, (name, values)) in filters.iter().enumerate() {
        params.push(p(format!("Filter.{}.Name", i + 1), *name));
        for (j, v) in values.iter().enumerate() {
            params.push(p(format!("Filter.{}.Value.{}", i + 1, j + 1), v));
        }
    }
    let mut nodes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut call = params.clone();
        if let Some(t) = &token {
            call.push(p("NextToken", t));
        }
        let t = ec2(c, "DescribeInstances", &call)?;
        let doc = parse(&t)?;
        for item in doc.descendants().filter(|n| {
            n.has_tag_name("item")
                && xml::child(*n, "instanceId").is_some()
                && xml::child(*n, "instanceState").is_some()
        }) {
            let tags = xml::child(item, "tagSet")
                .map(|set| {
                    xml::children(set, "item")
                        .filter_map(|i| {
                            Some((
                                xml::child_text(i, "key")?,
                                xml::child_text(i, "value").unwrap_or_default(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            nodes.push(Node {
                id: xml::child_text(item, "instanceId").unwrap_or_default(),
                state: xml::child(item, "instanceState")
                    .and_then(|s| xml::child_text(s, "name"))
                    .unwrap_or_default(),
                zone: xml::child(item, "placement")
                    .and_then(|s| xml::child_text(s, "availabilityZone"))
                    .unwrap_or_default(),
                instance_type: xml::child_text(item, "instanceType").unwrap_or_default(),
                spot: xml::child_text(item, "instanceLifecycle").as_deref() == Some("spot"),
                tags,
            });
        }
        token = xml::find(doc.root(), "nextToken")
            .and_then(|n| n.text())
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return Ok(nodes);
        }
    }
}

/// The nodes of a fleet that are not terminated, found by its tag.
pub(crate) fn fleet_nodes(c: &Client, fleet_id: &str) -> ProviderResult<Vec<Node>> {
    let tag = format!("tag:{FLEET_TAG}");
    let states = ["pending", "running", "stopping", "stopped"].map(String::from);
    describe(
        c,
        &[
            (tag.as_str(), vec![fleet_id.to_string()]),
            ("instance-state-name", states.to_vec()),
        ],
    )
}

/// The nodes with these ids that EC2 still describes.
pub(crate) fn nodes_by_id(c: &Client, ids: &[String]) -> ProviderResult<Vec<Node>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    describe(c, &[("instance-id", ids.to_vec())])
}

pub(crate) fn terminate(c: &Client, ids: &[String]) -> ProviderResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let params: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| p(format!("InstanceId.{}", i + 1), id))
        .collect();
    match ec2(c, "TerminateInstances", &params) {
        Ok(_) => Ok(()),
        Err(e) if e.has_code(&["InvalidInstanceID.NotFound"]) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates a cluster placement group; one that exists is fine.
pub(crate) fn create_placement_group(c: &Client, name: &str) -> ProviderResult<()> {
    match ec2(
        c,
        "CreatePlacementGroup",
        &[p("GroupName", name), p("Strategy", "cluster")],
    ) {
        Ok(_) => Ok(()),
        Err(e) if e.has_code(&["InvalidPlacementGroup.Duplicate"]) => Ok(()),
        Err(e) => Err(e),
    }
}

pub(crate) fn delete_placement_group(c: &Client, name: &str) -> ProviderResult<()> {
    match ec2(c, "DeletePlacementGroup", &[p("GroupName", name)]) {
        Ok(_) => Ok(()),
        Err(e) if e.has_code(&["InvalidPlacementGroup.Unknown"]) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The latest Linux spot price of `instance_type` per zone of the region.
pub(crate) fn spot_prices(
    c: &Client,
    instance_type: &str,
) -> ProviderResult<BTreeMap<String, f64>> {
    let t = ec2(
        c,
        "DescribeSpotPriceHistory",
        &[
            p("InstanceType.1", instance_type),
            p("ProductDescription.1", "Linux/UNIX"),
            p("ProductDescription.2", "Linux/UNIX (Amazon VPC)"),
            p("StartTime", chrono::Utc::now().to_rfc3339()),
        ],
    )?;
    let doc = parse(&t)?;
    let mut latest: BTreeMap<String, (String, f64)> = BTreeMap::new();
    for item in doc
        .descendants()
        .filter(|n| n.has_tag_name("item") && xml::child(*n, "spotPrice").is_some())
    {
        let (Some(zone), Some(price)) = (
            xml::child_text(item, "availabilityZone"),
            xml::child_text(item, "spotPrice").and_then(|s| s.parse::<f64>().ok()),
        ) else {
            continue;
        };
        let at = xml::child_text(item, "timestamp").unwrap_or_default();
        match latest.get(&zone) {
            Some((seen, _)) if *seen >= at => {}
            _ => {
                latest.insert(zone, (at, price));
            }
        }
    }
    Ok(latest.into_iter().map(|(z, (_, p))| (z, p)).collect())
}

/// A Service Quotas value (vCPUs for the EC2 instance quotas); `None`
/// when the service does not answer for this region.
pub(crate) fn quota(c: &Client, quota_code: &str) -> ProviderResult<Option<f64>> {
    let body = json!({"ServiceCode": "ec2", "QuotaCode": quota_code});
    let request = Request::json_target_version(
        "servicequotas",
        "ServiceQuotasV20190624.GetServiceQuota",
        "1.1",
        &body,
    );
    match c.send(&request) {
        Ok(r) => Ok(r
            .json()
            .ok()
            .and_then(|j| j.pointer("/Quota/Value").and_then(J::as_f64))),
        Err(e) if e.code().is_some() => Ok(None),
        Err(e) if e.is_unreachable() => Ok(None),
        Err(e) => Err(failure("Service Quotas GetServiceQuota", e)),
    }
}

/// For each node, the average of the CloudWatch agent's GPU utilization
/// over `[start, end)` and the time of its first data point; nodes with
/// no data points are left out.
pub(crate) fn gpu_utilization(
    c: &Client,
    ids: &[String],
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> ProviderResult<BTreeMap<String, (f64, chrono::DateTime<chrono::Utc>)>> {
    let mut out = BTreeMap::new();
    for id in ids {
        let params = [
            p("Namespace", "CWAgent"),
            p("MetricName", "nvidia_smi_utilization_gpu"),
            p("Dimensions.member.1.Name", "InstanceId"),
            p("Dimensions.member.1.Value", id),
            p("StartTime", start.to_rfc3339()),
            p("EndTime", end.to_rfc3339()),
            p("Period", "60"),
            p("Statistics.member.1", "Average"),
        ];
        let t = c
            .send(&Request::query_action(
                "cloudwatch",
                "GetMetricStatistics",
                CLOUDWATCH_VERSION,
                &params,
            ))
            .map(|r| r.text())
            .map_err(|e| failure("CloudWatch GetMetricStatistics", e))?;
        let doc = parse(&t)?;
        let mut points = Vec::new();
        for member in doc
            .descendants()
            .filter(|n| n.has_tag_name("member") && xml::child(*n, "Average").is_some())
        {
            let average = xml::child_text(member, "Average").and_then(|t| t.parse::<f64>().ok());
            let at = xml::child_text(member, "Timestamp")
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&chrono::Utc));
            if let (Some(average), Some(at)) = (average, at) {
                points.push((average, at));
            }
        }
        if let Some(first) = points.iter().map(|p| p.1).min() {
            let mean = points.iter().map(|p| p.0).sum::<f64>() / points.len() as f64;
            out.insert(id.clone(), (mean, first));
        }
    }
    Ok(out)
}

/// The bucket and key of `s3://BUCKET/KEY`.
pub(crate) fn split_s3_url(url: &str) -> ProviderResult<(&str, &str)> {
    url.strip_prefix("s3://")
        .and_then(|r| r.split_once('/'))
        .ok_or_else(|| {
            ProviderError::at(
                "Invalid done_when_object",
                format!("{url:?} is not an s3://BUCKET/KEY address"),
                "done_when_object",
            )
        })
}

/// The region a bucket lives in (GetBucketLocation answers in any region;
/// an empty constraint is us-east-1).
pub(crate) fn bucket_region(c: &Client, bucket: &str) -> ProviderResult<String> {
    let t = c
        .send(&Request::new("s3", "GET", format!("/{bucket}")).query("location", ""))
        .map(|r| r.text())
        .map_err(|e| failure(&format!("S3 GetBucketLocation of {bucket}"), e))?;
    let doc = parse(&t)?;
    Ok(xml::find(doc.root(), "LocationConstraint")
        .and_then(|n| n.text())
        .filter(|r| !r.is_empty())
        .map(|r| if r == "EU" { "eu-west-1" } else { r })
        .unwrap_or("us-east-1")
        .to_string())
}

/// Whether the object at `s3://bucket/key` exists; `c` is a client in the
/// bucket's region.
pub(crate) fn object_exists(c: &Client, url: &str) -> ProviderResult<bool> {
    let (bucket, key) = split_s3_url(url)?;
    match c.send(&Request::new("s3", "HEAD", format!("/{bucket}/{key}"))) {
        Ok(_) => Ok(true),
        Err(e) if e.status() == Some(404) => Ok(false),
        Err(e) => Err(failure("S3 HeadObject", e)),
    }
}

/// Sets `tags` on the nodes and removes the keys in `gone`.
pub(crate) fn set_tags(
    c: &Client,
    ids: &[String],
    tags: &BTreeMap<String, String>,
    gone: &[String],
) -> ProviderResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let resources: Vec<(String, String)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| p(format!("ResourceId.{}", i + 1), id))
        .collect();
    if !tags.is_empty() {
        let mut params = resources.clone();
        for (i, (k, v)) in tags.iter().enumerate() {
            params.push(p(format!("Tag.{}.Key", i + 1), k));
            params.push(p(format!("Tag.{}.Value", i + 1), v));
        }
        ec2(c, "CreateTags", &params)?;
    }
    if !gone.is_empty() {
        let mut params = resources;
        for (i, k) in gone.iter().enumerate() {
            params.push(p(format!("Tag.{}.Key", i + 1), k));
        }
        ec2(c, "DeleteTags", &params)?;
    }
    Ok(())
}
