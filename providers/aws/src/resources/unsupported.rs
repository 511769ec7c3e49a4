//! Types whose schemas are known but whose objects this provider does not
//! make, because the server its tests run against (moto 5.2, the newest)
//! has no API for them, so nothing could show the calls right: EKS
//! add-ons, access entries and Pod Identity among them. Published modules declare
//! them behind `count` or `for_each` that is usually empty: with their
//! schemas such modules validate and plan. An object of one is refused
//! when it would be made, naming the way out (the hashicorp/aws plugin).

use super::{block, computed, defaulted, optional, required, string_map, tagged};
use crate::api::{Api, Obj};
use crate::Resource;
use std::sync::Arc;
use strata_provider::{Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    [
        Unsupported {
            type_name: "aws_vpn_gateway_route_propagation",
            what: "routes propagated from virtual private gateways",
            schema: route_propagation,
        },
        Unsupported {
            type_name: "aws_s3_bucket_request_payment_configuration",
            what: "requester-pays buckets",
            schema: request_payment,
        },
        Unsupported {
            type_name: "aws_s3_bucket_intelligent_tiering_configuration",
            what: "S3 Intelligent-Tiering archive configurations",
            schema: intelligent_tiering,
        },
        Unsupported {
            type_name: "aws_s3_bucket_metric",
            what: "S3 request metrics configurations",
            schema: metric,
        },
        Unsupported {
            type_name: "aws_s3_bucket_analytics_configuration",
            what: "S3 storage class analysis",
            schema: analytics,
        },
        Unsupported {
            type_name: "aws_s3_bucket_inventory",
            what: "S3 inventory configurations",
            schema: inventory,
        },
        Unsupported {
            type_name: "aws_eks_addon",
            what: "EKS add-ons",
            schema: eks_addon,
        },
        Unsupported {
            type_name: "aws_eks_access_entry",
            what: "EKS access entries",
            schema: eks_access_entry,
        },
        Unsupported {
            type_name: "aws_eks_access_policy_association",
            what: "EKS access policy associations",
            schema: eks_access_policy_association,
        },
        Unsupported {
            type_name: "aws_eks_pod_identity_association",
            what: "EKS Pod Identity associations",
            schema: eks_pod_identity_association,
        },
        Unsupported {
            type_name: "aws_eks_identity_provider_config",
            what: "EKS OIDC identity provider configurations",
            schema: eks_identity_provider_config,
        },
        Unsupported {
            type_name: "aws_s3_directory_bucket",
            what: "S3 directory buckets (Express One Zone)",
            schema: directory_bucket,
        },
    ]
    .into_iter()
    .map(|u| Arc::new(u) as Arc<dyn Resource>)
    .collect()
}

struct Unsupported {
    type_name: &'static str,
    what: &'static str,
    schema: fn() -> Schema,
}

/// The refusal, for these types and for arguments of others that would
/// need the same missing APIs (`propagating_vgws`).
pub(super) fn refusal(at: &str, what: &str) -> ProviderError {
    ProviderError::failed(
        at,
        format!(
            "{what} are not supported by Strata's AWS provider; leave this out \
             (count = 0), or use the hashicorp/aws plugin"
        ),
    )
}

impl Resource for Unsupported {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn schema(&self) -> Schema {
        (self.schema)()
    }

    fn create(&self, _api: &Api, _p: &Obj) -> ProviderResult<String> {
        Err(refusal(self.type_name, self.what))
    }

    /// Nothing of these types is ever made, so nothing is found.
    fn read(&self, _api: &Api, _id: &str, _prior: &Obj) -> ProviderResult<Option<Obj>> {
        Ok(None)
    }

    fn delete(&self, _api: &Api, _id: &str, _prior: &Obj) -> ProviderResult<()> {
        Ok(())
    }
}

