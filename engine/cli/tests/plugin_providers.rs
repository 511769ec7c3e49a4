//! Terraform provider plugins, run by Strata and by Terraform 1.11 with the
//! same binary (`hashicorp/aws` 3.39.0, and 2.70.0, from the mirror
//! `.ci/plugins` lays out, STRATA_TEST_PLUGINS) against moto
//! (STRATA_TEST_S3): both install
//! it and write the same lock file; both apply the ML stack in
//! `tests/plugin_stack`, plan no change on it, plan the same actions and
//! replace paths for step 2, apply it, plan no change again, and destroy;
//! the states hold the same attributes. Then what goes wrong: no mirror,
//! no version the constraint allows, a lock file whose hash the package
//! does not match, a binary that is not a plugin.

mod common;

use common::plugins::{cli_config, mirror, with, Tool, PRIVATE};
use common::Sandbox;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Attributes whose values are the same for the two tools' objects: set
/// from configuration, not ids or timestamps moto makes up.
const COMPARED: &[&str] = &[
    PRIVATE,
    "cidr_block",
    "availability_zone",
    "tags",
    "name",
    "description",
    "bucket",
    "key",
    "content",
    "force_destroy",
    "instance_type",
    "image_id",
    "ami",
    "min_size",
    "max_size",
    "desired_capacity",
    "ingress",
    "egress",
    "assume_role_policy",
];

fn vars<'a>(endpoint: &'a str, prefix: &'a str, step: &'a str) -> Vec<String> {
    vec![
        "-var".into(),
        format!("endpoint={endpoint}"),
        "-var".into(),
        format!("prefix={prefix}"),
        "-var".into(),
        format!("step={step}"),
    ]
}

#[test]
fn strata_and_terraform_run_the_same_aws_binary_alike() {
    run_alike("3.39.0");
}

/// The older binary: its SDK (v1) is the legacy type system, and it
/// speaks protocol 5 because Strata offers 5 and 6 (it would speak
/// netrpc, protocol 4, otherwise). Its auto scaling group sends an empty
/// subnet id that moto refuses, with Terraform as with Strata, so that
/// resource is left out.
#[test]
fn strata_and_terraform_run_the_older_aws_binary_alike() {
    run_alike("2.70.0");
}

