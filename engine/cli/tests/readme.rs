//! The README lists every resource type and data source the providers
//! built into Strata offer, as their schemas declare them
//! (`STRATA_UPDATE_SNAPSHOTS=1` rewrites the list).

use std::path::Path;

const START: &str = "<!-- built-in types: generated from the providers' schemas and checked by engine/cli/tests/readme.rs -->";
const END: &str = "<!-- /built-in types -->";

fn listing() -> String {
    let mut registry = strata_provider::Registry::default();
    strata_provider_builtin::register_all(&mut registry);
    registry.register(std::sync::Arc::new(
        strata_provider_aws::AwsProvider::default(),
    ));
    registry.register(std::sync::Arc::new(
        strata_provider_gpu::GpuProvider::default(),
    ));
    let mut out = String::from("| provider | resource types | data sources |\n|---|---|---|\n");
    let names: Vec<String> = registry.names().map(str::to_string).collect();
    for name in names {
        let schema = registry.schema(&name).expect("schema");
        let list = |types: Vec<&String>| {
            if types.is_empty() {
                "—".to_string()
            } else {
                types
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        out.push_str(&format!(
            "| `{name}` | {} | {} |\n",
            list(schema.resources.keys().collect()),
            list(schema.data_sources.keys().collect())
        ));
    }
    out
}

#[test]
fn readme_lists_every_built_in_type() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md has no {START} … {END} section");
    };
    let current = readme[start + START.len()..end].trim();
    let wanted = listing();
    if current != wanted.trim() {
        if std::env::var_os("STRATA_UPDATE_SNAPSHOTS").is_some() {
            let updated = format!(
                "{}{START}\n\n{}\n{}",
                &readme[..start],
                wanted,
                &readme[end..]
            );
            std::fs::write(&path, updated).expect("write README.md");
        } else {
            panic!("the README's list of built-in types is out of date (STRATA_UPDATE_SNAPSHOTS=1 rewrites it):\n--- README\n{current}\n--- providers\n{wanted}");
        }
    }
}
