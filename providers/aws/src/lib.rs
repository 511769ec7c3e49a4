//! The AWS provider. Resource types, data sources and attribute names are
//! the Terraform AWS provider's, so stacks written for it carry over.
//!
//! Calls go through `strata-aws-client` (SigV4 by the official `aws-sigv4`
//! crate, retries with jittered backoff) on blocking threads. Each
//! resource type implements [`Resource`]: create, read, update, delete on
//! JSON objects of its schema; planning (unknown computed values,
//! replacement on force-new attributes, `tags_all` from `default_tags`),
//! apply, import and refresh are shared here.

mod api;
mod config;
mod data;
mod plan;
mod policy_document;
mod pricing;
mod resources;
mod tags;

use api::{Api, Obj};
use plan::blank;

/// An AWS error as a provider error that keeps its code, for providers
/// that call AWS themselves.
pub use api::failure as aws_failure;
use async_trait::async_trait;
/// The services whose endpoints a provider block's `endpoints` sets.
pub use config::SERVICES as ENDPOINT_SERVICES;
/// The provider block's connection arguments, for providers that reach
/// AWS the same way (the GPU fleet provider's `aws` block).
pub use config::{connection_arguments, connection_settings};
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use strata_provider::{
    ApplyRequest, PlanRequest, PlanResponse, Provider, ProviderError, ProviderResult,
    ProviderSchema, RecoveryKey, Schema,
};
use strata_types::json::{value_from_json, value_to_json};
use strata_types::{Kind, Type, Value};

/// One resource type.
pub(crate) trait Resource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Nested blocks whose change forces replacement.
    fn force_new_blocks(&self) -> &'static [&'static str] {
        &[]
    }
    /// Nested blocks that, left out of the configuration, keep what AWS
    /// has: a security group's rules or a route table's routes when
    /// `aws_security_group_rule` or `aws_route` resources manage them (as
    /// Terraform's optional and computed blocks).
    fn computed_blocks(&self) -> &'static [&'static str] {
        &[]
    }
    /// The value an optional argument has when the configuration leaves
    /// it out (the AWS provider's schema `Default`): planned as if written.
    fn argument_default(&self, _name: &str) -> Option<J> {
        None
    }
    /// Computed attributes known before create (defaults), by name.
    fn plan_known(&self, _config: &Obj) -> Obj {
        Obj::new()
    }
    /// Computed attributes an in-place update changes (a new version
    /// number, an etag): unknown in the plan of such an update.
    fn update_unknowns(&self) -> &'static [&'static str] {
        &[]
    }
    /// Makes the object; returns its id.
    fn create(&self, api: &Api, planned: &Obj) -> ProviderResult<String>;
    /// The object as it is now, every attribute of the schema; `None`
    /// when it is gone.
    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>>;
    /// Refreshes many objects; types with a batch API override this.
    fn read_many(&self, api: &Api, states: &[Obj]) -> ProviderResult<Vec<Option<Obj>>> {
        states
            .iter()
            .map(|s| match api::s(s, "id") {
                Some(id) => self.read(api, id, s),
                None => Ok(None),
            })
            .collect()
    }
    /// Changes the object in place; returns its id afterwards (some
    /// changes make a new id, as replacing a route table association).
    fn update(
        &self,
        _api: &Api,
        _id: &str,
        _prior: &Obj,
        _planned: &Obj,
    ) -> ProviderResult<String> {
        Err(ProviderError::failed(
            "Cannot update in place",
            format!("{} changes only by replacement", self.type_name()),
        ))
    }
    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()>;
    /// The id `strata import` takes for an object: its `id` unless the
    /// type says otherwise.
    fn import_id(&self, state: &Obj) -> String {
        api::s(state, "id").unwrap_or_default().to_string()
    }
    /// What `read` needs to find an imported object by its id.
    fn import_state(&self, id: &str) -> Obj {
        let mut o = Obj::new();
        o.insert("id".into(), J::String(id.into()));
        o
    }
    /// The attribute holding a name unique in the account that is also
    /// the object's id: it is the token an interrupted create's object
    /// is found by, unless the type finds objects its own way.
    fn name_attribute(&self) -> Option<&'static str> {
        None
    }
    /// A token an interrupted create's object can be found by, if the
    /// type has one.
    fn token(&self, planned: &Obj) -> Option<String> {
        api::s(planned, self.name_attribute()?).map(str::to_string)
    }
    /// The id of the object a create with this token made.
    fn find(&self, api: &Api, token: &str, planned: &Obj) -> ProviderResult<Option<String>> {
        if self.name_attribute().is_none() {
            return Ok(None);
        }
        Ok(self.read(api, token, planned)?.map(|_| token.to_string()))
    }
}

