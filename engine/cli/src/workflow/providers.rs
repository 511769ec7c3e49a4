//! `strata providers`: the providers Strata has and what the stack uses.

use super::*;

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
    for r in &loaded.stack.config.resources {
        match registry.for_resource_type(&r.type_name) {
            Some(p) => {
                used.entry(p.name().to_string())
                    .or_default()
                    .insert(r.type_name.clone());
            }
            None => missing.push(r.type_name.clone()),
        }
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
                (name.clone(), serde_json::json!({ "source": format!("builtin/{name}"), "resource_schemas": types }))
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Object(out)).unwrap_or_default()
        );
    } else {
        println!("Providers required by configuration:");
        for (name, types) in &used {
            println!(
                "└── provider[builtin/{name}] ({})",
                types.iter().cloned().collect::<Vec<_>>().join(", ")
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
