//! The provider block: one block per cloud (`aws` now), each with its
//! default regions and how to reach it. The AWS block takes the AWS
//! provider's connection arguments and an `endpoints` block for the
//! services fleets use.

use serde_json::{Map, Value as J};
use std::collections::BTreeMap;
use std::sync::Arc;
use strata_aws_client::{Client, Config, CredentialSource};
use strata_provider::{Attribute, NestedBlock, Nesting, ProviderError, ProviderResult, Schema};
use strata_types::Type;

/// Services whose endpoint the `endpoints` block can override.
pub const SERVICES: &[&str] = &["cloudwatch", "ec2", "s3", "servicequotas", "sts"];

pub(crate) fn schema() -> Schema {
    let mut aws = Schema::new(strata_provider_aws::connection_arguments());
    aws.attributes.insert(
        "regions".into(),
        Attribute::optional(Type::list(Type::String))
            .describe("Regions a candidate without its own regions is tried in, in order."),
    );
    aws.blocks.insert(
        "endpoints".into(),
        NestedBlock {
            nesting: Nesting::List,
            schema: Schema::new(
                SERVICES
                    .iter()
                    .map(|n| (*n, Attribute::optional(Type::String))),
            ),
            min_items: 0,
            max_items: Some(1),
            as_attribute: false,
        },
    );
    let mut schema = Schema::default();
    schema.blocks.insert(
        "aws".into(),
        NestedBlock {
            nesting: Nesting::List,
            schema: aws,
            min_items: 0,
            max_items: Some(1),
            as_attribute: false,
        },
    );
    schema
}

/// How the provider reaches AWS, per region.
#[derive(Clone, Debug, Default)]
pub(crate) struct Settings {
    pub(crate) regions: Vec<String>,
    credentials: CredentialSource,
    endpoints: BTreeMap<String, String>,
    max_retries: u32,
}

fn obj(v: &J) -> Option<&Map<String, J>> {
    match v {
        J::Object(m) => Some(m),
        J::Array(a) => a.first().and_then(J::as_object),
        _ => None,
    }
}

impl Settings {
    pub(crate) fn from_config(config: &J) -> ProviderResult<Settings> {
        let empty = Map::new();
        let aws = config.get("aws").and_then(obj).unwrap_or(&empty);
        let (credentials, max_retries) = strata_provider_aws::connection_settings(aws)?;
        let regions: Vec<String> = aws
            .get("regions")
            .and_then(J::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let endpoints = aws
            .get("endpoints")
            .and_then(obj)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Settings {
            regions,
            credentials,
            endpoints,
            max_retries,
        })
    }

    /// The regions a candidate without its own is tried in: the block's,
    /// else AWS_REGION or AWS_DEFAULT_REGION.
    pub(crate) fn default_regions(&self) -> Vec<String> {
        if !self.regions.is_empty() {
            return self.regions.clone();
        }
        ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .filter_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .take(1)
            .collect()
    }

    pub(crate) fn connect(&self, region: &str) -> ProviderResult<Client> {
        Client::new(Config {
            region: region.to_string(),
            credentials: self.credentials.clone(),
            endpoints: self.endpoints.clone(),
            max_retries: self.max_retries,
            ..Default::default()
        })
        .map_err(|e| {
            ProviderError::failed(
                "No valid credentials for the gpu provider's aws block",
                e.to_string(),
            )
        })
    }
}

/// One client per region, made on first use.
#[derive(Default)]
pub(crate) struct Clients {
    settings: Settings,
    by_region: std::sync::Mutex<BTreeMap<String, Arc<Client>>>,
}

impl Clients {
    pub(crate) fn new(settings: Settings) -> Clients {
        Clients {
            settings,
            by_region: Default::default(),
        }
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(crate) fn region(&self, region: &str) -> ProviderResult<Arc<Client>> {
        let mut clients = self.by_region.lock().expect("clients");
        if let Some(c) = clients.get(region) {
            return Ok(c.clone());
        }
        let made = Arc::new(self.settings.connect(region)?);
        clients.insert(region.to_string(), made.clone());
        Ok(made)
    }
}