#[derive(Default)]
pub struct AwsProvider {
    settings: Mutex<config::Settings>,
    api: Mutex<Option<Arc<Api>>>,
    /// Clients for the regions resources name in their own `region`
    /// argument, made on first use.
    regional: Mutex<BTreeMap<String, Arc<Api>>>,
}

fn to_obj(v: &Value) -> Obj {
    match value_to_json(v) {
        J::Object(m) => m,
        _ => Obj::new(),
    }
}

/// An object from AWS's answer, its sensitive attributes marked as the
/// schema declares them (as they were planned).
fn from_obj(schema: &Schema, o: Obj) -> ProviderResult<Value> {
    let mut v = value_from_json(&J::Object(o), &schema.object_type())
        .map_err(|e| ProviderError::failed("Unexpected AWS answer", e.to_string()))?;
    if let Kind::Object(m) = &mut v.kind {
        for (name, a) in &schema.attributes {
            if a.sensitive {
                if let Some(value) = m.remove(name) {
                    m.insert(name.clone(), value.mark_sensitive(true));
                }
            }
        }
    }
    Ok(v)
}

/// Every attribute of the schema present: missing ones from `fallback`,
/// then null; an empty string, list or map in `fallback` that AWS read
/// back as absent is kept, and so is a block `fallback` leaves out that
/// AWS reads as empty.
fn complete(schema: &Schema, mut o: Obj, fallback: &Obj) -> Obj {
    for name in schema.attributes.keys().chain(schema.blocks.keys()) {
        let kept = fallback.get(name).unwrap_or(&J::Null);
        let is_block = schema.blocks.contains_key(name);
        match o.get(name) {
            None => {
                o.insert(name.clone(), kept.clone());
            }
            // An empty value AWS reads back as absent stays as it was
            // written, and so do blocks left out that AWS reads as none:
            // no drift, no change.
            Some(J::Null) if blank(kept) && !kept.is_null() => {
                o.insert(name.clone(), kept.clone());
            }
            Some(read) if is_block && blank(read) && blank(kept) => {
                o.insert(name.clone(), kept.clone());
            }
            Some(_) => {}
        }
    }
    o.retain(|k, _| schema.attributes.contains_key(k) || schema.blocks.contains_key(k));
    o
}

/// Runs blocking AWS work off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ProviderResult<T> + Send + 'static,
) -> ProviderResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ProviderError::failed("AWS call failed", e.to_string()))?
}

impl AwsProvider {
    fn resource(&self, type_name: &str) -> ProviderResult<Arc<dyn Resource>> {
        types()
            .get(type_name)
            .map(|(r, _)| r.clone())
            .ok_or_else(|| ProviderError::UnsupportedType(type_name.to_string()))
    }

    /// The client, made on first use from the configuration.
    fn api(&self) -> ProviderResult<Arc<Api>> {
        let mut api = self.api.lock().expect("api");
        if let Some(a) = api.as_ref() {
            return Ok(a.clone());
        }
        let settings = self.settings.lock().expect("settings").clone();
        let made = Arc::new(settings.connect()?);
        *api = Some(made.clone());
        Ok(made)
    }

    /// The client for an object's region: its own `region` argument when
    /// it names another than the provider's, else the provider's.
    fn api_in(&self, object: &Obj) -> ProviderResult<Arc<Api>> {
        let api = self.api()?;
        let Some(region) = api::s(object, "region").filter(|r| *r != api.region) else {
            return Ok(api);
        };
        let mut regional = self.regional.lock().expect("regional");
        if let Some(a) = regional.get(region) {
            return Ok(a.clone());
        }
        let mut settings = self.settings.lock().expect("settings").clone();
        settings.region = Some(region.to_string());
        let made = Arc::new(settings.connect()?);
        regional.insert(region.to_string(), made.clone());
        Ok(made)
    }

    /// The region objects are in when they do not name one.
    fn region(&self) -> String {
        self.pricing_region().unwrap_or_else(|| "us-east-1".into())
    }

    fn default_tags(&self) -> BTreeMap<String, String> {
        self.settings.lock().expect("settings").default_tags.clone()
    }
}

/// Every resource type with its schema, made once: planning or refreshing
/// thousands of instances looks them up, never rebuilds them.
type Types = BTreeMap<&'static str, (Arc<dyn Resource>, Schema)>;

fn types() -> &'static Types {
    static TYPES: std::sync::OnceLock<Types> = std::sync::OnceLock::new();
    TYPES.get_or_init(|| {
        resources::all()
            .into_iter()
            .map(|r| {
                let schema = schema_of(r.as_ref());
                (r.type_name(), (r, schema))
            })
            .collect()
    })
}

