//! The provider API: what a provider crate implements and the engine calls.
//!
//! Modelled on Terraform's provider protocol: a schema (resource types and
//! data sources, attributes with their type and whether they are required,
//! optional, computed, sensitive or force-new), configure, validate, plan
//! (prior state + proposed new state + config → planned state with
//! unknowns, and the paths that force replacement), apply, read (one
//! instance, or many of a type at once for fleets), import, and upgrade of
//! state written under an older schema version.
//!
//! This crate depends only on `strata-types`: providers never see the
//! engine, the language or the state store. The conformance suite every
//! provider runs against itself lives in [`conformance`].

pub mod conformance;
pub mod mock;

use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;
use strata_types::{Kind, ObjectType, Type, Value};

/// One attribute of a resource type or data source.
#[derive(Clone, Debug, Default)]
pub struct Attribute {
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// A change of this attribute cannot be applied in place.
    pub force_new: bool,
    pub description: &'static str,
}

impl Attribute {
    pub fn required(ty: Type) -> Attribute {
        Attribute {
            ty,
            required: true,
            ..Default::default()
        }
    }
    pub fn optional(ty: Type) -> Attribute {
        Attribute {
            ty,
            optional: true,
            ..Default::default()
        }
    }
    pub fn computed(ty: Type) -> Attribute {
        Attribute {
            ty,
            computed: true,
            ..Default::default()
        }
    }
    pub fn optional_computed(ty: Type) -> Attribute {
        Attribute {
            ty,
            optional: true,
            computed: true,
            ..Default::default()
        }
    }
    pub fn force_new(mut self) -> Attribute {
        self.force_new = true;
        self
    }
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }
    pub fn describe(mut self, description: &'static str) -> Attribute {
        self.description = description;
        self
    }
}

/// How a nested block type repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    /// One block that may be left out: its value is then an object of
    /// null attributes and empty nested blocks, never null.
    Group,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub nesting: Nesting,
    pub schema: Schema,
    pub min_items: usize,
    pub max_items: Option<usize>,
    /// Written as blocks but an attribute of the object (a list or set of
    /// objects), shown as one in plans: the Terraform AWS provider's
    /// attributes-as-blocks, such as a security group's `ingress`.
    pub as_attribute: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Bumped when the stored shape changes; see [`Provider::upgrade_state`].
    pub version: u64,
    pub attributes: BTreeMap<String, Attribute>,
    pub blocks: BTreeMap<String, NestedBlock>,
    pub description: &'static str,
    /// [`Schema::object_type`], made on first use: every instance's
    /// value shares it.
    pub object_type: ObjectTypeCache,
}

/// A schema's object type once made. A copy of the schema starts without
/// it (a copy is made to be changed); a schema is not changed in place
/// once its object type was asked for.
#[derive(Debug, Default)]
pub struct ObjectTypeCache(std::sync::OnceLock<Type>);

impl Clone for ObjectTypeCache {
    fn clone(&self) -> Self {
        ObjectTypeCache::default()
    }
}

impl Schema {
    pub fn new(attributes: impl IntoIterator<Item = (&'static str, Attribute)>) -> Schema {
        Schema {
            attributes: attributes
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            ..Default::default()
        }
    }

    /// The object type of a stored instance of this schema.
    pub fn object_type(&self) -> Type {
        self.object_type
            .0
            .get_or_init(|| self.make_object_type())
            .clone()
    }

    fn make_object_type(&self) -> Type {
        let mut attributes: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|(k, a)| (k.clone(), a.ty.clone()))
            .collect();
        for (name, block) in &self.blocks {
            let inner = block.schema.object_type();
            attributes.insert(
                name.clone(),
                match block.nesting {
                    Nesting::Single | Nesting::Group => inner,
                    Nesting::List => Type::list(inner),
                    Nesting::Set => Type::set(inner),
                },
            );
        }
        Type::Object(std::sync::Arc::new(ObjectType {
            attributes,
            optional: Default::default(),
        }))
    }
}