/// The ML stack through `hashicorp/aws` `version`, by both tools, step by
/// step, compared; then destroyed.
fn run_alike(version: &str) {
    let endpoint = common::moto_endpoint();
    let mirror = mirror();
    let mut stack = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugin_stack/main.tf"),
    )
    .unwrap()
    .replace("version = \"3.39.0\"", &format!("version = \"{version}\""));
    let with_asg = version != "2.70.0";
    if !with_asg {
        let start = stack
            .find("resource \"aws_autoscaling_group\"")
            .expect("the stack's auto scaling group");
        let end = start + stack[start..].find("\n}\n").expect("its end") + 3;
        stack.replace_range(start..end, "");
    }
    let tag = version.replace('.', "");
    let sandbox = Sandbox::new(&format!("plugins-strata-{tag}"));
    sandbox.write("main.tf", &stack);
    let strata = Tool {
        strata: Some(&sandbox),
        dir: sandbox.dir.clone(),
        config: cli_config(&sandbox.dir, &mirror),
    };
    let tf_dir = std::env::temp_dir().join(format!(
        "strata-cli-plugins-terraform-{tag}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tf_dir);
    std::fs::create_dir_all(&tf_dir).unwrap();
    std::fs::write(tf_dir.join("main.tf"), &stack).unwrap();
    let terraform = Tool {
        strata: None,
        config: cli_config(&tf_dir, &mirror),
        dir: tf_dir.clone(),
    };
    let id = std::process::id();
    let (sp, tp) = (format!("pls{id}v{tag}"), format!("plt{id}v{tag}"));

    strata.ok(&["init"]);
    terraform.ok(&["init", "-no-color"]);
    assert_eq!(
        std::fs::read_to_string(sandbox.dir.join(".terraform.lock.hcl")).unwrap(),
        std::fs::read_to_string(tf_dir.join(".terraform.lock.hcl")).unwrap(),
        "the two lock files differ"
    );
    let shown = strata.ok(&["providers"]);
    assert!(
        shown.contains(&format!(
            "provider[registry.terraform.io/hashicorp/aws {version}]"
        )),
        "{shown}"
    );

    for (step, expect_changes) in [("1", true), ("2", true)] {
        let (sv, tv) = (vars(&endpoint, &sp, step), vars(&endpoint, &tp, step));
        strata.ok(&with(&["plan", "-out=step.plan"], &sv));
        terraform.ok(&with(&["plan", "-no-color", "-out=step.plan"], &tv));
        let (s_plan, t_plan) = (strata.planned("step.plan"), terraform.planned("step.plan"));
        assert_eq!(s_plan, t_plan, "step {step}: the planned actions differ");
        assert_eq!(
            s_plan
                .values()
                .any(|(a, _)| a != &serde_json::json!(["no-op"])),
            expect_changes
        );
        strata.ok(&["apply", "step.plan"]);
        terraform.ok(&["apply", "-no-color", "step.plan"]);
        let s_again = strata.ok(&with(&["plan", "-detailed-exitcode"], &sv));
        assert!(s_again.contains("No changes."), "{s_again}");
        let t_again = terraform.ok(&with(&["plan", "-no-color", "-detailed-exitcode"], &tv));
        assert!(t_again.contains("No changes."), "{t_again}");
        let s_state = strata.state_attributes("strata.tfstate", &sp);
        let t_state = terraform.state_attributes("terraform.tfstate", &tp);
        assert_eq!(
            s_state.keys().collect::<Vec<_>>(),
            t_state.keys().collect::<Vec<_>>(),
            "step {step}: the states hold different instances"
        );
        // The SDK's timeouts travel in the private data, plan to apply to
        // state, as in Terraform (create = "7m", in nanoseconds).
        let private = &s_state["aws_instance.worker[0]"][PRIVATE];
        assert_eq!(
            private["e2bfb730-ecaa-11e6-8f88-34363bc7c4c0"]["create"],
            serde_json::json!(420_000_000_000u64),
            "step {step}: {private}"
        );
        for (address, s_attrs) in &s_state {
            let t_attrs = &t_state[address];
            assert_eq!(
                s_attrs.keys().collect::<Vec<_>>(),
                t_attrs.keys().collect::<Vec<_>>(),
                "step {step}: {address} has different attributes"
            );
            for name in COMPARED {
                assert_eq!(
                    s_attrs.get(*name),
                    t_attrs.get(*name),
                    "step {step}: {address}.{name} differs"
                );
            }
        }
    }
    let step2 = planned_replace(&strata);
    assert!(step2, "step 2 replaces the security group");
    // `state show` lays each object out as Terraform does: the same
    // attributes and nested blocks in the same order (values differ:
    // moto makes the ids).
    let layout = |out: &str| -> Vec<String> {
        out.lines()
            .filter_map(|l| match l.split_once(" = ") {
                Some((k, _)) => Some(k.trim_end().to_string()),
                None if l.trim_end().ends_with('{') && !l.contains('=') => {
                    Some(l.trim_end().to_string())
                }
                None => None,
            })
            .collect()
    };
    for address in strata.state_attributes("strata.tfstate", &sp).keys() {
        let ours = strata.ok(&["state", "show", address]);
        let theirs = terraform.ok(&["state", "show", "-no-color", address]);
        assert_eq!(
            layout(&ours),
            layout(&theirs),
            "{address}: state show\n{ours}\n{theirs}"
        );
    }

    strata.ok(&with(
        &["destroy", "-auto-approve"],
        &vars(&endpoint, &sp, "2"),
    ));
    terraform.ok(&with(
        &["destroy", "-auto-approve", "-no-color"],
        &vars(&endpoint, &tp, "2"),
    ));
    let left = strata.state_attributes("strata.tfstate", &sp);
    assert!(left.is_empty(), "left in state: {:?}", left.keys());
    let _ = std::fs::remove_dir_all(&tf_dir);
}

/// Whether the last saved plan replaced the security group for its
/// description, as Terraform does.
fn planned_replace(strata: &Tool<'_>) -> bool {
    strata
        .planned("step.plan")
        .get("aws_security_group.nodes")
        .is_some_and(|(actions, paths)| {
            actions == &serde_json::json!(["delete", "create"])
                && paths == &serde_json::json!([["description"]])
        })
}

fn bad_input(name: &str, main_tf: &str, mirror: &Path) -> (Sandbox, PathBuf) {
    let sandbox = Sandbox::new(name);
    sandbox.write("main.tf", main_tf);
    let config = cli_config(&sandbox.dir, mirror);
    (sandbox, config)
}

const PINNED: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "3.39.0" }
  }
}
"#;