/// The schema of a resource type (with `timeouts`).
fn schema_for(resource: &dyn Resource) -> &'static Schema {
    &types()
        .get(resource.type_name())
        .expect("every resource type is in types()")
        .1
}

/// A resource type's schema with Terraform's `timeouts` block (create,
/// update, delete durations for the waiters).
fn schema_of(resource: &dyn Resource) -> Schema {
    let mut schema = resource.schema();
    for name in resource.computed_blocks() {
        if let Some(b) = schema.blocks.get_mut(*name) {
            b.as_attribute = true;
        }
    }
    // Every object may live in a region of its own (as in the Terraform
    // AWS provider 6): the provider's unless it says; moving it is a
    // replacement.
    schema.attributes.insert(
        "region".into(),
        strata_provider::Attribute {
            computed: true,
            ..strata_provider::Attribute::optional(Type::String)
        }
        .force_new(),
    );
    schema.blocks.insert(
        "timeouts".into(),
        strata_provider::NestedBlock {
            nesting: strata_provider::Nesting::Single,
            schema: Schema::new(
                ["create", "update", "delete"]
                    .map(|k| (k, strata_provider::Attribute::optional(Type::String))),
            ),
            min_items: 0,
            max_items: Some(1),
            as_attribute: false,
        },
    );
    schema
}

/// How long an operation's waiters may wait: the `timeouts` block's
/// value for it ("60m", "1h30m", "90s"), when given.
fn wait_limit(planned: &Obj, operation: &str) -> ProviderResult<Option<std::time::Duration>> {
    let Some(text) = planned
        .get("timeouts")
        .and_then(|t| t.get(operation))
        .and_then(J::as_str)
    else {
        return Ok(None);
    };
    parse_duration(text).map(Some).ok_or_else(|| {
        ProviderError::at(
            "Invalid timeout",
            format!(
                "timeouts.{operation} = {text:?} is not a duration such as \"30m\" or \"1h30m\""
            ),
            "timeouts",
        )
    })
}

fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        // Far past any wait anyone means: refused, not wrapped around.
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    (number.is_empty() && !text.is_empty()).then(|| std::time::Duration::from_secs(total))
}

/// Whether `text` reads as an AWS region name (`eu-west-1`,
/// `us-gov-east-1`): letters, a dash, letters, a dash, digits.
fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// An object as read through `api`: in that client's region.
fn in_region(mut o: Obj, api: &Api) -> Obj {
    o.insert("region".into(), J::String(api.region.clone()));
    o
}

/// Reads a just-made object, waiting out eventual consistency.
fn read_after_write(
    resource: &dyn Resource,
    api: &Api,
    id: &str,
    planned: &Obj,
) -> ProviderResult<Obj> {
    for attempt in 0..10u32 {
        if let Some(o) = resource.read(api, id, planned)? {
            return Ok(o);
        }
        std::thread::sleep(std::time::Duration::from_millis(50 << attempt.min(5)));
    }
    Err(ProviderError::failed(
        format!("{} {id} vanished", resource.type_name()),
        "AWS accepted the change but the object cannot be read back.",
    ))
}

