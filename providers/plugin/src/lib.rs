//! Terraform provider binaries as Strata providers.
//!
//! A [`PluginProvider`] starts the binary as go-plugin does
//! ([`process`]), asks for its schema once, and then implements
//! [`strata_provider::Provider`] by calling the plugin over gRPC
//! ([`grpc`], messages in [`proto`]) with values encoded as MessagePack
//! typed by the schema ([`msgpack`]). The engine cannot tell it from a
//! built-in provider: the journal, refresh, plan JSON, cost and policy see
//! the same interface.
//!
//! Protocols 5 and 6 differ in a few method names and in the schema's
//! attribute message; `wire::Methods` names the calls of each.

pub mod cache;
mod functions;
pub mod grpc;
pub mod msgpack;
pub mod process;
pub mod proto;
pub mod schema;
mod tls;
mod validity;
mod wire;

use async_trait::async_trait;
use grpc::RpcError;
use process::{Launch, Running};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use strata_provider::{
    ApplyRequest, PlanRequest, PlanResponse, Provider, ProviderError, ProviderResult,
    ProviderSchema,
};
use strata_types::{Type, Value};
use wire::{
    attribute_path, capabilities, diagnostics_result, dynamic, methods, undynamic, warnings_of,
};

/// The Terraform version a plugin is told it runs under: the protocol
/// behaviour Strata follows.
pub const TERRAFORM_VERSION: &str = "1.11.0";

/// How many reads of one type a refresh has in flight on a plugin.
const READ_CONCURRENCY: usize = 16;

/// An installed provider package.
#[derive(Clone, Debug)]
pub struct Package {
    /// The provider's local name in configuration (`aws`).
    pub name: String,
    /// Its source address (`registry.terraform.io/hashicorp/aws`).
    pub source: String,
    pub version: String,
    pub executable: PathBuf,
}

/// How long to wait for a plugin.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// For the handshake line after start.
    pub start: Duration,
    /// For any one call; a plugin that takes longer is taken for hung.
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            start: Duration::from_secs(60),
            call: Duration::from_secs(3600),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("provider {source_address} {version}: {error}")]
    Launch {
        source_address: String,
        version: String,
        error: Box<process::LaunchError>,
    },
    #[error("provider {source_address} {version}: {detail}")]
    Schema {
        source_address: String,
        version: String,
        detail: String,
    },
}

