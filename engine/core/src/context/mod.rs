//! The vocabulary plan and apply share: a loaded stack with its
//! providers ([`Stack`], [`Context`]), a module's configuration
//! ([`ModuleRef`]), how a resource finds its provider, the values
//! expressions see for expanded resources (`values`), and the state as
//! instances decoded and rebuilt (`state`).

use crate::addr::{Mode, ModuleStep, ResourceAddr};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use strata_lang::config::{ChildModule, Config, LoadedStack, Mode as ConfigMode};
use strata_lang::functions::FunctionEnv;
use strata_lang::stack::EvaluatedStack;
use strata_provider::{Provider, Registry, Schema};
use strata_types::{Diagnostic, Span};

mod proposed;
mod state;
mod values;
pub mod waits;

pub use proposed::{deferred_data_object, proposed_new};

pub(crate) use state::*;
pub(crate) use values::*;

/// A loaded stack with what evaluating it needs: its variables and
/// locals, the function environment, and the providers.
#[derive(Clone, Copy)]
pub struct Stack<'a> {
    pub loaded: &'a LoadedStack,
    pub evaluated: &'a EvaluatedStack,
    pub env: &'a FunctionEnv,
    pub registry: &'a Registry,
    /// Where long provider calls are reported while they last.
    pub on_wait: waits::OnWait<'a>,
    /// Resources answered by other providers than their own (tests).
    pub overrides: Option<&'a Overrides>,
}

/// Resources whose provider calls go to a stand-in (`override_resource`
/// and `override_data` in tests), by resource address without instance
/// key (`module.net.aws_vpc.main`, `data.aws_region.current`).
#[derive(Default)]
pub struct Overrides {
    pub resources: HashMap<String, Arc<dyn strata_provider::Provider>>,
    /// Module calls that are not planned or applied: their outputs, by
    /// call address without instance keys (`module.net`,
    /// `module.platform.module.net`).
    pub modules: HashMap<String, strata_types::Value>,
}

impl Overrides {
    pub(crate) fn provider(
        &self,
        addr: &ResourceAddr,
    ) -> Option<Arc<dyn strata_provider::Provider>> {
        if self.resources.is_empty() {
            return None;
        }
        self.resources.get(&addr.to_string()).cloned()
    }

    /// The outputs given for the call `name` inside the module at `path`.
    pub(crate) fn module_outputs(
        &self,
        path: &[ModuleStep],
        name: &str,
    ) -> Option<&strata_types::Value> {
        if self.modules.is_empty() {
            return None;
        }
        let mut key: String = path.iter().map(|s| format!("module.{}.", s.name)).collect();
        key.push_str(&format!("module.{name}"));
        self.modules.get(&key)
    }
}

pub(crate) struct Context<'a> {
    pub stack: &'a LoadedStack,
    pub env: &'a FunctionEnv,
    pub registry: &'a Registry,
    /// Configuration resources by address.
    resources: crate::FastMap<ResourceAddr, usize>,
    /// Where long provider calls are reported (see [`waits`]).
    pub on_wait: waits::OnWait<'a>,
    pub overrides: Option<&'a Overrides>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        stack: &'a LoadedStack,
        env: &'a FunctionEnv,
        registry: &'a Registry,
    ) -> Context<'a> {
        let resources = stack
            .config
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (resource_addr(r), i))
            .collect();
        Context {
            stack,
            env,
            registry,
            resources,
            on_wait: None,
            overrides: None,
        }
    }

    /// The configuration of a resource, by address.
    pub(crate) fn resource(
        &self,
        addr: &ResourceAddr,
    ) -> Option<&'a strata_lang::config::Resource> {
        if addr.module.is_empty() {
            return self
                .resources
                .get(addr)
                .map(|&i| &self.stack.config.resources[i]);
        }
        let config = self.module_config(&addr.module)?.config;
        let local = ResourceAddr {
            module: Vec::new(),
            ..addr.clone()
        };
        config.resources.iter().find(|r| resource_addr(r) == local)
    }

    /// The configuration of the module at `path` (keys ignored).
    pub(crate) fn module_config(&self, path: &[ModuleStep]) -> Option<ModuleRef<'a>> {
        let mut current = ModuleRef {
            config: &self.stack.config,
            children: &self.stack.children,
        };
        for step in path {
            let child = current.children.get(&step.name)?;
            current = ModuleRef {
                config: &child.config,
                children: &child.children,
            };
        }
        Some(current)
    }
}

pub(crate) fn resource_addr(r: &strata_lang::config::Resource) -> ResourceAddr {
    ResourceAddr {
        module: Vec::new(),
        mode: if r.mode == ConfigMode::Data {
            Mode::Data
        } else {
            Mode::Managed
        },
        type_name: r.type_name.clone(),
        name: r.name.clone(),
    }
}