/// The applied state: what AWS reports, with the planned (configured)
/// values kept where AWS normalizes them differently.
fn settle(schema: &Schema, read: Obj, planned: &Value) -> ProviderResult<Value> {
    let planned_obj = to_obj(planned);
    let mut out = complete(schema, read, &planned_obj);
    if let Kind::Object(m) = &planned.kind {
        for (k, v) in m {
            if v.is_wholly_known() && !v.is_null() {
                out.insert(k.clone(), value_to_json(v));
            }
        }
    }
    from_obj(schema, out)
}

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &'static str {
        "aws"
    }

    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: config::schema(),
            resources: types()
                .iter()
                .map(|(name, (_, schema))| (name.to_string(), schema.clone()))
                .collect(),
            data_sources: data::schemas(),
        }
    }

    async fn configure(&self, config: &Value) -> ProviderResult<()> {
        let settings = config::Settings::from_config(&to_obj(config))?;
        *self.settings.lock().expect("settings") = settings;
        *self.api.lock().expect("api") = None;
        self.regional.lock().expect("regional").clear();
        Ok(())
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        let resource = self.resource(request.type_name)?;
        self.plan_resource(resource.as_ref(), &request)
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value> {
        let resource = self.resource(request.type_name)?;
        let schema = schema_for(resource.as_ref());
        let prior = to_obj(request.prior);
        let planned_value = request.planned.clone();
        let planned = to_obj(request.planned);
        let api = self.api_in(if request.planned.is_null() {
            &prior
        } else {
            &planned
        })?;
        let deleting = request.planned.is_null();
        let creating = request.prior.is_null();
        let for_errors = to_obj(request.planned);
        let read = blocking(move || {
            let operation = if deleting {
                "delete"
            } else if creating {
                "create"
            } else {
                "update"
            };
            let timeouts = if deleting { &prior } else { &planned };
            let api = api.with_wait_limit(wait_limit(timeouts, operation)?);
            if deleting {
                let id = api::req(&prior, "id")?;
                delete_patiently(resource.as_ref(), &api, id, &prior)?;
                return Ok(None);
            }
            let id = if creating {
                resource.create(&api, &planned)?
            } else {
                let id = api::req(&prior, "id")?;
                resource.update(&api, id, &prior, &planned)?
            };
            read_after_write(resource.as_ref(), &api, &id, &planned)
                .map(|o| Some(in_region(o, &api)))
        })
        .await
        .map_err(|e| at_fault(e, &for_errors))?;
        match read {
            None => Ok(Value::null(schema.object_type())),
            Some(o) => settle(schema, o, &planned_value),
        }
    }

    async fn read(&self, type_name: &str, state: &Value) -> ProviderResult<Option<Value>> {
        Ok(self
            .read_many(type_name, std::slice::from_ref(state))
            .await?
            .pop()
            .flatten())
    }

    async fn read_many(
        &self,
        type_name: &str,
        states: &[Value],
    ) -> ProviderResult<Vec<Option<Value>>> {
        let resource = self.resource(type_name)?;
        let schema = schema_for(resource.as_ref());
        let priors: Vec<Obj> = states.iter().map(to_obj).collect();
        // Read a region's objects together, each with its region's client.
        let mut by_region: BTreeMap<String, (Arc<Api>, Vec<usize>)> = BTreeMap::new();
        for (i, prior) in priors.iter().enumerate() {
            let api = self.api_in(prior)?;
            by_region
                .entry(api.region.clone())
                .or_insert_with(|| (api.clone(), Vec::new()))
                .1
                .push(i);
        }
        let found = {
            let priors = priors.clone();
            blocking(move || {
                let mut found: Vec<Option<Obj>> = vec![None; priors.len()];
                for (api, indices) in by_region.into_values() {
                    let group: Vec<Obj> = indices.iter().map(|&i| priors[i].clone()).collect();
                    for (i, o) in indices.into_iter().zip(resource.read_many(&api, &group)?) {
                        found[i] = o.map(|o| in_region(o, &api));
                    }
                }
                Ok(found)
            })
            .await?
        };
        found
            .into_iter()
            .zip(priors)
            .map(|(f, prior)| match f {
                Some(o) => from_obj(schema, complete(schema, o, &prior)).map(Some),
                None => Ok(None),
            })
            .collect()
    }

    /// `ID@REGION` imports from a region other than the provider's (as
    /// the Terraform AWS provider 6 reads it).
    async fn import(&self, type_name: &str, id: &str) -> ProviderResult<Value> {
        let resource = self.resource(type_name)?;
        let (id, api) = match id.rsplit_once('@') {
            Some((id, region)) if is_region(region) => {
                let mut at = Obj::new();
                at.insert("region".into(), J::String(region.to_string()));
                (id, self.api_in(&at)?)
            }
            _ => (id, self.api()?),
        };
        let schema = schema_for(resource.as_ref());
        let id = id.to_string();
        let found = {
            let resource = resource.clone();
            let id = id.clone();
            blocking(move || {
                let seed = resource.import_state(&id);
                Ok(resource.read(&api, &id, &seed)?.map(|o| in_region(o, &api)))
            })
            .await?
        };
        match found {
            Some(o) => from_obj(schema, complete(schema, o, &Obj::new())),
            None => Err(ProviderError::failed(
                "Cannot import non-existent remote object",
                format!("{type_name} with id {id:?} does not exist in the account and region the provider is configured for."),
            )),
        }
    }

    async fn read_data_source(&self, type_name: &str, config: &Value) -> ProviderResult<Value> {
        let config = to_obj(config);
        let type_name = type_name.to_string();
        let schemas = data::schemas();
        let schema = schemas
            .get(&type_name)
            .cloned()
            .ok_or_else(|| ProviderError::UnsupportedType(type_name.clone()))?;
        // Computed here, with no call to AWS (and no need of credentials).
        if policy_document::TYPES.contains(&type_name.as_str()) {
            let o = policy_document::read(&type_name, &config, &self.region())?;
            return from_obj(&schema, complete(&schema, o, &config));
        }
        let api = self.api()?;
        let o = {
            let config = config.clone();
            blocking(move || data::read(&api, &type_name, &config)).await?
        };
        from_obj(&schema, complete(&schema, o, &config))
    }

    fn recovery_key(&self, type_name: &str, planned: &Value) -> RecoveryKey {
        match self
            .resource(type_name)
            .ok()
            .and_then(|r| r.token(&to_obj(planned)))
        {
            Some(t) => RecoveryKey::Token(t),
            None => RecoveryKey::None,
        }
    }

    async fn recover(
        &self,
        type_name: &str,
        token: &str,
        planned: &Value,
    ) -> ProviderResult<Option<Value>> {
        let resource = self.resource(type_name)?;
        let schema = schema_for(resource.as_ref());
        let planned_obj = to_obj(planned);
        let api = self.api_in(&planned_obj)?;
        let token = token.to_string();
        let found = blocking(move || match resource.find(&api, &token, &planned_obj)? {
            Some(id) => Ok(resource
                .read(&api, &id, &planned_obj)?
                .map(|o| in_region(o, &api))),
            None => Ok(None),
        })
        .await?;
        match found {
            Some(o) => from_obj(schema, complete(schema, o, &to_obj(planned))).map(Some),
            None => Ok(None),
        }
    }

    fn concurrency_limit(&self) -> usize {
        self.settings.lock().expect("settings").concurrency
    }

    fn pricing_region(&self) -> Option<String> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let settings = self.settings.lock().expect("settings");
        settings
            .region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| settings.credentials.profile_setting("region"))
    }

    fn usage_types(&self) -> &[&str] {
        pricing::USAGE_TYPES
    }

    fn usage(
        &self,
        object: &strata_provider::PlannedObject<'_>,
        others: &[strata_provider::PlannedObject<'_>],
    ) -> Result<Option<strata_provider::Usage>, String> {
        pricing::usage(object, others)
    }

    fn import_id(&self, type_name: &str, state: &Value) -> Option<String> {
        let resource = self.resource(type_name).ok()?;
        let state = to_obj(state);
        let id = resource.import_id(&state);
        Some(match api::s(&state, "region") {
            Some(region) if region != self.region() => format!("{id}@{region}"),
            _ => id,
        })
    }

    fn new_instance(&self) -> Option<Arc<dyn Provider>> {
        Some(Arc::new(AwsProvider::default()))
    }
}