/// A function a provider offers (`provider::NAME::FUNCTION(…)`) and its
/// parameters: the signature the language checks calls against.
pub use strata_types::function::{Parameter as FunctionParameter, Signature as Function};

#[derive(Clone, Debug, Default)]
pub struct ProviderSchema {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
}

/// A path to an attribute, such as `["triggers_replace"]`.
pub type AttributePath = Vec<String>;

pub struct PlanRequest<'a> {
    pub type_name: &'a str,
    /// Null when the instance is being created.
    pub prior: &'a Value,
    /// The configuration merged over the prior state (computed attributes
    /// not set in configuration keep their prior value); null when the
    /// instance is being destroyed.
    pub proposed: &'a Value,
    pub config: &'a Value,
}

#[derive(Clone, Debug)]
pub struct PlanResponse {
    /// Unknown where the value is only known after apply.
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
    /// Problems that do not stop the plan (a fleet candidate that cannot
    /// be placed while another can), shown as warnings.
    pub warnings: Vec<ProviderError>,
}

pub struct ApplyRequest<'a> {
    pub type_name: &'a str,
    /// Null when creating.
    pub prior: &'a Value,
    /// Null when destroying.
    pub planned: &'a Value,
    pub config: &'a Value,
}

/// An object of another resource type (perhaps another provider's) to
/// take as one of `target_type`: a `moved` block across types, as
/// Terraform's `MoveResourceState` carries it.
pub struct MoveRequest<'a> {
    /// The source provider's source address
    /// (`registry.terraform.io/hashicorp/null`).
    pub source_provider: &'a str,
    pub source_type: &'a str,
    pub source_schema_version: u64,
    /// The object's attributes as the state stores them (JSON).
    pub source_state: &'a [u8],
    pub source_private: &'a [u8],
    pub target_type: &'a str,
}

/// How a provider finds an object that an interrupted apply may have
/// created before its result was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecoveryKey {
    /// The object is found by this deterministic name or token.
    Token(String),
    /// The provider cannot find objects it created without their id.
    None,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ProviderError {
    #[error("{summary}: {detail}")]
    Failed {
        summary: String,
        detail: String,
        attribute: Option<AttributePath>,
        /// The remote API's error code when the failure came from one
        /// (`InvalidVpcID.NotFound`): callers decide on it, never on the
        /// wording of the summary.
        code: Option<String>,
    },
    #[error("unsupported resource type \"{0}\"")]
    UnsupportedType(String),
}

impl ProviderError {
    pub fn failed(summary: impl Into<String>, detail: impl Into<String>) -> ProviderError {
        ProviderError::Failed {
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
            code: None,
        }
    }

    /// The remote API's error code, when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ProviderError::Failed { code, .. } => code.as_deref(),
            ProviderError::UnsupportedType(_) => None,
        }
    }

    /// Whether the remote API answered with one of `codes`.
    pub fn has_code(&self, codes: &[&str]) -> bool {
        self.code().is_some_and(|c| codes.contains(&c))
    }

    pub fn at(
        summary: impl Into<String>,
        detail: impl Into<String>,
        attribute: &str,
    ) -> ProviderError {
        ProviderError::Failed {
            summary: summary.into(),
            detail: detail.into(),
            attribute: Some(vec![attribute.to_string()]),
            code: None,
        }
    }
}

pub type ProviderResult<T> = Result<T, ProviderError>;