fn with_id(mut attributes: Vec<(&'static str, strata_provider::Attribute)>) -> Schema {
    attributes.insert(0, ("id", computed(Type::String)));
    Schema::new(attributes)
}

fn route_propagation() -> Schema {
    with_id(vec![
        ("vpn_gateway_id", required(Type::String).force_new()),
        ("route_table_id", required(Type::String).force_new()),
    ])
}

fn bucket_and_owner() -> Vec<(&'static str, strata_provider::Attribute)> {
    vec![
        ("bucket", required(Type::String).force_new()),
        ("expected_bucket_owner", optional(Type::String).force_new()),
    ]
}

fn request_payment() -> Schema {
    let mut a = bucket_and_owner();
    a.push(("payer", required(Type::String)));
    with_id(a)
}

/// A `filter` block of a prefix and tags.
fn prefix_and_tags() -> Schema {
    Schema::new([
        ("prefix", optional(Type::String)),
        ("tags", optional(string_map())),
    ])
}

fn intelligent_tiering() -> Schema {
    let mut schema = with_id(vec![
        ("bucket", required(Type::String).force_new()),
        ("name", required(Type::String).force_new()),
        ("status", defaulted(Type::String)),
    ]);
    block(
        &mut schema,
        "filter",
        Nesting::List,
        prefix_and_tags(),
        Some(1),
    );
    block(
        &mut schema,
        "tiering",
        Nesting::Set,
        Schema::new([
            ("access_tier", required(Type::String)),
            ("days", required(Type::Number)),
        ]),
        None,
    );
    schema
}

fn metric() -> Schema {
    let mut schema = with_id(vec![
        ("bucket", required(Type::String).force_new()),
        ("name", required(Type::String).force_new()),
    ]);
    let mut filter = prefix_and_tags();
    filter
        .attributes
        .insert("access_point".into(), optional(Type::String));
    block(&mut schema, "filter", Nesting::List, filter, Some(1));
    schema
}

fn analytics() -> Schema {
    let mut schema = with_id(vec![
        ("bucket", required(Type::String).force_new()),
        ("name", required(Type::String).force_new()),
    ]);
    block(
        &mut schema,
        "filter",
        Nesting::List,
        prefix_and_tags(),
        Some(1),
    );
    let s3_destination = Schema::new([
        ("bucket_arn", required(Type::String)),
        ("bucket_account_id", optional(Type::String)),
        ("format", defaulted(Type::String)),
        ("prefix", optional(Type::String)),
    ]);
    let mut destination = Schema::new([]);
    block(
        &mut destination,
        "s3_bucket_destination",
        Nesting::List,
        s3_destination,
        Some(1),
    );
    let mut export = Schema::new([("output_schema_version", defaulted(Type::String))]);
    block(
        &mut export,
        "destination",
        Nesting::List,
        destination,
        Some(1),
    );
    let mut analysis = Schema::new([]);
    block(&mut analysis, "data_export", Nesting::List, export, Some(1));
    block(
        &mut schema,
        "storage_class_analysis",
        Nesting::List,
        analysis,
        Some(1),
    );
    schema
}

fn inventory() -> Schema {
    let mut schema = with_id(vec![
        ("bucket", required(Type::String).force_new()),
        ("name", required(Type::String).force_new()),
        ("enabled", defaulted(Type::Bool)),
        ("included_object_versions", required(Type::String)),
        ("optional_fields", optional(Type::set(Type::String))),
    ]);
    block(
        &mut schema,
        "filter",
        Nesting::List,
        Schema::new([("prefix", optional(Type::String))]),
        Some(1),
    );
    block(
        &mut schema,
        "schedule",
        Nesting::List,
        Schema::new([("frequency", required(Type::String))]),
        Some(1),
    );
    let mut encryption = Schema::new([]);
    block(
        &mut encryption,
        "sse_kms",
        Nesting::List,
        Schema::new([("key_id", required(Type::String))]),
        Some(1),
    );
    block(
        &mut encryption,
        "sse_s3",
        Nesting::List,
        Schema::new([]),
        Some(1),
    );
    let mut bucket = Schema::new([
        ("bucket_arn", required(Type::String)),
        ("format", required(Type::String)),
        ("account_id", optional(Type::String)),
        ("prefix", optional(Type::String)),
    ]);
    block(
        &mut bucket,
        "encryption",
        Nesting::List,
        encryption,
        Some(1),
    );
    let mut destination = Schema::new([]);
    block(&mut destination, "bucket", Nesting::List, bucket, Some(1));
    block(
        &mut schema,
        "destination",
        Nesting::List,
        destination,
        Some(1),
    );
    schema
}

fn directory_bucket() -> Schema {
    let mut schema = tagged(vec![
        ("bucket", required(Type::String).force_new()),
        ("data_redundancy", defaulted(Type::String).force_new()),
        ("force_destroy", defaulted(Type::Bool)),
        ("type", defaulted(Type::String).force_new()),
        ("arn", computed(Type::String)),
    ]);
    block(
        &mut schema,
        "location",
        Nesting::List,
        Schema::new([
            ("name", required(Type::String)),
            ("type", defaulted(Type::String)),
        ]),
        Some(1),
    );
    schema
}

fn eks_addon() -> Schema {
    let mut schema = tagged(vec![
        ("cluster_name", required(Type::String).force_new()),
        ("addon_name", required(Type::String).force_new()),
        ("addon_version", defaulted(Type::String)),
        ("configuration_values", defaulted(Type::String)),
        ("preserve", optional(Type::Bool)),
        ("resolve_conflicts_on_create", optional(Type::String)),
        ("resolve_conflicts_on_update", optional(Type::String)),
        ("service_account_role_arn", optional(Type::String)),
        ("arn", computed(Type::String)),
        ("created_at", computed(Type::String)),
        ("modified_at", computed(Type::String)),
    ]);
    block(
        &mut schema,
        "pod_identity_association",
        Nesting::Set,
        Schema::new([
            ("role_arn", required(Type::String)),
            ("service_account", required(Type::String)),
        ]),
        None,
    );
    schema
}

fn eks_access_entry() -> Schema {
    tagged(vec![
        ("cluster_name", required(Type::String).force_new()),
        ("principal_arn", required(Type::String).force_new()),
        ("kubernetes_groups", defaulted(Type::set(Type::String))),
        ("type", defaulted(Type::String).force_new()),
        ("user_name", defaulted(Type::String)),
        ("access_entry_arn", computed(Type::String)),
        ("created_at", computed(Type::String)),
        ("modified_at", computed(Type::String)),
    ])
}

fn eks_access_policy_association() -> Schema {
    let mut schema = with_id(vec![
        ("cluster_name", required(Type::String).force_new()),
        ("policy_arn", required(Type::String).force_new()),
        ("principal_arn", required(Type::String).force_new()),
        ("associated_at", computed(Type::String)),
        ("modified_at", computed(Type::String)),
    ]);
    block(
        &mut schema,
        "access_scope",
        Nesting::List,
        Schema::new([
            ("type", required(Type::String)),
            ("namespaces", optional(Type::set(Type::String))),
        ]),
        Some(1),
    );
    schema
}

fn eks_pod_identity_association() -> Schema {
    tagged(vec![
        ("cluster_name", required(Type::String).force_new()),
        ("namespace", required(Type::String).force_new()),
        ("service_account", required(Type::String).force_new()),
        ("role_arn", required(Type::String)),
        ("target_role_arn", optional(Type::String)),
        ("disable_session_tags", defaulted(Type::Bool)),
        ("association_arn", computed(Type::String)),
        ("association_id", computed(Type::String)),
        ("external_id", computed(Type::String)),
    ])
}

fn eks_identity_provider_config() -> Schema {
    let mut schema = tagged(vec![
        ("cluster_name", required(Type::String).force_new()),
        ("arn", computed(Type::String)),
        ("status", computed(Type::String)),
    ]);
    block(
        &mut schema,
        "oidc",
        Nesting::List,
        Schema::new([
            ("client_id", required(Type::String)),
            ("identity_provider_config_name", required(Type::String)),
            ("issuer_url", required(Type::String)),
            ("groups_claim", optional(Type::String)),
            ("groups_prefix", optional(Type::String)),
            ("required_claims", optional(string_map())),
            ("username_claim", optional(Type::String)),
            ("username_prefix", optional(Type::String)),
        ]),
        Some(1),
    );
    schema
}