/// Names the attribute an AWS error is about, when the message quotes a
/// configured value ("The subnet ID 'subnet-0ab' does not exist").
fn at_fault(e: ProviderError, planned: &Obj) -> ProviderError {
    let ProviderError::Failed {
        summary,
        detail,
        attribute: None,
        code,
    } = e
    else {
        return e;
    };
    let mut found: Option<(&String, String)> = None;
    for (k, v) in planned {
        let values: Vec<String> = match v {
            J::String(x) => vec![x.clone()],
            J::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        for value in values {
            // Short values ("1", "EC2") would match by accident.
            if value.len() >= 6
                && detail.contains(&value)
                && found.as_ref().is_none_or(|(_, f)| f.len() < value.len())
            {
                found = Some((k, value));
            }
        }
    }
    match found {
        Some((k, value)) => ProviderError::Failed {
            detail: format!("{detail} (attribute {k} = {value:?})"),
            summary,
            attribute: Some(vec![k.clone()]),
            code,
        },
        None => ProviderError::Failed {
            summary,
            detail,
            attribute: None,
            code,
        },
    }
}

/// Deletes, retrying while AWS still sees dependents going away
/// (DependencyViolation right after a dependent's delete).
fn delete_patiently(
    resource: &dyn Resource,
    api: &Api,
    id: &str,
    prior: &Obj,
) -> ProviderResult<()> {
    let mut attempt = 0u32;
    loop {
        match resource.delete(api, id, prior) {
            Err(e)
                if attempt < 8
                    && e.has_code(&["DependencyViolation", "ResourceInUse", "DeleteConflict"]) =>
            {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(100 << attempt.min(6)));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timeouts_parse_as_terraform_writes_them() {
        use std::time::Duration;
        assert_eq!(
            super::parse_duration("60m"),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            super::parse_duration("1h30m"),
            Some(Duration::from_secs(5400))
        );
        assert_eq!(super::parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(super::parse_duration("10"), None);
        assert_eq!(super::parse_duration("5d"), None);
        assert_eq!(super::parse_duration("99999999999999999h"), None);
        assert_eq!(
            super::parse_duration("5124095576030431h5124095576030431h"),
            None
        );
    }
}