#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name in configuration (`aws`, `random`, …).
    fn name(&self) -> &str;

    fn schema(&self) -> ProviderSchema;

    /// Receives the provider block's configuration.
    async fn configure(&self, _config: &Value) -> ProviderResult<()> {
        Ok(())
    }

    /// Checks a resource's configuration before planning; problems are
    /// returned as errors with the attribute at fault.
    fn validate_resource(&self, _type_name: &str, _config: &Value) -> Vec<ProviderError> {
        Vec::new()
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse>;

    /// Creates, updates or (when `planned` is null) deletes; returns the
    /// new state (null after a delete).
    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value>;

    /// [`Provider::plan`] with the provider's private data for the object
    /// (bytes kept beside its state; Terraform's SDK keeps timeouts
    /// there): the prior object's in, the planned object's out. Native
    /// providers keep none.
    async fn plan_private(
        &self,
        request: PlanRequest<'_>,
        prior_private: &[u8],
    ) -> ProviderResult<(PlanResponse, Vec<u8>)> {
        let _ = prior_private;
        Ok((self.plan(request).await?, Vec::new()))
    }

    /// [`Provider::apply`] with the planned object's private data in and
    /// the new object's out.
    async fn apply_private(
        &self,
        request: ApplyRequest<'_>,
        planned_private: &[u8],
    ) -> ProviderResult<(Value, Vec<u8>)> {
        let _ = planned_private;
        Ok((self.apply(request).await?, Vec::new()))
    }

    /// The functions the provider offers, by name.
    fn functions(&self) -> BTreeMap<String, Function> {
        BTreeMap::new()
    }

    /// Calls one of [`Provider::functions`] with arguments of its
    /// parameters' types. Expressions are evaluated synchronously, so
    /// this is too. On failure: the message and, when one argument is at
    /// fault, its position.
    fn call_function(
        &self,
        name: &str,
        args: Vec<Value>,
    ) -> Result<Value, (String, Option<usize>)> {
        let _ = args;
        Err((format!("the provider offers no function \"{name}\""), None))
    }

    /// Refreshes one instance; `None` when it no longer exists.
    async fn read(&self, type_name: &str, state: &Value) -> ProviderResult<Option<Value>>;

    /// Refreshes many instances of one type; providers for fleets override
    /// this to use their batch APIs.
    async fn read_many(
        &self,
        type_name: &str,
        states: &[Value],
    ) -> ProviderResult<Vec<Option<Value>>> {
        let mut out = Vec::with_capacity(states.len());
        for s in states {
            out.push(self.read(type_name, s).await?);
        }
        Ok(out)
    }

    /// [`Provider::read_many`] with each object's private data in and
    /// the refreshed object's out. Native providers keep none, so the
    /// default gives back what it was given.
    async fn read_many_private(
        &self,
        type_name: &str,
        states: &[Value],
        privates: &[Vec<u8>],
    ) -> ProviderResult<Vec<Option<(Value, Vec<u8>)>>> {
        let read = self.read_many(type_name, states).await?;
        Ok(read
            .into_iter()
            .zip(privates)
            .map(|(found, private)| found.map(|v| (v, private.clone())))
            .collect())
    }

    async fn read_data_source(&self, type_name: &str, config: &Value) -> ProviderResult<Value> {
        let _ = config;
        Err(ProviderError::UnsupportedType(type_name.to_string()))
    }

    /// Brings an existing object under management by its id.
    async fn import(&self, type_name: &str, id: &str) -> ProviderResult<Value> {
        Err(ProviderError::failed(
            "Import not supported",
            format!("The resource type \"{type_name}\" cannot be imported (id {id:?})."),
        ))
    }

    /// [`Provider::import`] with the imported object's private data.
    async fn import_private(&self, type_name: &str, id: &str) -> ProviderResult<(Value, Vec<u8>)> {
        Ok((self.import(type_name, id).await?, Vec::new()))
    }

    /// Takes an object of another type as one of `request.target_type`
    /// (a `moved` block across types); returns it with its private data.
    /// Most providers take none.
    async fn move_resource_state(
        &self,
        request: MoveRequest<'_>,
    ) -> ProviderResult<(Value, Vec<u8>)> {
        Err(ProviderError::failed(
            "Unsupported move across resource types",
            format!(
                "The provider of {} cannot take an object of type {} ({}).",
                request.target_type, request.source_type, request.source_provider
            ),
        ))
    }

    /// Converts state stored under `version` of the schema to the current
    /// version. The default accepts only the current version.
    fn upgrade_state(&self, type_name: &str, version: u64, state: Value) -> ProviderResult<Value> {
        let current = self
            .schema()
            .resources
            .get(type_name)
            .map(|s| s.version)
            .unwrap_or(0);
        if version == current {
            Ok(state)
        } else {
            Err(ProviderError::failed(
                "Unsupported state version",
                format!("State for \"{type_name}\" was written with schema version {version}; this provider reads version {current}."),
            ))
        }
    }

    /// How to find an object this planned create will make, if the apply
    /// is interrupted before its id is recorded.
    fn recovery_key(&self, _type_name: &str, _planned: &Value) -> RecoveryKey {
        RecoveryKey::None
    }

    /// Finds the object a create with this recovery token made, if it
    /// exists; `planned` is what the create was asked for. Providers whose
    /// objects live only in state (random values, terraform_data) find
    /// nothing, and the interrupted create simply runs again.
    async fn recover(
        &self,
        _type_name: &str,
        _token: &str,
        _planned: &Value,
    ) -> ProviderResult<Option<Value>> {
        Ok(None)
    }

    /// Whether applying creates, changes or deletes objects outside
    /// Strata's state. Providers whose objects live only in state (random
    /// values, terraform_data) say no: their calls need no intent journal,
    /// since an interrupted one leaves nothing behind to find; and no
    /// refresh, since reading their objects returns the state as it is.
    fn changes_world(&self) -> bool {
        true
    }

    /// The most operations on this provider the engine may run at once.
    fn concurrency_limit(&self) -> usize {
        usize::MAX
    }

    /// Whether its calls leave the process (a plugin, over gRPC): the
    /// engine then asks for many plans at once rather than one after
    /// another, which for a provider in the process would only cost.
    fn calls_out_of_process(&self) -> bool {
        false
    }

    /// The region this provider configuration works in, for pricing.
    fn pricing_region(&self) -> Option<String> {
        None
    }

    /// The resource types whose planned objects the cost estimate shows
    /// to [`Provider::usage`]: those that cost money to run and those
    /// `usage` reads to price them (a launch template an auto scaling
    /// group names). Objects of other types are not decoded for it.
    fn usage_types(&self) -> &[&str] {
        &[]
    }

    /// What `object` runs, read from its planned value: machines by
    /// instance type, or storage. `Ok(None)` when it costs nothing to run;
    /// `Err` says why it cannot be priced yet ("instance_type is known only
    /// after apply"). `others` holds the plan's objects of
    /// [`Provider::usage_types`] for this provider configuration, after
    /// their changes.
    fn usage(
        &self,
        _object: &PlannedObject<'_>,
        _others: &[PlannedObject<'_>],
    ) -> Result<Option<Usage>, String> {
        Ok(None)
    }

    /// What an object just created or updated turned out to be, in a few
    /// words for apply's progress line ("4 x p4d.24xlarge spot in
    /// us-west-2b"), when the configuration left it open. Never anything
    /// sensitive.
    fn describe_applied(&self, _type_name: &str, _state: &Value) -> Option<String> {
        None
    }

    /// The resource types whose objects [`Provider::reap_reason`] may find
    /// finished (fleets with a time to live, an idle timeout or a done
    /// marker). Objects of other types are never asked about.
    fn reapable_types(&self) -> &[&str] {
        &[]
    }

    /// Why the object in `state` should be destroyed now (expired, idle,
    /// its work done), or `None` to leave it. `strata reap` asks this of
    /// every object of [`Provider::reapable_types`].
    async fn reap_reason(
        &self,
        _type_name: &str,
        _state: &Value,
    ) -> ProviderResult<Option<String>> {
        Ok(None)
    }

    /// The id `import` takes for the object in `state` (`strata import
    /// ADDR ID`), when the type can be imported.
    fn import_id(&self, _type_name: &str, _state: &Value) -> Option<String> {
        None
    }

    /// For a provider served by a plugin binary: its source address and
    /// version (`registry.terraform.io/hashicorp/aws`, `3.39.0`). `None`
    /// for a provider built into Strata.
    fn plugin_source(&self) -> Option<(String, String)> {
        None
    }

    /// A new, unconfigured instance of this provider, for an aliased
    /// provider block (a second region, say). Providers that take no
    /// configuration need none.
    fn new_instance(&self) -> Option<Arc<dyn Provider>> {
        None
    }
}

/// A planned object as the cost estimate shows it to its provider.
#[derive(Clone, Copy, Debug)]
pub struct PlannedObject<'a> {
    pub address: &'a str,
    pub type_name: &'a str,
    pub value: &'a Value,
    /// Addresses of the instances it depends on.
    pub dependencies: &'a [String],
}

