//! The rules of ARCHITECTURE.md that a machine can check, checked on the
//! source tree: the crate graph points one way, diagnostic codes come
//! only from the registry, and library crates hold no process-global
//! mutable state.

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
    (
        "engine/core",
        "strata-core",
        &[
            "strata-types",
            "strata-lang",
            "strata-provider",
            "strata-state",
        ],
    ),
    (
        "providers/builtin",
        "strata-provider-builtin",
        &["strata-types", "strata-provider"],
    ),
    (
        "providers/aws",
        "strata-provider-aws",
        &["strata-types", "strata-provider", "strata-aws-client"],
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
            "strata-provider-builtin",
            "strata-provider-aws",
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