#[test]
fn installation_problems_are_clear_errors() {
    let mirror = mirror();
    let empty = std::env::temp_dir().join(format!("strata-empty-mirror-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let init = |sandbox: &Sandbox, config: &Path| {
        sandbox.run_with(
            &["init"],
            "",
            &[("TF_CLI_CONFIG_FILE", &config.display().to_string())],
        )
    };

    // A provider no method offers and Strata does not have.
    let (s, c) = bad_input(
        "plugins-missing",
        "terraform {\n  required_providers {\n    acme = { source = \"example.com/acme/acme\" }\n  }\n}\n",
        &empty,
    );
    let (code, out) = init(&s, &c);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("E721") && out.contains("example.com/acme/acme"),
        "{out}"
    );

    // A constraint nothing in the mirror satisfies.
    let (s, c) = bad_input(
        "plugins-constraint",
        "terraform {\n  required_providers {\n    workato = { source = \"local/workato\", version = \"~> 1.0\" }\n  }\n}\n",
        &mirror,
    );
    let (code, out) = init(&s, &c);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("E722") && out.contains("available: 0.16.0"),
        "{out}"
    );

    // A lock file that records another hash for the version.
    let (s, c) = bad_input("plugins-hash", PINNED, &mirror);
    s.write(
        ".terraform.lock.hcl",
        "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"3.39.0\"\n  hashes = [\n    \"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\n  ]\n}\n",
    );
    let (code, out) = init(&s, &c);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("E723") && out.contains("does not match"),
        "{out}"
    );
    assert!(
        !s.dir
            .join(".terraform/providers/registry.terraform.io/hashicorp/aws/3.39.0")
            .exists(),
        "nothing is installed from a package that fails its hash"
    );

    // A binary that is not a plugin, in an unpacked mirror.
    let fake = std::env::temp_dir().join(format!("strata-fake-mirror-{}", std::process::id()));
    let package = fake
        .join("registry.terraform.io/acme/fake/1.0.0")
        .join(strata_fetch::providers::target());
    std::fs::create_dir_all(&package).unwrap();
    let exe = package.join("terraform-provider-fake_v1.0.0");
    std::fs::write(&exe, "#!/bin/sh\necho 'I am not a plugin'\nexit 3\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (s, c) = bad_input(
        "plugins-fake",
        "terraform {\n  required_providers {\n    fake = { source = \"acme/fake\" }\n  }\n}\n",
        &fake,
    );
    let (code, out) = init(&s, &c);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("E726")
            && out.contains("registry.terraform.io/acme/fake")
            && out.contains("not a Terraform provider plugin"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&fake);
    let _ = std::fs::remove_dir_all(&empty);
}