/// What a planned object runs, as a price catalog prices it.
#[derive(Clone, Debug, PartialEq)]
pub enum Usage {
    Machines(Vec<Machines>),
    /// Block storage of a volume type (`gp3`), in GB.
    Storage {
        kind: String,
        gb: f64,
    },
    /// One of several placements, not known until apply (a fleet takes
    /// the first of its candidates that has capacity): priced as a range,
    /// counted at its dearest.
    OneOf(Vec<Placement>),
}

/// Machines in a region, one of the choices of [`Usage::OneOf`].
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    pub region: String,
    pub machines: Vec<Machines>,
}

/// Machines of one instance type.
#[derive(Clone, Debug, PartialEq)]
pub struct Machines {
    pub instance_type: String,
    pub count: f64,
    /// Priced at the spot price (or the catalog's spot factor).
    pub spot: bool,
}

/// The address Terraform records for a provider configuration:
/// `provider["registry.terraform.io/hashicorp/aws"]`, with `.ALIAS` for
/// an aliased one.
pub fn provider_address(name: &str, alias: Option<&str>) -> String {
    source_provider_address(&default_source(name), alias)
}

/// The source address Terraform implies for a provider named `name`.
pub fn default_source(name: &str) -> String {
    // Terraform's one built-in provider has a source of its own.
    if name == "terraform" {
        "terraform.io/builtin/terraform".to_string()
    } else {
        format!("registry.terraform.io/hashicorp/{name}")
    }
}

