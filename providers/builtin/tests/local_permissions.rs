//! The `local` provider touches only what it makes: existing directories
//! keep their modes, new ones and the file get the configured mode less
//! the umask, and sensitive files are private by default.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use strata_provider::{ApplyRequest, PlanRequest, Provider};
use strata_types::Value;

fn sandbox(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-local-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// This process's umask, read back from a directory made with 0777.
fn umask(dir: &Path) -> u32 {
    let probe = dir.join("umask-probe");
    std::fs::DirBuilder::new().create(&probe).unwrap();
    let m = !mode(&probe) & 0o777;
    std::fs::remove_dir(&probe).unwrap();
    m
}

fn config(type_name: &str, filename: &Path, set: &[(&str, &str)]) -> Value {
    let provider = strata_provider_builtin::local::LocalProvider;
    let schema = provider.schema().resources.remove(type_name).expect("type");
    let mut value = strata_provider::null_object(&schema);
    value = strata_provider::with_attr(
        &value,
        "filename",
        Value::string(filename.to_string_lossy()),
    );
    value = strata_provider::with_attr(&value, "content", Value::string("secret: hunter2\n"));
    for (k, v) in set {
        value = strata_provider::with_attr(&value, k, Value::string(*v));
    }
    value
}

/// Plans and applies a create; the result of the provider's apply.
async fn create(type_name: &str, config: &Value) -> Result<Value, String> {
    let provider = strata_provider_builtin::local::LocalProvider;
    let errors = provider.validate_resource(type_name, config);
    if let Some(e) = errors.first() {
        return Err(e.to_string());
    }
    let null = Value::dynamic_null();
    let planned = provider
        .plan(PlanRequest {
            type_name,
            prior: &null,
            proposed: config,
            config,
        })
        .await
        .map_err(|e| e.to_string())?
        .planned;
    provider
        .apply(ApplyRequest {
            type_name,
            prior: &null,
            planned: &planned,
            config,
        })
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn existing_directories_keep_their_modes() {
    let dir = sandbox("existing");
    let private = dir.join("ssh");
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let shared = dir.join("tmp");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    create(
        "local_file",
        &config("local_file", &private.join("key"), &[]),
    )
    .await
    .unwrap();
    create("local_file", &config("local_file", &shared.join("x"), &[]))
        .await
        .unwrap();
    assert_eq!(mode(&private), 0o700, "an existing directory was chmodded");
    assert_eq!(mode(&shared), 0o1777, "the sticky bit was lost");
    // A write that fails changes no directory either.
    let blocked = private.join("sub");
    std::fs::write(&blocked, "a file where a directory would go").unwrap();
    let failed = create("local_file", &config("local_file", &blocked.join("f"), &[])).await;
    assert!(failed.is_err());
    assert_eq!(mode(&private), 0o700);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn new_directories_and_files_get_the_mode_less_the_umask() {
    let dir = sandbox("new");
    let mask = umask(&dir);
    let file = dir.join("a/b/config.yaml");
    create(
        "local_file",
        &config(
            "local_file",
            &file,
            &[
                ("file_permission", "0640"),
                ("directory_permission", "0750"),
            ],
        ),
    )
    .await
    .unwrap();
    assert_eq!(mode(&dir.join("a")), 0o750 & !mask);
    assert_eq!(mode(&dir.join("a/b")), 0o750 & !mask);
    assert_eq!(mode(&file), 0o640 & !mask);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sensitive_files_are_private_by_default() {
    let dir = sandbox("sensitive");
    let file = dir.join("secrets/token");
    create(
        "local_sensitive_file",
        &config("local_sensitive_file", &file, &[]),
    )
    .await
    .unwrap();
    assert_eq!(mode(&file) & 0o077, 0, "mode {:o}", mode(&file));
    assert_eq!(mode(&dir.join("secrets")) & 0o077, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_modes_and_names_are_refused_before_apply() {
    let dir = sandbox("refused");
    let provider = strata_provider_builtin::local::LocalProvider;
    for bad in ["4755", "7777", "999", "0o755", "-1", "77", "07777"] {
        let c = config("local_file", &dir.join("f"), &[("file_permission", bad)]);
        assert!(
            !provider.validate_resource("local_file", &c).is_empty(),
            "{bad} was accepted"
        );
    }
    for good in ["644", "0644", "0777", "0000"] {
        let c = config(
            "local_file",
            &dir.join("f"),
            &[("directory_permission", good)],
        );
        assert!(
            provider.validate_resource("local_file", &c).is_empty(),
            "{good} was refused"
        );
    }
    for name in ["", "/", ".", "out/"] {
        let c = config("local_file", Path::new(name), &[]);
        assert!(
            !provider.validate_resource("local_file", &c).is_empty(),
            "{name:?} was accepted"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