/// Strata's built-in `aws_iam_policy_document` and `aws_partition` write
/// what the `hashicorp/aws` binary writes for the same configuration
/// (Terraform runs the plugin; Strata, with no mirror configured, its
/// built-in provider).
#[test]
fn policy_documents_match_the_aws_provider() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy_documents");
    let sandbox = Sandbox::new("policy-documents");
    common::copy_tree(&fixture, &sandbox.dir.join("terraform"));
    common::copy_tree(&fixture, &sandbox.dir.join("strata"));
    let config = cli_config(&sandbox.dir, &mirror());
    let terraform = |args: &[&str]| {
        let out = Command::new(common::terraform())
            .args(args)
            .current_dir(sandbox.dir.join("terraform"))
            .env("TF_CLI_CONFIG_FILE", &config)
            .env("TF_IN_AUTOMATION", "1")
            .output()
            .expect("terraform");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    terraform(&["init", "-input=false"]);
    terraform(&["apply", "-input=false", "-auto-approve"]);
    let theirs: Json = serde_json::from_str(&terraform(&["output", "-json"])).unwrap();
    let strata = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .current_dir(sandbox.dir.join("strata"))
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("NO_COLOR", "1")
            .output()
            .expect("strata");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let providers = strata(&["providers"]);
    assert!(
        !providers.contains("3.39.0 (plugin"),
        "the built-in answers: {providers}"
    );
    strata(&["apply", "-auto-approve"]);
    let ours: Json = serde_json::from_str(&strata(&["output", "-json"])).unwrap();
    let names: Vec<&String> = theirs.as_object().unwrap().keys().collect();
    assert_eq!(names.len(), 5);
    for name in names {
        assert_eq!(
            ours[name]["value"],
            theirs[name]["value"],
            "output {name}:\n--- terraform\n{}\n--- strata\n{}",
            theirs[name]["value"].as_str().unwrap_or_default(),
            ours[name]["value"].as_str().unwrap_or_default()
        );
    }
}

/// A provider network mirror on loopback (Terraform's protocol:
/// `index.json`, `VERSION.json` with the archive and its hashes): `init`
/// downloads the package, checks it against the mirror's hash, installs
/// it and locks the hashes Terraform would; a mirror whose hash the
/// package does not match is refused and leaves nothing behind.
#[test]
fn packages_install_from_a_network_mirror() {
    let zip = mirror()
        .join("registry.terraform.io/hashicorp/aws")
        .join(format!(
            "terraform-provider-aws_3.39.0_{}.zip",
            strata_fetch::providers::target()
        ));
    let bytes = std::fs::read(&zip).expect("the mirror's aws 3.39.0 zip");
    let zh = strata_fetch::providers::hash_zip_file(&zip).unwrap();
    let h1 = strata_fetch::providers::hash_zip(&zip).unwrap();
    let serve = |hash: String| {
        let bytes = bytes.clone();
        common::Server::start(move |_| {
            let base = "/registry.terraform.io/hashicorp/aws";
            let archive = format!(
                "terraform-provider-aws_3.39.0_{}.zip",
                strata_fetch::providers::target()
            );
            let version = serde_json::json!({"archives": {
                strata_fetch::providers::target(): {"url": archive, "hashes": [hash]}
            }});
            let mut routes = common::Routes::new();
            routes.insert(
                format!("{base}/index.json"),
                common::ok(br#"{"versions": {"3.39.0": {}}}"#.to_vec()),
            );
            routes.insert(
                format!("{base}/3.39.0.json"),
                common::ok(version.to_string().into_bytes()),
            );
            routes.insert(format!("{base}/{archive}"), common::ok(bytes.clone()));
            routes
        })
    };
    let init = |name: &str, server: &common::Server| {
        let sandbox = Sandbox::new(name);
        sandbox.write(
            "main.tf",
            &format!("{PINNED}\nresource \"aws_s3_bucket\" \"datasets\" {{}}\n"),
        );
        let config = sandbox.dir.join("cli.tfrc");
        std::fs::write(
            &config,
            format!(
                "provider_installation {{\n  network_mirror {{\n    url = \"http://127.0.0.1:{}/\"\n  }}\n}}\n",
                server.port
            ),
        )
        .unwrap();
        let (code, out) = sandbox.run_with(
            &["init"],
            "",
            &[("TF_CLI_CONFIG_FILE", &config.display().to_string())],
        );
        (sandbox, code, out)
    };
    let installed = "registry.terraform.io/hashicorp/aws/3.39.0";

    let good = serve(zh.clone());
    let (sandbox, code, out) = init("plugins-network-mirror", &good);
    assert_eq!(code, 0, "{out}");
    let lock = std::fs::read_to_string(sandbox.dir.join(".terraform.lock.hcl")).unwrap();
    assert!(lock.contains(&h1), "the lock file records h1: {lock}");
    assert!(
        sandbox
            .dir
            .join(".terraform/providers")
            .join(installed)
            .join(strata_fetch::providers::target())
            .is_dir(),
        "{out}"
    );
    // The installed binary runs: it gives its schema.
    let (code, out) = sandbox.run_with(
        &["providers", "schema", "-json"],
        "",
        &[("TF_CLI_CONFIG_FILE", "/dev/null")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"aws_launch_template\""), "{out}");

    let bad = serve(format!("zh:{}", "0".repeat(64)));
    let (sandbox, code, out) = init("plugins-network-mirror-bad", &bad);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("matches none of the hashes"), "{out}");
    let providers = sandbox.dir.join(".terraform/providers");
    assert!(!providers.join(installed).exists(), "{out}");
    let leftovers = scratch_files(&providers);
    assert!(
        leftovers.is_empty(),
        "nothing is left behind: {leftovers:?}"
    );
}

