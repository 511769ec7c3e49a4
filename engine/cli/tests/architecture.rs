//! The rules of ARCHITECTURE.md that a machine can check, checked on the
//! source tree: the crate graph points one way, diagnostic codes come
//! only from the registry, and library crates hold no process-global
//! mutable state; the core names no provider type or backend kind; no
//! circle of imports between the modules of a crate.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// (crate directory, package name, the workspace crates it may use).
const CRATES: &[(&str, &str, &[&str])] = &[
    ("engine/types", "strata-types", &[]),
    ("providers/aws-client", "strata-aws-client", &[]),
    ("providers/api", "strata-provider", &["strata-types"]),
    (
        "state",
        "strata-state",
        &["strata-types", "strata-aws-client"],
    ),
    ("engine/lang", "strata-lang", &["strata-types"]),
    ("engine/fetch", "strata-fetch", &["strata-aws-client"]),
    (
        "engine/core",
        "strata-core",
        &[
            "strata-types",
            "strata-lang",
            "strata-provider",
            "strata-state",
            "strata-fetch",
        ],
    ),
    (
        "providers/builtin",
        "strata-provider-builtin",
        &["strata-types", "strata-provider", "strata-lang"],
    ),
    (
        "providers/aws",
        "strata-provider-aws",
        &["strata-types", "strata-provider", "strata-aws-client"],
    ),
    (
        "providers/plugin",
        "strata-provider-plugin",
        &["strata-types", "strata-provider"],
    ),
    (
        "providers/gpu",
        "strata-provider-gpu",
        &[
            "strata-types",
            "strata-provider",
            "strata-aws-client",
            "strata-provider-aws",
        ],
    ),
    (
        "engine/cli",
        "strata-cli",
        &[
            "strata-types",
            "strata-aws-client",
            "strata-provider",
            "strata-state",
            "strata-lang",
            "strata-core",
            "strata-fetch",
            "strata-provider-builtin",
            "strata-provider-aws",
            "strata-provider-plugin",
            "strata-provider-gpu",
        ],
    ),
];

#[test]
fn crates_depend_only_in_the_documented_direction() {
    let workspace = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let mut failures = Vec::new();
    for (dir, name, allowed) in CRATES {
        assert!(
            workspace.contains(&format!("\"{dir}\"")),
            "{dir} is not a workspace member"
        );
        let manifest =
            std::fs::read_to_string(root().join(dir).join("Cargo.toml")).expect("manifest");
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{dir} is not {name}"
        );
        let mut section = "";
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line;
                continue;
            }
            if section != "[dependencies]" {
                continue;
            }
            if let Some(dep) = line
                .split(['.', ' ', '='])
                .next()
                .filter(|d| d.starts_with("strata-"))
            {
                if !allowed.contains(&dep) {
                    failures.push(format!(
                        "{name} depends on {dep}, which ARCHITECTURE.md does not allow"
                    ));
                }
            }
        }
    }
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    for (_, name, _) in CRATES {
        if !doc.contains(name) {
            failures.push(format!("ARCHITECTURE.md does not describe {name}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn diagnostic_codes_come_only_from_the_registry() {
    let code = regex::Regex::new(r#""E[0-9]{3}""#).expect("regex");
    let registry = root().join("engine/types/src/codes.rs");
    let mut failures = Vec::new();
    for (dir, _, _) in CRATES {
        for file in rust_files(&root().join(dir).join("src")) {
            if file == registry {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("source");
            for (n, line) in text.lines().enumerate() {
                if code.is_match(line) {
                    failures.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "diagnostic codes written out instead of taken from strata_types::codes:\n{}",
        failures.join("\n")
    );
}

#[test]
fn library_crates_hold_no_process_global_mutable_state() {
    let global = regex::Regex::new(
        r"thread_local!|static mut |static [A-Z_]+\s*:\s*[^=]*(Mutex|RwLock|Atomic|Cell|RefCell)",
    )
    .expect("regex");
    let mut failures = Vec::new();
    for (dir, name, _) in CRATES {
        if *name == "strata-cli" {
            continue;
        }
        for file in rust_files(&root().join(dir).join("src")) {
            let text = std::fs::read_to_string(&file).expect("source");
            for (n, line) in text.lines().enumerate() {
                if global.is_match(line) {
                    failures.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The engine core is generic over providers and state backends: no
/// resource or data source type any provider offers, no provider name
/// (other than the language's own `terraform` and `local` roots) and no
/// backend kind is written as a string in `engine/core/src`.
#[test]
fn core_names_no_provider_type_or_backend_kind() {
    let mut registry = strata_provider::Registry::default();
    strata_provider_builtin::register_all(&mut registry);
    registry.register(std::sync::Arc::new(
        strata_provider_aws::AwsProvider::default(),
    ));
    registry.register(std::sync::Arc::new(
        strata_provider_gpu::GpuProvider::default(),
    ));
    let mut names: Vec<String> = vec!["s3".into(), "pg".into(), "postgres".into()];
    let providers: Vec<String> = registry.names().map(str::to_string).collect();
    for provider in &providers {
        let schema = registry.schema(provider).expect("schema");
        names.extend(schema.resources.keys().cloned());
        names.extend(schema.data_sources.keys().cloned());
        if !["terraform", "local"].contains(&provider.as_str()) {
            names.push(provider.clone());
        }
    }
    assert!(
        names.iter().any(|n| n == "aws_instance"),
        "the AWS types are listed"
    );
    let mut failures = Vec::new();
    for file in rust_files(&root().join("engine/core/src")) {
        let text = std::fs::read_to_string(&file).expect("source");
        for (n, line) in text.lines().enumerate() {
            for name in &names {
                if line.contains(&format!("\"{name}\"")) {
                    failures.push(format!("{}:{}: {name}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "the core names what providers or backends own (ask the provider through its trait instead):\n{}",
        failures.join("\n")
    );
}

/// The top-level modules of `src` (files and directories), each with the
/// text of its files outside comments and test modules.
fn modules(src: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).expect("under src");
        let top = relative
            .components()
            .next()
            .expect("a component")
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source");
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        let entry: &mut String = out.entry(top).or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            entry.push_str(line);
            entry.push('\n');
        }
    }
    out
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn find_cycle(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in &graph[node] {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// Inside each crate, the top-level modules use each other one way: no
/// circle of `crate::` paths (a module may use its own submodules freely).
#[test]
fn no_import_circle_inside_a_crate() {
    let path = regex::Regex::new(r"crate::(\w+)|use crate::\{([^}]*)\}").expect("regex");
    let word = regex::Regex::new(r"\w+").expect("regex");
    let mut failures = Vec::new();
    for (dir, name, _) in CRATES {
        let modules = modules(&root().join(dir).join("src"));
        let mut graph = std::collections::BTreeMap::new();
        for (module, code) in &modules {
            let mut uses = std::collections::BTreeSet::new();
            for c in path.captures_iter(code) {
                let named: Vec<&str> = match (c.get(1), c.get(2)) {
                    (Some(one), _) => vec![one.as_str()],
                    (_, Some(group)) => {
                        word.find_iter(group.as_str()).map(|m| m.as_str()).collect()
                    }
                    _ => Vec::new(),
                };
                for n in named {
                    if n != module && modules.contains_key(n) {
                        uses.insert(n.to_string());
                    }
                }
            }
            graph.insert(module.clone(), uses);
        }
        if let Some(cycle) = find_cycle(&graph) {
            failures.push(format!("{name}: {}", cycle.join(" -> ")));
        }
    }
    assert!(
        failures.is_empty(),
        "import circles:\n{}",
        failures.join("\n")
    );
}