/// The provider and schema of a resource type, or a diagnostic.
pub(crate) fn provider_for(
    registry: &Registry,
    mode: Mode,
    type_name: &str,
    span: Span,
) -> Result<(Arc<dyn Provider>, Arc<Schema>), Diagnostic> {
    let provider = registry.for_resource_type(type_name).ok_or_else(|| {
        let prefix = type_name.split('_').next().unwrap_or(type_name);
        let detail = match registry.schema(prefix) {
            Some(schema) => {
                let types = match mode {
                    Mode::Managed => &schema.resources,
                    Mode::Data => &schema.data_sources,
                };
                format!(
                    "The provider \"{prefix}\" has no {} type \"{type_name}\".{}",
                    if mode == Mode::Data { "data source" } else { "resource" },
                    strata_lang::suggest::did_you_mean(type_name, types.keys().map(String::as_str))
                )
            }
            None => format!(
                "No provider offers the {} \"{type_name}\". Strata has these providers built in: {}; a provider named \"{prefix}\" is not available.",
                if mode == Mode::Data { "data source" } else { "resource type" },
                registry.names().collect::<Vec<_>>().join(", ")
            ),
        };
        let summary = if mode == Mode::Data {
            "Unknown data source"
        } else {
            "Unknown resource type"
        };
        Diagnostic::error(strata_types::codes::UNKNOWN_RESOURCE_TYPE, summary, detail, span)
    })?;
    let found = registry.type_schema(type_name, mode == Mode::Data);
    match found {
        Some(s) => Ok((provider.clone(), s.clone())),
        None => Err(Diagnostic::error(
            strata_types::codes::UNKNOWN_RESOURCE_TYPE,
            if mode == Mode::Data {
                "Unknown data source"
            } else {
                "Unknown resource type"
            },
            format!(
                "The provider \"{}\" has no {} type \"{type_name}\".",
                provider.name(),
                if mode == Mode::Data {
                    "data source"
                } else {
                    "resource"
                }
            ),
            span,
        )),
    }
}

pub(crate) fn provider_address(provider: &dyn Provider) -> String {
    strata_provider::source_provider_address(&strata_provider::source_of(provider), None)
}

/// The provider configuration a resource block uses: its `provider`
/// meta-argument (`aws.west`), else the default configuration of the
/// provider that offers its type.
pub(crate) fn resource_provider(
    r: &strata_lang::config::Resource,
    provider: &dyn Provider,
) -> Result<String, Diagnostic> {
    let Some(attr) = r.body.attribute("provider") else {
        return Ok(provider_address(provider));
    };
    // The source of the provider a reference names: the type's provider's
    // when it is that one, else the implied one.
    let source = |root: &str| {
        if root == provider.name() {
            strata_provider::source_of(provider)
        } else {
            strata_provider::default_source(root)
        }
    };
    let invalid = || {
        Diagnostic::error(
            strata_types::codes::INVALID_PROVIDER_REFERENCE,
            "Invalid provider reference",
            "The provider argument names a provider configuration, such as aws or aws.west (no quotes).",
            attr.expr.span,
        )
    };
    let (root, steps) = attr.expr.as_traversal().ok_or_else(invalid)?;
    match steps.as_slice() {
        [] => Ok(strata_provider::source_provider_address(
            &source(root),
            None,
        )),
        [strata_lang::ast::TraversalStep::Attr(alias, _)] => Ok(
            strata_provider::source_provider_address(&source(root), Some(alias)),
        ),
        _ => Err(invalid()),
    }
}

/// The provider instance of a provider address, or a diagnostic saying
/// the configuration is missing.
pub(crate) fn provider_instance(
    registry: &Registry,
    address: &str,
    span: Span,
) -> Result<Arc<dyn Provider>, Diagnostic> {
    registry.instance(address).ok_or_else(|| {
        let shown = strata_provider::parse_provider_address(address)
            .map(|(n, a)| match a {
                Some(a) => format!("{n}.{a}"),
                None => n,
            })
            .unwrap_or_else(|| address.to_string());
        Diagnostic::error(
            strata_types::codes::PROVIDER_CONFIGURATION_NOT_PRESENT,
            "Provider configuration not present",
            format!("No provider block configures {shown}: add provider \"{}\" {{ alias = \"…\" … }} to the root module, or remove the reference.", shown.split('.').next().unwrap_or(&shown)),
            span,
        )
    })
}

/// A relative directory as `path.module` shows it (`modules/app`).
pub(crate) fn clean_relative(p: &std::path::Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// A module's configuration with its child modules and directory.
#[derive(Clone, Copy)]
pub(crate) struct ModuleRef<'a> {
    pub config: &'a Config,
    pub children: &'a BTreeMap<String, ChildModule>,
}
