//! What planned AWS objects run, for the engine's cost estimate: EC2
//! instances, auto scaling groups (a launch template's type, mixed
//! on-demand/spot distributions), EKS node groups by desired size, EMR
//! instance groups, SageMaker endpoint variants, and EBS volumes.

use serde_json::Value as J;
use strata_provider::{Machines, PlannedObject, Usage};
use strata_types::json::value_to_json;

/// The types that cost money to run, and launch templates, which auto
/// scaling groups name.
pub(crate) const USAGE_TYPES: &[&str] = &[
    "aws_instance",
    "aws_autoscaling_group",
    "aws_eks_node_group",
    "aws_emr_cluster",
    "aws_sagemaker_endpoint_configuration",
    "aws_ebs_volume",
    "aws_launch_template",
];

fn s<'a>(j: &'a J, k: &str) -> Option<&'a str> {
    j.get(k).and_then(J::as_str)
}

fn num(j: &J, k: &str) -> Option<f64> {
    j.get(k).and_then(J::as_f64)
}

fn first<'a>(j: &'a J, k: &str) -> Option<&'a J> {
    j.get(k).and_then(J::as_array).and_then(|a| a.first())
}

fn need(v: Option<&str>, what: &str) -> Result<String, String> {
    v.map(str::to_string)
        .ok_or_else(|| format!("{what} is known only after apply"))
}

fn machines(instance_type: String, count: f64, spot: bool) -> Machines {
    Machines {
        instance_type,
        count,
        spot,
    }
}

pub(crate) fn usage(
    object: &PlannedObject<'_>,
    others: &[PlannedObject<'_>],
) -> Result<Option<Usage>, String> {
    let o = value_to_json(object.value);
    // A launch template in the plan, by id or by the dependency.
    let launch_type = |spec: &J| -> Option<String> {
        let id = s(spec, "id").or_else(|| s(spec, "launch_template_id"));
        others
            .iter()
            .filter(|t| t.type_name == "aws_launch_template")
            .map(|t| (t, value_to_json(t.value)))
            .find(|(t, a)| {
                (id.is_some() && s(a, "id") == id)
                    || (id.is_none() && object.dependencies.iter().any(|d| d == t.address))
            })
            .and_then(|(_, a)| s(&a, "instance_type").map(str::to_string))
    };
    Ok(Some(Usage::Machines(match object.type_name {
        "aws_ebs_volume" => {
            return Ok(Some(Usage::Storage {
                kind: need(s(&o, "type"), "type")?,
                gb: num(&o, "size").ok_or("size is known only after apply")?,
            }))
        }
        "aws_instance" => vec![machines(
            need(s(&o, "instance_type"), "instance_type")?,
            1.0,
            false,
        )],
        "aws_autoscaling_group" => auto_scaling_group(&o, &launch_type)?,
        "aws_eks_node_group" => {
            let scaling = first(&o, "scaling_config").ok_or("scaling_config is missing")?;
            let n = num(scaling, "desired_size").ok_or("desired_size is known only after apply")?;
            let ty = first(&o, "instance_types")
                .and_then(J::as_str)
                .unwrap_or("t3.medium")
                .to_string();
            vec![machines(ty, n, s(&o, "capacity_type") == Some("SPOT"))]
        }
        "aws_emr_cluster" => {
            let mut out = Vec::new();
            for block in ["master_instance_group", "core_instance_group"] {
                if let Some(g) = first(&o, block) {
                    out.push(machines(
                        need(s(g, "instance_type"), "instance_type")?,
                        num(g, "instance_count").unwrap_or(1.0),
                        s(g, "bid_price").is_some(),
                    ));
                }
            }
            out
        }
        "aws_sagemaker_endpoint_configuration" => o
            .get("production_variants")
            .and_then(J::as_array)
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        Ok(machines(
                            need(s(v, "instance_type"), "instance_type")?,
                            num(v, "initial_instance_count").unwrap_or(1.0),
                            false,
                        ))
                    })
                    .collect::<Result<Vec<_>, String>>()
            })
            .transpose()?
            .unwrap_or_default(),
        _ => return Ok(None),
    })))
}

/// An auto scaling group's desired capacity, split into on-demand and
/// spot by its mixed instances policy.
fn auto_scaling_group(
    o: &J,
    launch_type: &dyn Fn(&J) -> Option<String>,
) -> Result<Vec<Machines>, String> {
    let n = num(o, "desired_capacity")
        .or_else(|| num(o, "min_size"))
        .ok_or("desired_capacity is known only after apply")?;
    let Some(mixed) = first(o, "mixed_instances_policy") else {
        let ty = first(o, "launch_template").and_then(launch_type);
        return Ok(vec![machines(
            need(ty.as_deref(), "the launch template's instance type")?,
            n,
            false,
        )]);
    };
    let lt = first(mixed, "launch_template");
    let ty = lt
        .and_then(|l| first(l, "override"))
        .and_then(|o| s(o, "instance_type").map(str::to_string))
        .or_else(|| {
            lt.and_then(|l| first(l, "launch_template_specification"))
                .and_then(launch_type)
        });
    let ty = need(ty.as_deref(), "the instance type")?;
    let d = first(mixed, "instances_distribution");
    let base = d
        .and_then(|d| num(d, "on_demand_base_capacity"))
        .unwrap_or(0.0)
        .min(n);
    let pct = d
        .and_then(|d| num(d, "on_demand_percentage_above_base_capacity"))
        .unwrap_or(100.0);
    let on_demand = base + (n - base) * pct / 100.0;
    Ok(vec![
        machines(ty.clone(), on_demand, false),
        machines(ty, n - on_demand, true),
    ])
}