/// Blocks SIGPIPE on the calling thread. A thread that writes to plugin
/// sockets needs it: a plugin that exits (as asked, or by crashing) must
/// make that one write fail with EPIPE, not end the process.
pub fn block_sigpipe_on_this_thread() {
    #[cfg(unix)]
    // SAFETY: changes only this thread's signal mask, with a set built
    // here.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// A provider served by a plugin binary.
pub struct PluginProvider {
    package: Arc<Package>,
    schema: Arc<ProviderSchema>,
    protocol: u32,
    timeouts: Timeouts,
    /// The plugin process of this provider configuration, started on first
    /// use (an aliased configuration runs a process of its own).
    running: tokio::sync::OnceCell<Arc<Running>>,
    /// The functions the plugin offers.
    functions: Arc<BTreeMap<String, strata_provider::Function>>,
    /// Where function calls go, started on the first one.
    function_host: std::sync::OnceLock<functions::FunctionHost>,
}

impl PluginProvider {
    /// Starts the plugin and reads its schema; the process stays up for
    /// the calls that follow.
    pub async fn start(
        package: Package,
        timeouts: Timeouts,
    ) -> Result<PluginProvider, PluginError> {
        let running = launch(&package, timeouts).await?;
        let raw = read_schema(&package, &running, timeouts).await?;
        let provider = PluginProvider::from_schema(package, raw, timeouts)?;
        let _ = provider.running.set(Arc::new(running));
        Ok(provider)
    }

    /// A provider whose schema is known (from the schema cache); its
    /// process starts on the first call, in the runtime that makes it.
    pub fn from_schema(
        package: Package,
        raw: RawSchema,
        timeouts: Timeouts,
    ) -> Result<PluginProvider, PluginError> {
        let schema_error = |detail: String| PluginError::Schema {
            source_address: package.source.clone(),
            version: package.version.clone(),
            detail,
        };
        let response = raw.decode().map_err(schema_error)?;
        if let Err(e) = diagnostics_result(&response.diagnostics) {
            return Err(schema_error(e.to_string()));
        }
        let converted = schema::convert(&response).map_err(|e| schema_error(e.to_string()))?;
        let functions = schema::functions(&response).map_err(|e| schema_error(e.to_string()))?;
        Ok(PluginProvider {
            protocol: raw.protocol,
            package: Arc::new(package),
            schema: Arc::new(converted),
            timeouts,
            running: tokio::sync::OnceCell::new(),
            functions: Arc::new(functions),
            function_host: std::sync::OnceLock::new(),
        })
    }

    pub fn package(&self) -> &Package {
        &self.package
    }

    /// 5 or 6.
    pub fn protocol(&self) -> u32 {
        self.protocol
    }

    /// Whether the running process speaks TLS to this client (AutoMTLS);
    /// `None` before it is started.
    pub fn encrypted(&self) -> Option<bool> {
        self.running.get().map(|r| r.encrypted)
    }

    /// Asks the plugin process to exit.
    pub async fn shutdown(&self) {
        if let Some(running) = self.running.get() {
            running.shutdown().await;
        }
    }

    async fn running(&self) -> ProviderResult<&Arc<Running>> {
        self.running
            .get_or_try_init(|| async {
                launch(&self.package, self.timeouts)
                    .await
                    .map(Arc::new)
                    .map_err(|e| {
                        ProviderError::failed("Failed to start the provider plugin", e.to_string())
                    })
            })
            .await
    }

    /// One call, bounded by the call timeout, with the plugin's failure
    /// (a crash, a hang) told in terms of the provider.
    async fn call<Req: prost::Message, Resp: prost::Message + Default>(
        &self,
        method: &str,
        request: &Req,
    ) -> ProviderResult<Resp> {
        let running = self.running().await?;
        let name = method.rsplit('/').next().unwrap_or(method);
        match tokio::time::timeout(self.timeouts.call, running.channel.unary(method, request)).await
        {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(RpcError::Transport(detail))) => {
                let exited = running.exit_status().await;
                Err(ProviderError::failed(
                    "The provider plugin stopped",
                    match exited {
                        Some(status) => format!(
                            "provider {} {} exited ({status}) during {name}; the object's state is as the journal last recorded it",
                            self.package.source, self.package.version
                        ),
                        None => format!(
                            "the connection to provider {} {} failed during {name}: {detail}",
                            self.package.source, self.package.version
                        ),
                    },
                ))
            }
            Ok(Err(e)) => Err(ProviderError::failed("Plugin call failed", e.to_string())),
            Err(_) => Err(ProviderError::failed(
                "The provider plugin did not answer",
                format!(
                    "provider {} {} gave no answer to {name} within {} s",
                    self.package.source,
                    self.package.version,
                    self.timeouts.call.as_secs()
                ),
            )),
        }
    }

    /// Terraform's verdict on an answer that breaks the protocol's rules:
    /// an error, except from the legacy SDK, whose known breaks are only
    /// logged (as Terraform logs them).
    fn judge(
        &self,
        summary: &str,
        type_name: &str,
        problems: Vec<String>,
        legacy: bool,
    ) -> ProviderResult<()> {
        if problems.is_empty() {
            return Ok(());
        }
        let source = &self.package.source;
        if legacy {
            for problem in &problems {
                tracing::warn!(target: "strata::plugin", "{summary}: {source} ({type_name}), tolerated for the legacy SDK: {problem}");
            }
            return Ok(());
        }
        Err(ProviderError::failed(
            summary,
            format!(
                "Provider \"{source}\" answered for {type_name} against the plugin protocol's rules:\n{}\n\nThis is a bug in the provider, which should be reported in the provider's own issue tracker.",
                problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
            ),
        ))
    }

    fn resource_type(&self, type_name: &str) -> ProviderResult<Type> {
        self.schema
            .resources
            .get(type_name)
            .map(|s| s.object_type())
            .ok_or_else(|| ProviderError::UnsupportedType(type_name.to_string()))
    }

    fn data_source_type(&self, type_name: &str) -> ProviderResult<Type> {
        self.schema
            .data_sources
            .get(type_name)
            .map(|s| s.object_type())
            .ok_or_else(|| ProviderError::UnsupportedType(type_name.to_string()))
    }

    /// Reads one object, its private data in and out.
    async fn read_state(
        &self,
        type_name: &str,
        ty: &Type,
        state: &Value,
        private: &[u8],
    ) -> ProviderResult<Option<(Value, Vec<u8>)>> {
        let m = methods(self.protocol);
        let response: proto::ReadResourceResponse = self
            .call(
                m.read,
                &proto::ReadResourceRequest {
                    type_name: type_name.to_string(),
                    current_state: Some(dynamic(state, ty)?),
                    private: private.to_vec(),
                    client_capabilities: Some(capabilities()),
                },
            )
            .await?;
        diagnostics_result(&response.diagnostics)?;
        let value = undynamic(response.new_state.as_ref(), ty)?;
        Ok((!value.is_null()).then_some((value, response.private)))
    }
}