/// The source address of a provider: its plugin's, or the implied one.
pub fn source_of(provider: &dyn Provider) -> String {
    provider
        .plugin_source()
        .map(|(source, _)| source)
        .unwrap_or_else(|| default_source(provider.name()))
}

/// `provider["SOURCE"]`, with `.ALIAS` for an aliased configuration.
pub fn source_provider_address(source: &str, alias: Option<&str>) -> String {
    match alias {
        Some(a) => format!("provider[\"{source}\"].{a}"),
        None => format!("provider[\"{source}\"]"),
    }
}

/// The source of a provider address (`registry.terraform.io/hashicorp/aws`
/// in `provider["registry.terraform.io/hashicorp/aws"].west`), and what
/// follows it.
fn split_provider_address(address: &str) -> Option<(&str, &str)> {
    address.strip_prefix("provider[\"")?.split_once("\"]")
}

/// The source a provider address names.
pub fn provider_address_source(address: &str) -> Option<&str> {
    split_provider_address(address).map(|(source, _)| source)
}

/// The provider name and alias of a provider address.
pub fn parse_provider_address(address: &str) -> Option<(String, Option<String>)> {
    let (source, tail) = split_provider_address(address)?;
    let name = source.rsplit('/').next()?.to_string();
    let alias = tail
        .strip_prefix('.')
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    Some((name, alias))
}