/// Hidden scratch files or directories (downloads, unpacking) in `dir`.
fn scratch_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

/// The provider registry protocol, served on loopback: discovery,
/// versions, the download document, `SHA256SUMS` and its signature
/// (made with the key in `tests/plugin_registry/key.asc`, over the sha256
/// of the real aws 3.39.0 zip). A package is installed only when the
/// signature, the sums and the bytes all agree; otherwise nothing is left.
#[test]
fn packages_install_from_their_registry_with_signed_checksums() {
    let target = strata_fetch::providers::target();
    let zip = mirror()
        .join("registry.terraform.io/hashicorp/aws")
        .join(format!("terraform-provider-aws_3.39.0_{target}.zip"));
    let bytes = std::fs::read(&zip).expect("the mirror's aws 3.39.0 zip");
    let h1 = strata_fetch::providers::hash_zip(&zip).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugin_registry");
    let sums = std::fs::read(fixtures.join("SHA256SUMS")).unwrap();
    let signature = std::fs::read(fixtures.join("SHA256SUMS.sig")).unwrap();
    let key = std::fs::read_to_string(fixtures.join("key.asc")).unwrap();
    let other_key = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fetch/tests/openpgp/other.asc"),
    )
    .unwrap();
    // What a registry serves, with one part changed by `spoil`.
    let serve = |spoil: &'static str| {
        let (bytes, mut sums, signature) = (bytes.clone(), sums.clone(), signature.clone());
        let key = if spoil == "key" {
            other_key.clone()
        } else {
            key.clone()
        };
        let zip_bytes = if spoil == "zip" {
            let mut b = bytes.clone();
            let last = b.len() - 1;
            b[last] ^= 1;
            b
        } else {
            bytes
        };
        if spoil == "sums" {
            sums[0] = if sums[0] == b'0' { b'1' } else { b'0' };
        }
        let target = target.clone();
        common::Server::start(move |_| {
            let (os, arch) = target.split_once('_').unwrap();
            let filename = format!("terraform-provider-aws_3.39.0_{target}.zip");
            let base = "/v1/providers/hashicorp/aws";
            let mut routes = common::Routes::new();
            routes.insert(
                "/.well-known/terraform.json".into(),
                common::ok(br#"{"providers.v1": "/v1/providers/"}"#.to_vec()),
            );
            routes.insert(
                format!("{base}/versions"),
                common::ok(
                    serde_json::json!({"versions": [
                        {"version": "3.39.0", "protocols": ["5.0"], "platforms": [{"os": os, "arch": arch}]},
                        {"version": "3.40.0", "protocols": ["5.0"], "platforms": [{"os": "darwin", "arch": "arm64"}]},
                        {"version": "9.0.0", "protocols": ["4.0"], "platforms": [{"os": os, "arch": arch}]},
                    ]})
                    .to_string()
                    .into_bytes(),
                ),
            );
            routes.insert(
                format!("{base}/3.39.0/download/{os}/{arch}"),
                common::ok(
                    serde_json::json!({
                        "protocols": ["5.0"], "os": os, "arch": arch, "filename": filename,
                        "download_url": format!("/files/{filename}"),
                        "shasums_url": "/files/SHA256SUMS",
                        "shasums_signature_url": "/files/SHA256SUMS.sig",
                        "shasum": "4b75e0a259b56d97e66b7d69f3f25bd4cc7be2440c0fe35529f46de7d40a49d3",
                        "signing_keys": {"gpg_public_keys": [{"key_id": "324367DD1058C40C", "ascii_armor": key}]},
                    })
                    .to_string()
                    .into_bytes(),
                ),
            );
            routes.insert(format!("/files/{filename}"), common::ok(zip_bytes.clone()));
            routes.insert("/files/SHA256SUMS".into(), common::ok(sums.clone()));
            routes.insert(
                "/files/SHA256SUMS.sig".into(),
                common::ok(signature.clone()),
            );
            routes
        })
    };
    let init = |name: &str, server: &common::Server| {
        let sandbox = Sandbox::new(name);
        let host = format!("127.0.0.1:{}", server.port);
        sandbox.write(
            "main.tf",
            &format!("terraform {{\n  required_providers {{\n    aws = {{ source = \"{host}/hashicorp/aws\", version = \"~> 3.39\" }}\n  }}\n}}\nresource \"aws_s3_bucket\" \"datasets\" {{}}\n"),
        );
        let config = sandbox.dir.join("cli.tfrc");
        std::fs::write(
            &config,
            format!("provider_installation {{\n  direct {{}}\n}}\ncredentials \"{host}\" {{\n  token = \"s3cret\"\n}}\n"),
        )
        .unwrap();
        let (code, out) = sandbox.run_with(
            &["init"],
            "",
            &[("TF_CLI_CONFIG_FILE", &config.display().to_string())],
        );
        let installed = sandbox
            .dir
            .join(".terraform/providers")
            .join(&host)
            .join("hashicorp/aws/3.39.0");
        (sandbox, code, out, installed)
    };

    let good = serve("");
    let (sandbox, code, out, installed) = init("plugins-registry", &good);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("v3.39.0 (signed, key ID 324367DD1058C40C"),
        "{out}"
    );
    assert!(installed.join(&target).is_dir(), "{out}");
    // The registry's token goes to its API only, not to the files.
    let seen = good.seen.lock().unwrap().clone();
    assert!(
        seen.iter().any(|(p, _)| p.starts_with("/files/")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .filter(|(p, _)| p.starts_with("/files/"))
            .all(|(_, auth)| auth.is_none()),
        "{seen:?}"
    );
    let lock = std::fs::read_to_string(sandbox.dir.join(".terraform.lock.hcl")).unwrap();
    assert!(lock.contains(&h1), "the lock file records h1: {lock}");
    // Every platform the signed sums list, as Terraform records them.
    for zh in [
        "zh:4b75e0a259b56d97e66b7d69f3f25bd4cc7be2440c0fe35529f46de7d40a49d3",
        "zh:6f1e3c0a8f1f2b6d8f3f0c1a1e7d4b2c9a0e5d6c7b8a9f0e1d2c3b4a5f6e7d8c",
    ] {
        assert!(lock.contains(zh), "the lock file records {zh}: {lock}");
    }
    let (code, out) = sandbox.run_with(
        &["providers", "schema", "-json"],
        "",
        &[("TF_CLI_CONFIG_FILE", "/dev/null")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"aws_launch_template\""), "{out}");

    for (spoil, expected) in [
        ("key", "not among the keys given"),
        ("sums", "does not match the data"),
        ("zip", "its SHA-256 is"),
    ] {
        let server = serve(spoil);
        let (sandbox, code, out, installed) = init(&format!("plugins-registry-{spoil}"), &server);
        assert_eq!(code, 1, "{spoil}: {out}");
        assert!(
            out.contains("is not authentic") && out.contains(expected),
            "{spoil}: {out}"
        );
        assert!(!installed.exists(), "{spoil}: {out}");
        assert!(!sandbox.dir.join(".terraform.lock.hcl").exists(), "{spoil}");
        let leftovers = scratch_files(&sandbox.dir.join(".terraform/providers"));
        assert!(leftovers.is_empty(), "{spoil}: left behind {leftovers:?}");
    }
}

