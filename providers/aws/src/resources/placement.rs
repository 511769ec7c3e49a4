//! EC2 objects that place and equip instances: placement groups
//! (`aws_placement_group`), key pairs (`aws_key_pair`) and EBS volumes
//! (`aws_ebs_volume`).

use super::ec2::describe;
use super::{computed, defaulted, required, tagged};
use crate::api::{self, b, ec2_tags, items, parse, s, tags, text, Api, Obj, Params};
use crate::Resource;
use serde_json::{json, Value as J};
use std::sync::Arc;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(PlacementGroup),
        Arc::new(KeyPair),
        Arc::new(EbsVolume),
    ]
}

// ---- aws_placement_group ---------------------------------------------------------

struct PlacementGroup;

impl Resource for PlacementGroup {
    fn type_name(&self) -> &'static str {
        "aws_placement_group"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", required(Type::String).force_new()),
            ("strategy", required(Type::String).force_new()),
            ("partition_count", defaulted(Type::Number).force_new()),
            ("spread_level", defaulted(Type::String).force_new()),
            ("arn", computed(Type::String)),
            ("placement_group_id", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = api::req(p, "name")?;
        api.ec2(
            "CreatePlacementGroup",
            Params::new()
                .set("GroupName", name)
                .set("Strategy", api::req(p, "strategy")?)
                .opt(
                    "PartitionCount",
                    api::n(p, "partition_count").map(|n| n.to_string()),
                )
                .opt("SpreadLevel", s(p, "spread_level"))
                .tag_spec("placement-group", &api.tags_all(&tags(p, "tags"))),
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribePlacementGroups",
            "GroupName.1",
            id,
            &["InvalidPlacementGroup.Unknown"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(g) = items(&doc, "placementGroupSet").into_iter().next() else {
            return Ok(None);
        };
        let gid = text(g, "groupId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(text(g, "groupName")));
        o.insert("strategy".into(), json!(text(g, "strategy")));
        o.insert(
            "partition_count".into(),
            json!(text(g, "partitionCount")
                .and_then(|c| c.parse::<i64>().ok())
                .unwrap_or(0)),
        );
        o.insert(
            "spread_level".into(),
            json!(text(g, "spreadLevel").unwrap_or_default()),
        );
        o.insert("placement_group_id".into(), json!(gid));
        o.insert(
            "arn".into(),
            json!(text(g, "groupArn")
                .unwrap_or_else(|| format!("arn:aws:ec2:{}::placement-group/{id}", api.region))),
        );
        api.read_tags(&mut o, ec2_tags(g), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let gid = api::req(prior, "placement_group_id")?;
        api.retag_ec2(gid, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("DeletePlacementGroup", Params::new().set("GroupName", id)),
            &["InvalidPlacementGroup.Unknown"],
        )
        .map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

// ---- aws_key_pair ----------------------------------------------------------------

struct KeyPair;

impl Resource for KeyPair {
    fn type_name(&self) -> &'static str {
        "aws_key_pair"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("key_name", required(Type::String).force_new()),
            ("public_key", required(Type::String).force_new()),
            ("fingerprint", computed(Type::String)),
            ("key_pair_id", computed(Type::String)),
            ("key_type", computed(Type::String)),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        use base64::Engine;
        let name = api::req(p, "key_name")?;
        api.ec2(
            "ImportKeyPair",
            Params::new()
                .set("KeyName", name)
                .set(
                    "PublicKeyMaterial",
                    base64::engine::general_purpose::STANDARD.encode(api::req(p, "public_key")?),
                )
                .tag_spec("key-pair", &api.tags_all(&tags(p, "tags"))),
        )?;
        Ok(name.to_string())
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeKeyPairs",
            "KeyName.1",
            id,
            &["InvalidKeyPair.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(k) = items(&doc, "keySet").into_iter().next() else {
            return Ok(None);
        };
        let kid = text(k, "keyPairId").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("key_name".into(), json!(text(k, "keyName")));
        o.insert("fingerprint".into(), json!(text(k, "keyFingerprint")));
        o.insert("key_pair_id".into(), json!(kid));
        o.insert(
            "key_type".into(),
            json!(text(k, "keyType").unwrap_or_else(|| "rsa".into())),
        );
        o.insert(
            "arn".into(),
            json!(format!("arn:aws:ec2:{}::key-pair/{kid}", api.region)),
        );
        // AWS does not return the public key: keep what was given.
        o.insert(
            "public_key".into(),
            prior.get("public_key").cloned().unwrap_or(J::Null),
        );
        api.read_tags(&mut o, ec2_tags(k), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let kid = api::req(prior, "key_pair_id")?;
        api.retag_ec2(kid, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.ec2("DeleteKeyPair", Params::new().set("KeyName", id))
            .map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("key_name")
    }
}

// ---- aws_ebs_volume ----------------------------------------------------------------

struct EbsVolume;

fn volume_params(p: &Obj) -> Params {
    Params::new()
        .opt("Size", api::n(p, "size").map(|n| n.to_string()))
        .opt("VolumeType", s(p, "type"))
        .opt("Iops", api::n(p, "iops").map(|n| n.to_string()))
        .opt("Throughput", api::n(p, "throughput").map(|n| n.to_string()))
}

impl Resource for EbsVolume {
    fn type_name(&self) -> &'static str {
        "aws_ebs_volume"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("availability_zone", required(Type::String).force_new()),
            ("size", defaulted(Type::Number)),
            ("type", defaulted(Type::String)),
            ("iops", defaulted(Type::Number)),
            ("throughput", defaulted(Type::Number)),
            ("encrypted", defaulted(Type::Bool).force_new()),
            ("snapshot_id", defaulted(Type::String).force_new()),
            ("arn", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"type": "gp2", "encrypted": false})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let params = volume_params(p)
            .set("AvailabilityZone", api::req(p, "availability_zone")?)
            .opt("Encrypted", b(p, "encrypted").map(|x| x.to_string()))
            .opt("SnapshotId", s(p, "snapshot_id"))
            .tag_spec("volume", &api.tags_all(&tags(p, "tags")));
        if api::n(p, "size").is_none() && s(p, "snapshot_id").is_none() {
            return Err(ProviderError::at(
                "Missing size",
                "an EBS volume needs size or snapshot_id",
                "size",
            ));
        }
        let t = api.ec2("CreateVolume", params)?;
        api::find_text(&parse(&t)?, "volumeId")
            .ok_or_else(|| ProviderError::failed("CreateVolume", "no volumeId in the answer"))
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = describe(
            api,
            "DescribeVolumes",
            "VolumeId.1",
            id,
            &["InvalidVolume.NotFound"],
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let Some(v) = items(&doc, "volumeSet").into_iter().next() else {
            return Ok(None);
        };
        if text(v, "status").as_deref() == Some("deleted") {
            return Ok(None);
        }
        let number = |k: &str| text(v, k).and_then(|x| x.parse::<i64>().ok());
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert(
            "availability_zone".into(),
            json!(text(v, "availabilityZone")),
        );
        o.insert("size".into(), json!(number("size")));
        o.insert("type".into(), json!(text(v, "volumeType")));
        o.insert("iops".into(), json!(number("iops").unwrap_or(0)));
        o.insert(
            "throughput".into(),
            json!(number("throughput").unwrap_or(0)),
        );
        o.insert(
            "encrypted".into(),
            json!(text(v, "encrypted").as_deref() == Some("true")),
        );
        o.insert(
            "snapshot_id".into(),
            json!(text(v, "snapshotId").unwrap_or_default()),
        );
        o.insert(
            "arn".into(),
            json!(format!("arn:aws:ec2:{}::volume/{id}", api.region)),
        );
        api.read_tags(&mut o, ec2_tags(v), prior);
        Ok(Some(o))
    }

    /// Size, type, IOPS and throughput change on a live volume.
    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let changed = ["size", "type", "iops", "throughput"]
            .iter()
            .any(|k| p.get(*k).is_some_and(|v| !v.is_null()) && prior.get(*k) != p.get(*k));
        if changed {
            api.ec2("ModifyVolume", volume_params(p).set("VolumeId", id))?;
        }
        api.retag_ec2(id, prior, p)?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.ec2("DeleteVolume", Params::new().set("VolumeId", id)),
            &["InvalidVolume.NotFound"],
        )
        .map(|_| ())
    }
}