/// Providers by name: the CLI registers the built-in and cloud providers,
/// the engine looks them up by the prefix of a resource type.
#[derive(Clone, Default)]
pub struct Registry {
    providers: BTreeMap<String, Arc<dyn Provider>>,
    /// Each provider's schema, asked for once.
    schemas: BTreeMap<String, Arc<ProviderSchema>>,
    /// Resource and data source type → provider name.
    by_type: BTreeMap<String, String>,
    /// Each type's schema, shared (managed resources, then data sources):
    /// a lookup per instance costs a reference count, not a copy.
    type_schemas: [BTreeMap<String, Arc<Schema>>; 2],
    /// Instances configured by aliased provider blocks, by `NAME.ALIAS`.
    aliases: Arc<std::sync::RwLock<BTreeMap<String, Arc<dyn Provider>>>>,
}

impl Registry {
    pub fn register(&mut self, provider: Arc<dyn Provider>) {
        let name = provider.name().to_string();
        let schema = provider.schema();
        for type_name in schema.resources.keys().chain(schema.data_sources.keys()) {
            self.by_type
                .entry(type_name.clone())
                .or_insert_with(|| name.clone());
        }
        // As `schema` answers for the provider a type belongs to (one
        // registered again under its name replaces its schema).
        for (i, types) in [&schema.resources, &schema.data_sources]
            .into_iter()
            .enumerate()
        {
            for (type_name, s) in types {
                if self.by_type.get(type_name) == Some(&name) {
                    self.type_schemas[i].insert(type_name.clone(), Arc::new(s.clone()));
                }
            }
        }
        self.schemas.insert(name.clone(), Arc::new(schema));
        self.providers.insert(name, provider);
    }

    /// The schema a provider gave when it was registered.
    pub fn schema(&self, name: &str) -> Option<&Arc<ProviderSchema>> {
        self.schemas.get(name)
    }

    /// The schema of a resource type (`data` false) or data source (true),
    /// from the provider that offers it.
    pub fn type_schema(&self, type_name: &str, data: bool) -> Option<&Arc<Schema>> {
        self.type_schemas[usize::from(data)].get(type_name)
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Provider>> {
        self.providers.get(name)
    }

    /// Records the instance an aliased provider block configured.
    pub fn set_alias(&self, name: &str, alias: &str, provider: Arc<dyn Provider>) {
        self.aliases
            .write()
            .expect("aliases")
            .insert(format!("{name}.{alias}"), provider);
    }

    /// The provider instance a provider address names: the registered
    /// provider, or the instance of an aliased configuration.
    pub fn instance(&self, address: &str) -> Option<Arc<dyn Provider>> {
        let (name, alias) = parse_provider_address(address)?;
        match alias {
            None => self.providers.get(&name).cloned(),
            Some(alias) => self
                .aliases
                .read()
                .expect("aliases")
                .get(&format!("{name}.{alias}"))
                .cloned(),
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// The provider a resource type belongs to: the longest registered
    /// name that is the type's prefix before an underscore (`aws` for
    /// `aws_instance`), or the provider that declares the type.
    pub fn for_resource_type(&self, type_name: &str) -> Option<&Arc<dyn Provider>> {
        self.by_type
            .get(type_name)
            .and_then(|name| self.providers.get(name))
    }
}

// ---- helpers for provider implementations -------------------------------------

/// An attribute of an object value (null when absent).
pub fn attr<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    match &v.kind {
        Kind::Object(m) | Kind::Map(_, m) => m.get(name),
        _ => None,
    }
}

/// A string attribute, when set and known.
pub fn attr_str<'v>(v: &'v Value, name: &str) -> Option<&'v str> {
    attr(v, name).and_then(Value::as_str)
}

/// A copy of an object value with one attribute replaced.
pub fn with_attr(v: &Value, name: &str, value: Value) -> Value {
    let mut out = v.clone();
    if let Kind::Object(m) = &mut out.kind {
        m.insert(name.to_string(), value);
    }
    out
}

/// An object of the schema's type with every attribute null.
pub fn null_object(schema: &Schema) -> Value {
    match schema.object_type() {
        Type::Object(o) => Value::object(
            o.attributes
                .clone()
                .into_iter()
                .map(|(k, t)| (k, Value::null(t)))
                .collect::<strata_types::Fields>(),
        ),
        t => Value::null(t),
    }
}
