//! `strata providers`: the providers Strata has and what the stack uses.

use super::*;

/// Where a provider comes from: `builtin/aws`, or the plugin's source and
/// version (`registry.terraform.io/hashicorp/aws 3.39.0`).
fn origin(registry: &strata_provider::Registry, name: &str) -> String {
    match registry.get(name).and_then(|p| p.plugin_source()) {
        Some((source, version)) => format!("{source} {version}"),
        None => format!("builtin/{name}"),
    }
}

/// The providers the stack's resources use, with their types.
pub fn providers_command(json: bool, style: &Style) -> ExitCode {
    let loaded = match crate::environment::load(&crate::args::VarArgs::default(), false) {
        Ok(l) => l,
        Err(d) => return global_failure(d, style),
    };
    let registry = &loaded.registry;
    let mut used: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let mut missing = Vec::new();
    // Every module's resources, the root's and its calls'.
    for r in loaded.stack.configs().iter().flat_map(|c| &c.resources) {
        match registry.for_resource_type(&r.type_name) {
            Some(p) => {
                used.entry(p.name().to_string())
                    .or_default()
                    .insert(r.type_name.clone());
            }
            None => missing.push(r.type_name.clone()),
        }
    }
    missing.sort();
    missing.dedup();
    // What `required_providers` asks for, by provider name: the
    // combined constraint (a provider required and not used is listed too).
    let (requirements, _) = strata_lang::requirements::requirements(&loaded.stack);
    let constraints: std::collections::BTreeMap<String, String> = requirements
        .iter()
        .map(|(source, r)| {
            (
                source.type_name.clone(),
                r.constraint
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    for name in constraints.keys() {
        used.entry(name.clone()).or_default();
    }
    if json {
        let out: serde_json::Map<String, serde_json::Value> = used
            .iter()
            .map(|(name, types)| {
                let schema = registry.schema(name);
                let types: serde_json::Map<String, serde_json::Value> = types
                    .iter()
                    .map(|t| {
                        let attrs = schema
                            .and_then(|s| s.resources.get(t).or_else(|| s.data_sources.get(t)))
                            .map(|s| {
                                s.attributes
                                    .iter()
                                    .map(|(k, a)| {
                                        (k.clone(), serde_json::json!({
                                            "type": strata_types::json::type_to_json(&a.ty),
                                            "required": a.required, "optional": a.optional, "computed": a.computed,
                                            "sensitive": a.sensitive, "force_new": a.force_new,
                                        }))
                                    })
                                    .collect::<serde_json::Map<_, _>>()
                            })
                            .unwrap_or_default();
                        (t.clone(), serde_json::Value::Object(attrs))
                    })
                    .collect();
                (name.clone(), serde_json::json!({ "source": origin(registry, name), "resource_schemas": types }))
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Object(out)).unwrap_or_default()
        );
    } else {
        println!("Providers required by configuration:");
        for (name, types) in &used {
            let constraint = constraints
                .get(name)
                .filter(|c| !c.is_empty())
                .map(|c| format!(" {c}"))
                .unwrap_or_default();
            let types = match types.is_empty() {
                true => String::new(),
                false => format!(
                    " ({})",
                    types.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            };
            println!(
                "└── provider[{}]{constraint}{types}",
                origin(registry, name)
            );
        }
    }
    std::mem::forget(loaded);
    if missing.is_empty() {
        ExitCode::SUCCESS
    } else {
        report(
            &[Diagnostic::global(
                strata_types::codes::UNKNOWN_RESOURCE_TYPE,
                "Unknown resource types",
                format!("No available provider offers: {}.", missing.join(", ")),
            )],
            &SourceMap::default(),
            style,
        );
        ExitCode::from(1)
    }
}

/// A schema block in Terraform's JSON schema format.
fn block_json(schema: &strata_provider::Schema) -> serde_json::Value {
    use serde_json::json;
    let attributes: serde_json::Map<String, serde_json::Value> = schema
        .attributes
        .iter()
        .map(|(name, a)| {
            let mut v = json!({
                "type": strata_types::json::type_to_json(&a.ty),
                "description_kind": "plain",
            });
            if !a.description.is_empty() {
                v["description"] = json!(a.description);
            }
            for (flag, set) in [
                ("required", a.required),
                ("optional", a.optional),
                ("computed", a.computed),
                ("sensitive", a.sensitive),
            ] {
                if set {
                    v[flag] = json!(true);
                }
            }
            (name.clone(), v)
        })
        .collect();
    let blocks: serde_json::Map<String, serde_json::Value> = schema
        .blocks
        .iter()
        .map(|(name, b)| {
            let mut v = json!({
                "nesting_mode": match b.nesting {
                    strata_provider::Nesting::Single => "single",
                    strata_provider::Nesting::List => "list",
                    strata_provider::Nesting::Set => "set",
                    strata_provider::Nesting::Group => "group",
                },
                "block": block_json(&b.schema),
            });
            if b.min_items > 0 {
                v["min_items"] = json!(b.min_items);
            }
            if let Some(max) = b.max_items {
                v["max_items"] = json!(max);
            }
            (name.clone(), v)
        })
        .collect();
    let mut out = json!({"description_kind": "plain"});
    if !attributes.is_empty() {
        out["attributes"] = serde_json::Value::Object(attributes);
    }
    if !blocks.is_empty() {
        out["block_types"] = serde_json::Value::Object(blocks);
    }
    if !schema.description.is_empty() {
        out["description"] = json!(schema.description);
    }
    out
}

/// `strata providers schema -json`: the schemas of the providers the
/// stack uses, in Terraform's format.
pub fn providers_schema_command(json: bool, style: &Style) -> ExitCode {
    use serde_json::json;
    if !json {
        return global_failure(
            Diagnostic::global(
                strata_types::codes::INVALID_VAR_OPTION,
                "The -json flag is required",
                "strata providers schema prints the schemas only as JSON: run strata providers schema -json.",
            ),
            style,
        );
    }
    let loaded = match crate::environment::load(&crate::args::VarArgs::default(), false) {
        Ok(l) => l,
        Err(d) => return global_failure(d, style),
    };
    let registry = &loaded.registry;
    let mut used: std::collections::BTreeSet<String> = loaded
        .stack
        .config
        .resources
        .iter()
        .filter_map(|r| {
            registry
                .for_resource_type(&r.type_name)
                .map(|p| p.name().to_string())
        })
        .collect();
    used.extend(
        loaded
            .stack
            .config
            .providers
            .iter()
            .filter_map(|b| b.labels.first().map(|l| l.value.clone()))
            .filter(|n| registry.get(n).is_some()),
    );
    let schemas: serde_json::Map<String, serde_json::Value> = used
        .iter()
        .filter_map(|name| {
            let schema = registry.schema(name)?;
            let mut provider = json!({"version": schema.provider.version});
            if !schema.provider.attributes.is_empty() || !schema.provider.blocks.is_empty() {
                provider["block"] = block_json(&schema.provider);
            }
            let kinds = |types: &std::collections::BTreeMap<String, strata_provider::Schema>| {
                types
                    .iter()
                    .map(|(t, s)| {
                        (
                            t.clone(),
                            json!({"version": s.version, "block": block_json(s)}),
                        )
                    })
                    .collect::<serde_json::Map<_, _>>()
            };
            let mut v = json!({"provider": provider, "resource_schemas": kinds(&schema.resources)});
            if !schema.data_sources.is_empty() {
                v["data_source_schemas"] = json!(kinds(&schema.data_sources));
            }
            // A plugin's own source (`local/workato`), else the implied one.
            let source = registry
                .get(name)
                .map(|p| strata_provider::source_of(p.as_ref()))
                .unwrap_or_else(|| strata_provider::default_source(name));
            Some((source, v))
        })
        .collect();
    println!(
        "{}",
        json!({"format_version": "1.0", "provider_schemas": schemas})
    );
    std::mem::forget(loaded);
    ExitCode::SUCCESS
}