/// Provider-defined functions of the real workato 0.16.0 (protocol 6),
/// called from outputs, locals and `for` expressions: Strata's outputs
/// equal Terraform's, and a function's own error is reported as
/// Terraform reports it, at the call.
#[test]
fn provider_functions_answer_as_in_terraform() {
    let mirror = mirror();
    let stack = r#"
terraform {
  required_providers {
    workato = { source = "local/workato", version = "0.16.0" }
  }
}

locals {
  refs = ["Connections/con_gitlab.connection.json", "MCP/create_issue.recipe.json"]
}

output "ids" {
  value = [for r in local.refs : provider::workato::asset_id(r)]
}

output "resolved" {
  value = provider::workato::resolve_manifest_refs(
    jsonencode({ account_id = { zip_name = local.refs[0] } }),
    { (provider::workato::asset_id(local.refs[0])) = "12345" },
    {}
  )
}
"#;
    let outputs = |tool: &str| {
        let sandbox = Sandbox::new(&format!("plugins-functions-{tool}"));
        sandbox.write("main.tf", stack);
        let config = cli_config(&sandbox.dir, &mirror);
        let config = config.display().to_string();
        let env = [("TF_CLI_CONFIG_FILE", config.as_str())];
        let run = |args: &[&str]| -> (i32, String) {
            if tool == "strata" {
                sandbox.run_with(args, "", &env)
            } else {
                let out = std::process::Command::new(common::terraform())
                    .args(args)
                    .arg("-no-color")
                    .current_dir(&sandbox.dir)
                    .env("TF_CLI_CONFIG_FILE", &config)
                    .output()
                    .unwrap();
                (
                    out.status.code().unwrap_or(-1),
                    format!(
                        "{}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    ),
                )
            }
        };
        let (code, out) = run(&["init"]);
        assert_eq!(code, 0, "{tool} init: {out}");
        let (code, out) = run(&["apply", "-auto-approve"]);
        assert_eq!(code, 0, "{tool} apply: {out}");
        let (code, out) = run(&["output", "-json"]);
        assert_eq!(code, 0, "{tool} output: {out}");
        // Strata's transcript holds stdout between these markers.
        let json = match (out.find("--- stdout\n"), out.find("--- stderr")) {
            (Some(a), Some(b)) => &out[a + 11..b],
            _ => out.as_str(),
        };
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        // A function's own error, at the call.
        sandbox.write(
            "main.tf",
            &stack.replace(
                "(provider::workato::asset_id(local.refs[0])) = \"12345\"",
                "",
            ),
        );
        let (code, failed) = run(&["plan"]);
        (value, code, failed)
    };
    let (strata, s_code, s_failed) = outputs("strata");
    let (terraform, t_code, t_failed) = outputs("terraform");
    assert_eq!(
        strata["ids"]["value"],
        serde_json::json!(["con_gitlab", "create_issue"])
    );
    for name in ["ids", "resolved"] {
        assert_eq!(strata[name]["value"], terraform[name]["value"], "{name}");
    }
    assert_eq!((s_code, t_code), (1, 1), "{s_failed}\n{t_failed}");
    for text in [&s_failed, &t_failed] {
        assert!(
            text.contains("Call to function \"provider::workato::resolve_manifest_refs\" failed")
                && text.contains("no matching entry in zip_name_refs"),
            "{text}"
        );
    }
    assert!(s_failed.contains("main.tf:17:11"), "{s_failed}");
}