/// A schema response as the plugin sent it, with the protocol it speaks:
/// what the schema cache keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct RawSchema {
    pub protocol: u32,
    pub bytes: Vec<u8>,
}

impl RawSchema {
    fn decode(&self) -> Result<proto::v6::GetProviderSchemaResponse, String> {
        use prost::Message;
        if self.protocol == 6 {
            proto::v6::GetProviderSchemaResponse::decode(self.bytes.as_slice())
                .map_err(|e| e.to_string())
        } else {
            proto::v5::GetProviderSchemaResponse::decode(self.bytes.as_slice())
                .map(schema::upgrade_v5)
                .map_err(|e| e.to_string())
        }
    }
}

/// Starts the plugin, asks for its schema, and stops it.
pub async fn fetch_schema(package: &Package, timeouts: Timeouts) -> Result<RawSchema, PluginError> {
    let running = launch(package, timeouts).await?;
    let raw = read_schema(package, &running, timeouts).await;
    running.shutdown().await;
    raw
}

async fn read_schema(
    package: &Package,
    running: &Running,
    timeouts: Timeouts,
) -> Result<RawSchema, PluginError> {
    let path = methods(running.protocol).schema;
    let call = running.channel.unary_raw(path, &proto::Empty {});
    let bytes = tokio::time::timeout(timeouts.call, call)
        .await
        .map_err(|_| "no answer within the call timeout".to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
        .map_err(|detail| PluginError::Schema {
            source_address: package.source.clone(),
            version: package.version.clone(),
            detail,
        })?;
    Ok(RawSchema {
        protocol: running.protocol,
        bytes,
    })
}

async fn launch(package: &Package, timeouts: Timeouts) -> Result<Running, PluginError> {
    Running::start(Launch {
        executable: &package.executable,
        provider: &package.source,
        handshake_timeout: timeouts.start,
    })
    .await
    .map_err(|error| PluginError::Launch {
        error: Box::new(error),
        source_address: package.source.clone(),
        version: package.version.clone(),
    })
}

#[async_trait]
impl Provider for PluginProvider {
    fn name(&self) -> &str {
        &self.package.name
    }

    fn schema(&self) -> ProviderSchema {
        (*self.schema).clone()
    }

    async fn configure(&self, config: &Value) -> ProviderResult<()> {
        let m = methods(self.protocol);
        let ty = self.schema.provider.object_type();
        let mut config = dynamic(config, &ty)?;
        let validated: proto::ValidateProviderConfigResponse = self
            .call(
                m.validate_provider,
                &proto::ValidateProviderConfigRequest {
                    config: Some(config.clone()),
                },
            )
            .await?;
        diagnostics_result(&validated.diagnostics)?;
        if let Some(prepared) = validated.prepared_config {
            if !prepared.msgpack.is_empty() {
                config = prepared;
            }
        }
        let response: proto::DiagnosticsResponse = self
            .call(
                m.configure,
                &proto::ConfigureRequest {
                    terraform_version: TERRAFORM_VERSION.to_string(),
                    config: Some(config),
                    client_capabilities: Some(capabilities()),
                },
            )
            .await?;
        diagnostics_result(&response.diagnostics)
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        Ok(self.plan_private(request, &[]).await?.0)
    }

    async fn plan_private(
        &self,
        request: PlanRequest<'_>,
        prior_private: &[u8],
    ) -> ProviderResult<(PlanResponse, Vec<u8>)> {
        let ty = self.resource_type(request.type_name)?;
        if request.proposed.is_null() {
            let planned = PlanResponse {
                warnings: Vec::new(),
                planned: Value::null(ty),
                requires_replace: Vec::new(),
            };
            return Ok((planned, prior_private.to_vec()));
        }
        let m = methods(self.protocol);
        let validated: proto::DiagnosticsResponse = self
            .call(
                m.validate_resource,
                &proto::ValidateResourceConfigRequest {
                    type_name: request.type_name.to_string(),
                    config: Some(dynamic(request.config, &ty)?),
                },
            )
            .await?;
        diagnostics_result(&validated.diagnostics)?;
        let response: proto::PlanResourceChangeResponse = self
            .call(
                m.plan,
                &proto::PlanResourceChangeRequest {
                    type_name: request.type_name.to_string(),
                    prior_state: Some(dynamic(request.prior, &ty)?),
                    proposed_new_state: Some(dynamic(request.proposed, &ty)?),
                    config: Some(dynamic(request.config, &ty)?),
                    prior_private: prior_private.to_vec(),
                    client_capabilities: Some(capabilities()),
                },
            )
            .await?;
        diagnostics_result(&response.diagnostics)?;
        let planned_value = undynamic(response.planned_state.as_ref(), &ty)?;
        if let Some(schema) = self.schema.resources.get(request.type_name) {
            let problems = validity::planned_problems(
                schema,
                &request.prior.unmark_deep().0,
                &request.config.unmark_deep().0,
                &planned_value,
            );
            self.judge(
                "Provider produced invalid plan",
                request.type_name,
                problems,
                response.legacy_type_system,
            )?;
        }
        let planned = PlanResponse {
            warnings: warnings_of(&response.diagnostics),
            planned: planned_value,
            requires_replace: response
                .requires_replace
                .iter()
                .map(attribute_path)
                .collect(),
        };
        Ok((planned, response.planned_private))
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value> {
        Ok(self.apply_private(request, &[]).await?.0)
    }

    async fn apply_private(
        &self,
        request: ApplyRequest<'_>,
        planned_private: &[u8],
    ) -> ProviderResult<(Value, Vec<u8>)> {
        let ty = self.resource_type(request.type_name)?;
        let m = methods(self.protocol);
        let response: proto::ApplyResourceChangeResponse = self
            .call(
                m.apply,
                &proto::ApplyResourceChangeRequest {
                    type_name: request.type_name.to_string(),
                    prior_state: Some(dynamic(request.prior, &ty)?),
                    planned_state: Some(dynamic(request.planned, &ty)?),
                    config: Some(dynamic(request.config, &ty)?),
                    planned_private: planned_private.to_vec(),
                },
            )
            .await?;
        diagnostics_result(&response.diagnostics)?;
        let applied = undynamic(response.new_state.as_ref(), &ty)?;
        let problems = validity::applied_problems(&request.planned.unmark_deep().0, &applied);
        self.judge(
            "Provider produced inconsistent result after apply",
            request.type_name,
            problems,
            response.legacy_type_system,
        )?;
        Ok((applied, response.private))
    }

    async fn read(&self, type_name: &str, state: &Value) -> ProviderResult<Option<Value>> {
        let ty = self.resource_type(type_name)?;
        Ok(self
            .read_state(type_name, &ty, state, &[])
            .await?
            .map(|(v, _)| v))
    }

    async fn read_many(
        &self,
        type_name: &str,
        states: &[Value],
    ) -> ProviderResult<Vec<Option<Value>>> {
        let none = vec![Vec::new(); states.len()];
        Ok(self
            .read_many_private(type_name, states, &none)
            .await?
            .into_iter()
            .map(|found| found.map(|(v, _)| v))
            .collect())
    }

    /// Many reads at once over the one connection, in order.
    async fn read_many_private(
        &self,
        type_name: &str,
        states: &[Value],
        privates: &[Vec<u8>],
    ) -> ProviderResult<Vec<Option<(Value, Vec<u8>)>>> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        let ty = self.resource_type(type_name)?;
        let reads: Vec<_> = states
            .iter()
            .zip(
                privates
                    .iter()
                    .map(Vec::as_slice)
                    .chain(std::iter::repeat(&[][..])),
            )
            .map(|(state, private)| Box::pin(self.read_state(type_name, &ty, state, private)))
            .collect();
        stream::iter(reads)
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await
    }

    async fn read_data_source(&self, type_name: &str, config: &Value) -> ProviderResult<Value> {
        let ty = self.data_source_type(type_name)?;
        let m = methods(self.protocol);
        let validated: proto::DiagnosticsResponse = self
            .call(
                m.validate_data_source,
                &proto::ValidateResourceConfigRequest {
                    type_name: type_name.to_string(),
                    config: Some(dynamic(config, &ty)?),
                },
            )
            .await?;
        diagnostics_result(&validated.diagnostics)?;
        let response: proto::ReadDataSourceResponse = self
            .call(
                m.read_data_source,
                &proto::ReadDataSourceRequest {
                    type_name: type_name.to_string(),
                    config: Some(dynamic(config, &ty)?),
                    client_capabilities: Some(capabilities()),
                },
            )
            .await?;
        diagnostics_result(&response.diagnostics)?;
        undynamic(response.state.as_ref(), &ty)
    }

    async fn import(&self, type_name: &str, id: &str) -> ProviderResult<Value> {
        Ok(self.import_private(type_name, id).await?.0)
    }

    /// Imports, then reads the object as Terraform does, with the private
    /// data the import gave.
    async fn import_private(&self, type_name: &str, id: &str) -> ProviderResult<(Value, Vec<u8>)> {
        let ty = self.resource_type(type_name)?;
        let m = methods(self.protocol);
        let response: proto::ImportResourceStateResponse = self
            .call(
                m.import,
                &proto::ImportResourceStateRequest {
                    type_name: type_name.to_string(),
                    id: id.to_string(),
                },
            )
            .await?;
        diagnostics_result(&response.diagnostics)?;
        let imported = response
            .imported_resources
            .iter()
            .find(|r| r.type_name == type_name)
            .ok_or_else(|| {
                ProviderError::failed(
                    "Import returned nothing",
                    format!("the provider found no {type_name} with id {id:?}"),
                )
            })?;
        let state = undynamic(imported.state.as_ref(), &ty)?;
        match self
            .read_state(type_name, &ty, &state, &imported.private)
            .await?
        {
            Some(found) => Ok(found),
            None => Err(ProviderError::failed(
                "Cannot import non-existent remote object",
                format!("no {type_name} with id {id:?} exists"),
            )),
        }
    }

    async fn move_resource_state(
        &self,
        request: strata_provider::MoveRequest<'_>,
    ) -> ProviderResult<(Value, Vec<u8>)> {
        let ty = self.resource_type(request.target_type)?;
        let m = methods(self.protocol);
        let response: proto::MoveResourceStateResponse = self
            .call(
                m.move_state,
                &proto::MoveResourceStateRequest {
                    source_provider_address: request.source_provider.to_string(),
                    source_type_name: request.source_type.to_string(),
                    source_schema_version: i64::try_from(request.source_schema_version)
                        .unwrap_or(i64::MAX),
                    source_state: Some(proto::RawState {
                        json: request.source_state.to_vec(),
                        flatmap: Default::default(),
                    }),
                    target_type_name: request.target_type.to_string(),
                    source_private: request.source_private.to_vec(),
                },
            )
            .await?;
        diagnostics_result(&response.diagnostics)?;
        let moved = undynamic(response.target_state.as_ref(), &ty)?;
        Ok((moved, response.target_private))
    }

    fn import_id(&self, type_name: &str, state: &Value) -> Option<String> {
        self.schema.resources.get(type_name)?;
        strata_provider::attr_str(state, "id").map(str::to_string)
    }

    fn calls_out_of_process(&self) -> bool {
        true
    }

    fn plugin_source(&self) -> Option<(String, String)> {
        Some((self.package.source.clone(), self.package.version.clone()))
    }

    fn new_instance(&self) -> Option<Arc<dyn Provider>> {
        Some(Arc::new(self.sibling()))
    }

    fn functions(&self) -> BTreeMap<String, strata_provider::Function> {
        (*self.functions).clone()
    }

    fn call_function(
        &self,
        name: &str,
        args: Vec<Value>,
    ) -> Result<Value, (String, Option<usize>)> {
        self.function_host
            .get_or_init(|| functions::FunctionHost::start(self.sibling()))
            .call(name, args)
    }
}

impl PluginProvider {
    /// Another instance of the same plugin, with a process of its own.
    fn sibling(&self) -> PluginProvider {
        PluginProvider {
            package: self.package.clone(),
            schema: self.schema.clone(),
            protocol: self.protocol,
            timeouts: self.timeouts,
            running: tokio::sync::OnceCell::new(),
            functions: self.functions.clone(),
            function_host: std::sync::OnceLock::new(),
        }
    }

    /// Tells the plugin to stop what it is doing (Ctrl-C).
    pub async fn stop(&self) {
        if let Some(running) = self.running.get() {
            let m = methods(self.protocol);
            let _ = tokio::time::timeout(
                Duration::from_secs(5),
                running
                    .channel
                    .unary::<_, proto::StopResponse>(m.stop, &proto::Empty {}),
            )
            .await;
        }
    }

    /// Converts state stored at an older schema version (raw JSON, as the
    /// state file holds it) to the current version.
    pub async fn upgrade_raw(
        &self,
        type_name: &str,
        version: u64,
        json: &serde_json::Value,
    ) -> ProviderResult<Value> {
        let ty = self.resource_type(type_name)?;
        let m = methods(self.protocol);
        let response: proto::UpgradeResourceStateResponse = self
            .call(
                m.upgrade,
                &proto::UpgradeResourceStateRequest {
                    type_name: type_name.to_string(),
                    version: i64::try_from(version).unwrap_or(i64::MAX),
                    raw_state: Some(proto::RawState {
                        json: serde_json::to_vec(json).expect("JSON serializes"),
                        flatmap: Default::default(),
                    }),
                },
            )
            .await?;
        diagnostics_result(&response.diagnostics)?;
        undynamic(response.upgraded_state.as_ref(), &ty)
    }
}
