//! The provider block, with the Terraform AWS provider's argument names.

use crate::api::{self, Api, Obj};
use std::collections::BTreeMap;
use std::path::PathBuf;
use strata_provider::{Attribute, NestedBlock, Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

/// Services whose endpoint the `endpoints` block can override.
pub const SERVICES: &[&str] = &[
    "autoscaling",
    "batch",
    "dynamodb",
    "ec2",
    "ecr",
    "efs",
    "eks",
    "elasticache",
    "emr",
    "fsx",
    "iam",
    "kafka",
    "kms",
    "logs",
    "rds",
    "redshift",
    "s3",
    "sagemaker",
    "secretsmanager",
    "ssm",
    "sqs",
    "sts",
];

/// The provider block's arguments that say how to reach AWS (credentials,
/// profile, retries, skip flags), without region, endpoints or tags.
pub fn connection_arguments() -> Vec<(&'static str, Attribute)> {
    let s = || Attribute::optional(Type::String);
    let files = || Attribute::optional(Type::list(Type::String));
    let flag = || Attribute::optional(Type::Bool);
    vec![
        ("access_key", s()),
        ("secret_key", s().sensitive()),
        ("token", s().sensitive()),
        ("profile", s()),
        ("shared_config_files", files()),
        ("shared_credentials_files", files()),
        ("skip_credentials_validation", flag()),
        ("skip_requesting_account_id", flag()),
        ("skip_region_validation", flag()),
        ("skip_metadata_api_check", flag()),
        ("s3_use_path_style", flag()),
        ("max_retries", Attribute::optional(Type::Number)),
    ]
}

pub(crate) fn schema() -> Schema {
    let s = || Attribute::optional(Type::String);
    let mut schema = Schema::new(connection_arguments());
    schema
        .attributes
        .insert("region".into(), Attribute::optional(Type::String));
    // Arguments of `hashicorp/aws` before 5.0 that stacks written for it
    // set. This provider never asks EC2 for the account's platforms, and
    // always reaches S3 by path (`/BUCKET/KEY`), so both are accepted and
    // change nothing.
    for legacy in ["skip_get_ec2_platforms", "s3_force_path_style"] {
        schema
            .attributes
            .insert(legacy.into(), Attribute::optional(Type::Bool));
    }
    schema.blocks.insert(
        "endpoints".into(),
        NestedBlock {
            nesting: Nesting::List,
            schema: Schema::new(SERVICES.iter().map(|n| (*n, s()))),
            min_items: 0,
            max_items: Some(1),
            as_attribute: false,
        },
    );
    schema.blocks.insert(
        "default_tags".into(),
        NestedBlock {
            nesting: Nesting::List,
            schema: Schema::new([("tags", Attribute::optional(Type::map(Type::String)))]),
            min_items: 0,
            max_items: Some(1),
            as_attribute: false,
        },
    );
    schema
}

#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) region: Option<String>,
    pub(crate) credentials: strata_aws_client::CredentialSource,
    pub(crate) endpoints: BTreeMap<String, String>,
    pub(crate) default_tags: BTreeMap<String, String>,
    pub(crate) max_retries: u32,
    /// How many calls the engine may make at once.
    pub(crate) concurrency: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            region: None,
            credentials: Default::default(),
            endpoints: BTreeMap::new(),
            default_tags: BTreeMap::new(),
            max_retries: 25,
            concurrency: 16,
        }
    }
}

fn paths(o: &Obj, k: &str) -> Vec<PathBuf> {
    api::strings(o, k).into_iter().map(PathBuf::from).collect()
}

/// The credential source and retry count [`connection_arguments`] set.
pub fn connection_settings(o: &Obj) -> ProviderResult<(strata_aws_client::CredentialSource, u32)> {
    let max_retries = match api::n(o, "max_retries") {
        Some(n) if n < 0 => {
            return Err(ProviderError::at(
                "Invalid max_retries",
                "max_retries must be zero or more",
                "max_retries",
            ))
        }
        Some(n) => n as u32,
        None => 25,
    };
    let credentials = strata_aws_client::CredentialSource {
        access_key: api::s(o, "access_key").map(str::to_string),
        secret_key: api::s(o, "secret_key").map(str::to_string),
        token: api::s(o, "token").map(str::to_string),
        profile: api::s(o, "profile").map(str::to_string),
        shared_credentials_files: paths(o, "shared_credentials_files"),
        shared_config_files: paths(o, "shared_config_files"),
    };
    Ok((credentials, max_retries))
}

impl Settings {
    pub(crate) fn from_config(o: &Obj) -> ProviderResult<Settings> {
        let mut endpoints = BTreeMap::new();
        for block in api::blocks(o, "endpoints") {
            for (k, v) in block {
                if let Some(url) = v.as_str() {
                    endpoints.insert(k.clone(), url.to_string());
                }
            }
        }
        let default_tags = api::blocks(o, "default_tags")
            .first()
            .map(|b| api::tags(b, "tags"))
            .unwrap_or_default();
        let (credentials, max_retries) = connection_settings(o)?;
        Ok(Settings {
            region: api::s(o, "region").map(str::to_string),
            credentials,
            endpoints,
            default_tags,
            max_retries,
            concurrency: 16,
        })
    }

    /// The client, with the region from configuration, AWS_REGION,
    /// AWS_DEFAULT_REGION or the profile.
    pub(crate) fn connect(&self) -> ProviderResult<Api> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let region = self
            .region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| self.credentials.profile_setting("region"))
            .ok_or_else(|| {
                ProviderError::at(
                    "Missing region",
                    "The AWS provider needs a region: set region in the provider block, or AWS_REGION.",
                    "region",
                )
            })?;
        let client = strata_aws_client::Client::new(strata_aws_client::Config {
            region: region.clone(),
            credentials: self.credentials.clone(),
            endpoints: self.endpoints.clone(),
            max_retries: self.max_retries,
            ..Default::default()
        })
        .map_err(|e| {
            ProviderError::failed("No valid credentials for the AWS provider", e.to_string())
        })?;
        Ok(Api {
            client: std::sync::Arc::new(client),
            default_tags: self.default_tags.clone(),
            region,
            wait_limit: None,
            account: Default::default(),
        })
    }
}
