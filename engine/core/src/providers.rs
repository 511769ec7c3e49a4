//! Provider configuration: each root-module `provider` block is evaluated
//! against the provider's own schema (it may use variables and locals)
//! and handed to [`Provider::configure`]; providers without a block are
//! configured with every argument null, so that they fall back on their
//! environment (AWS credentials and region, say).

use crate::context::{Context, Stack};
use crate::eval_body::{body_to_config, BodyScope};
use std::collections::BTreeSet;
use strata_provider::null_object;
use strata_types::{Diagnostic, Diagnostics};

/// Arguments of every provider block that are not the provider's own.
const PROVIDER_META: &[&str] = &["alias", "version"];

/// Configures every registered provider from the stack's provider blocks.
pub async fn configure_providers(stack: &Stack<'_>) -> Diagnostics {
    let registry = stack.registry;
    let ctx = Context::new(stack.loaded, stack.env, registry);
    let mut diagnostics = Diagnostics::default();
    let mut configured = BTreeSet::new();
    let mut aliases = BTreeSet::new();
    for block in &stack.loaded.config.providers {
        let Some(label) = block.labels.first() else {
            continue;
        };
        let name = label.value.as_str();
        let (Some(provider), Some(schema)) = (registry.get(name), registry.schema(name)) else {
            // Resources of an unknown provider are reported where they are used.
            continue;
        };
        // An aliased block configures an instance of its own.
        let alias = match block.body.attribute("alias") {
            None => None,
            Some(a) => match strata_lang::config::literal_string(&a.expr) {
                Some(alias) if !alias.is_empty() => Some((alias, a.expr.span)),
                _ => {
                    diagnostics.push(Diagnostic::error(
                        strata_types::codes::INVALID_PROVIDER_ALIAS,
                        "Invalid provider alias",
                        "alias must be a literal name, such as alias = \"west\".",
                        a.expr.span,
                    ));
                    continue;
                }
            },
        };
        let target = match &alias {
            None => provider.clone(),
            Some((alias, span)) => {
                if !aliases.insert(format!("{name}.{alias}")) {
                    diagnostics.push(Diagnostic::error(
                        strata_types::codes::DUPLICATE_PROVIDER_CONFIGURATION,
                        "Duplicate provider configuration",
                        format!("provider \"{name}\" with alias \"{alias}\" is configured twice."),
                        *span,
                    ));
                    continue;
                }
                match provider.new_instance() {
                    Some(instance) => {
                        registry.set_alias(name, alias, instance.clone());
                        instance
                    }
                    // Providers without configuration share one instance.
                    None => {
                        registry.set_alias(name, alias, provider.clone());
                        continue;
                    }
                }
            }
        };
        if alias.is_none() && !configured.insert(name.to_string()) {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::DUPLICATE_PROVIDER_CONFIGURATION,
                "Duplicate provider configuration",
                format!("A default (unaliased) configuration for provider \"{name}\" was already given; a provider has one default configuration."),
                label.span,
            ));
            continue;
        }
        let mut body = block.body.clone();
        body.attributes
            .retain(|a| !PROVIDER_META.contains(&a.name.as_str()));
        match body_to_config(
            &ctx,
            &body,
            &schema.provider,
            &stack.evaluated.variables,
            &BodyScope::default(),
        ) {
            Ok(config) => {
                let configuring = target.configure(&config);
                let what = || format!("provider \"{name}\": Still configuring...");
                if let Err(e) =
                    crate::context::waits::reporting(configuring, what, stack.on_wait).await
                {
                    diagnostics.push(Diagnostic::error(
                        strata_types::codes::INVALID_PROVIDER_CONFIGURATION,
                        "Invalid provider configuration",
                        format!("provider \"{name}\": {e}"),
                        label.span,
                    ));
                }
            }
            Err(ds) => diagnostics.extend(ds),
        }
    }
    let used = used_providers(stack);
    for name in registry.names() {
        if configured.contains(name) {
            continue;
        }
        let (Some(provider), Some(schema)) = (registry.get(name), registry.schema(name)) else {
            continue;
        };
        // A plugin no resource uses is not started, as Terraform leaves
        // out of its graph a provider nothing depends on (its functions
        // need no configuration).
        if provider.plugin_source().is_some() && !used.contains(name) {
            continue;
        }
        let empty = null_object(&schema.provider);
        let configuring = provider.configure(&empty);
        let what = || format!("provider \"{name}\": Still configuring...");
        if let Err(e) = crate::context::waits::reporting(configuring, what, stack.on_wait).await {
            diagnostics.push(Diagnostic::global(
                strata_types::codes::INVALID_PROVIDER_CONFIGURATION,
                "Invalid provider configuration",
                format!("provider \"{name}\" (configured from the environment): {e}"),
            ));
        }
    }
    diagnostics
}

/// The providers the stack's resources and data sources (in every
/// module) belong to, by name.
fn used_providers(stack: &Stack<'_>) -> BTreeSet<String> {
    stack
        .loaded
        .configs()
        .into_iter()
        .flat_map(|c| &c.resources)
        .filter_map(|r| stack.registry.for_resource_type(&r.type_name))
        .map(|p| p.name().to_string())
        .collect()
}
