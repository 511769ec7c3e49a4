//! Modules from git repositories, HTTP archives and a module registry,
//! installed by `strata init` and checked against Terraform 1.11 where
//! Terraform can fetch offline (git `file://`, loopback HTTP archives):
//! the same manifest, the same planned actions and values. The registry
//! is a loopback HTTP server speaking the module registry protocol.

mod common;
use common::{missing, ok, terraform, Routes, Sandbox, Server};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|_| missing("git is not on PATH: install git"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository with `modules/trainer` (calling `../common`) at tags v1
/// and v2, whose planned value names the version.
fn repository(dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("modules/trainer")).unwrap();
    std::fs::create_dir_all(dir.join("modules/common")).unwrap();
    std::fs::write(
        dir.join("modules/trainer/main.tf"),
        "variable \"name\" { type = string }\nmodule \"common\" {\n  source = \"../common\"\n  name   = var.name\n}\noutput \"id\" { value = module.common.id }\noutput \"label\" { value = module.common.label }\n",
    )
    .unwrap();
    let common = |v: &str| {
        format!("variable \"name\" {{ type = string }}\nresource \"terraform_data\" \"run\" {{ input = \"{v}-${{var.name}}\" }}\noutput \"id\" {{ value = terraform_data.run.output }}\noutput \"label\" {{ value = \"{v}-${{var.name}}\" }}\n")
    };
    std::fs::write(dir.join("modules/common/main.tf"), common("v1")).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "v1"]);
    git(dir, &["tag", "v1"]);
    let first = git(dir, &["rev-parse", "HEAD"]);
    std::fs::write(dir.join("modules/common/main.tf"), common("v2")).unwrap();
    git(dir, &["commit", "-qam", "v2"]);
    git(dir, &["tag", "v2"]);
    first
}

fn run_tool(program: &Path, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn strata() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_strata"))
}

/// The planned resources: address → (actions, planned `input`).
fn planned(tool: &Path, dir: &Path, env: &[(&str, &str)]) -> BTreeMap<String, (String, String)> {
    let (ok, out) = run_tool(tool, &["plan", "-out=p.plan"], dir, env);
    assert!(ok, "{} plan failed:\n{out}", tool.display());
    let (ok, json) = run_tool(tool, &["show", "-json", "p.plan"], dir, env);
    assert!(ok, "show failed:\n{json}");
    let start = json.find('{').expect("JSON");
    let plan: serde_json::Value = serde_json::from_str(json[start..].trim()).expect("plan JSON");
    plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .map(|rc| {
            (
                rc["address"].as_str().unwrap().to_string(),
                (
                    rc["change"]["actions"].to_string(),
                    rc["change"]["after"]["input"].to_string(),
                ),
            )
        })
        .collect()
}

fn manifest(dir: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(dir.join(".terraform/modules/modules.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest JSON")
}

#[test]
fn git_modules_install_and_plan_as_terraform_does() {
    let sandbox = Sandbox::new("modules-git");
    let repo = sandbox.dir.join("repo");
    let first = repository(&repo);
    let stack = |v: &str| {
        format!(
            "module \"tagged\" {{\n  source = \"git::file://{repo}//modules/trainer?ref={v}\"\n  name   = \"a\"\n}}\nmodule \"pinned\" {{\n  source = \"git::file://{repo}//modules/trainer?ref={first}\"\n  name   = \"b\"\n}}\nmodule \"shallow\" {{\n  source = \"git::file://{repo}//modules/common?ref=v2&depth=1\"\n  name   = \"c\"\n}}\noutput \"labels\" {{ value = [module.tagged.label, module.pinned.label, module.shallow.label] }}\n",
            repo = repo.display()
        )
    };
    let mut results = Vec::new();
    for tool in [strata(), terraform().as_path()] {
        let dir = sandbox.dir.join(tool.file_name().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.tf"), stack("v1")).unwrap();
        let (ok, out) = run_tool(tool, &["init", "-input=false"], &dir, &[]);
        assert!(ok, "{} init failed:\n{out}", tool.display());
        assert!(
            out.contains(&format!(
                "Downloading git::file://{}?ref=v1 for tagged...",
                repo.display()
            )),
            "{out}"
        );
        results.push((manifest(&dir), planned(tool, &dir, &[])));
    }
    assert_eq!(results[0].0, results[1].0, "the module manifests differ");
    assert_eq!(results[0].1, results[1].1, "the plans differ");
    assert_eq!(
        results[0].1["module.tagged.module.common.terraform_data.run"].1,
        "\"v1-a\""
    );
    assert_eq!(
        results[0].1["module.shallow.terraform_data.run"].1,
        "\"v2-c\""
    );

    // Each tool plans with the modules the other installed.
    let mine = sandbox.dir.join("strata");
    let theirs = sandbox.dir.join("terraform");
    let (ok, out) = run_tool(strata(), &["plan"], &theirs, &[]);
    assert!(ok, "strata on terraform's modules:\n{out}");
    let (ok, out) = run_tool(&terraform(), &["plan"], &mine, &[]);
    assert!(ok, "terraform on strata's modules:\n{out}");

    // A changed ref is refused until init fetches it.
    std::fs::write(mine.join("main.tf"), stack("v2")).unwrap();
    let (ok, out) = run_tool(strata(), &["plan"], &mine, &[]);
    assert!(
        !ok && out.contains("E218") && out.contains("Run \"strata init\""),
        "{out}"
    );
    let (ok, out) = run_tool(strata(), &["init"], &mine, &[]);
    assert!(ok, "{out}");
    assert_eq!(
        planned(strata(), &mine, &[])["module.tagged.module.common.terraform_data.run"].1,
        "\"v2-a\""
    );
}

#[test]
fn a_failed_fetch_leaves_the_installed_module_as_it_was() {
    let sandbox = Sandbox::new("modules-git-fail");
    let repo = sandbox.dir.join("repo");
    repository(&repo);
    let dir = sandbox.dir.join("stack");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |source: &str, version: Option<&str>| {
        let version = version
            .map(|v| format!("  version = \"{v}\"\n"))
            .unwrap_or_default();
        std::fs::write(
            dir.join("main.tf"),
            format!("module \"m\" {{\n  source = \"{source}\"\n{version}  name   = \"a\"\n}}\n"),
        )
        .unwrap();
    };
    let good = format!("git::file://{}//modules/trainer?ref=v1", repo.display());
    write(&good, None);
    let (ok, out) = run_tool(strata(), &["init"], &dir, &[]);
    assert!(ok, "{out}");
    let installed = dir.join(".terraform/modules/m/modules/common/main.tf");
    let before = std::fs::read(&installed).unwrap();

    let cases: &[(String, Option<&str>, &str, &str)] = &[
        (
            format!("git::file://{}//modules/trainer?ref=nope", repo.display()),
            None,
            "E700",
            "\"nope\"",
        ),
        (
            format!("git::file://{}//modules/absent?ref=v1", repo.display()),
            None,
            "E703",
            "modules/absent",
        ),
        (
            "http://127.0.0.1:9/pkg.zip".to_string(),
            None,
            "E700",
            "cannot reach",
        ),
        (good.clone(), Some("1.0"), "E220", "not a registry address"),
        ("git::hg://x".to_string(), None, "E700", "git clone"),
        ("/abs/path".to_string(), None, "E211", "absolute path"),
    ];
    for (source, version, code, says) in cases {
        write(source, *version);
        let (ok, out) = run_tool(strata(), &["init"], &dir, &[]);
        assert!(!ok, "{source}: init succeeded:\n{out}");
        assert!(
            out.contains(code) && out.contains(says),
            "{source}: expected {code} saying {says}:\n{out}"
        );
        assert!(out.contains("main.tf:"), "{source}: no location:\n{out}");
        assert_eq!(
            std::fs::read(&installed).unwrap(),
            before,
            "{source}: the installed module changed"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.join(".terraform/modules"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".partial"))
            .collect();
        assert!(leftovers.is_empty(), "{source}: left {leftovers:?}");
    }
}

/// A module package as a tar.gz: `main.tf` at the top (or under `sub/`).
fn tar_gz(files: &[(&str, String)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, name, text.as_bytes())
            .unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&builder.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

fn zip_of(files: &[(&str, String)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn module_text(label: &str) -> String {
    format!("variable \"name\" {{ type = string }}\nresource \"terraform_data\" \"run\" {{ input = \"{label}-${{var.name}}\" }}\noutput \"label\" {{ value = \"{label}\" }}\n")
}

#[test]
fn http_archives_and_redirections_install_as_terraform_does() {
    let server = Server::start(|port| {
        let mut routes = Routes::new();
        routes.insert(
            "/pkg.tar.gz".into(),
            ok(tar_gz(&[("sub/main.tf", module_text("tgz"))])),
        );
        routes.insert(
            "/pkg.zip".into(),
            ok(zip_of(&[("main.tf", module_text("zip"))])),
        );
        routes.insert(
            "/download".into(),
            ok(zip_of(&[("main.tf", module_text("param"))])),
        );
        routes.insert(
            "/redirect".into(),
            (
                204,
                vec![(
                    "X-Terraform-Get".into(),
                    format!("http://127.0.0.1:{port}/pkg.zip"),
                )],
                Vec::new(),
            ),
        );
        routes.insert(
            "/junk.zip".into(),
            ok(b"this is not a zip archive".to_vec()),
        );
        routes
    });
    let sandbox = Sandbox::new("modules-http");
    let base = format!("http://127.0.0.1:{}", server.port);
    let stack = format!(
        "module \"tgz\" {{\n  source = \"{base}/pkg.tar.gz//sub\"\n  name = \"a\"\n}}\nmodule \"zip\" {{\n  source = \"{base}/pkg.zip\"\n  name = \"b\"\n}}\nmodule \"param\" {{\n  source = \"{base}/download?archive=zip\"\n  name = \"c\"\n}}\nmodule \"redirect\" {{\n  source = \"{base}/redirect\"\n  name = \"d\"\n}}\n"
    );
    let mut results = Vec::new();
    for tool in [strata(), terraform().as_path()] {
        let dir = sandbox.dir.join(tool.file_name().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.tf"), &stack).unwrap();
        let (ok, out) = run_tool(tool, &["init", "-input=false"], &dir, &[]);
        assert!(ok, "{} init failed:\n{out}", tool.display());
        results.push((manifest(&dir), planned(tool, &dir, &[])));
    }
    assert_eq!(results[0].0, results[1].0, "the module manifests differ");
    assert_eq!(results[0].1, results[1].1, "the plans differ");
    let inputs: Vec<&str> = results[0]
        .1
        .values()
        .map(|(_, input)| input.as_str())
        .collect();
    assert_eq!(
        inputs,
        ["\"param-c\"", "\"zip-d\"", "\"tgz-a\"", "\"zip-b\""]
    );

    let dir = sandbox.dir.join("strata");
    std::fs::write(
        dir.join("main.tf"),
        format!("module \"junk\" {{\n  source = \"{base}/junk.zip\"\n  name = \"x\"\n}}\n"),
    )
    .unwrap();
    let (ok, out) = run_tool(strata(), &["init"], &dir, &[]);
    assert!(
        !ok && out.contains("E702") && out.contains("not a zip archive"),
        "{out}"
    );
    assert!(!dir.join(".terraform/modules/junk").exists());
}

#[test]
fn registry_modules_resolve_versions_with_the_hosts_token() {
    let server = Server::start(|port| {
        let mut routes = Routes::new();
        routes.insert(
            "/.well-known/terraform.json".into(),
            ok(br#"{"modules.v1": "/v1/modules/"}"#.to_vec()),
        );
        routes.insert(
            "/v1/modules/acme/trainer/aws/versions".into(),
            ok(br#"{"modules":[{"versions":[{"version":"1.0.0"},{"version":"1.1.0"},{"version":"2.0.0"},{"version":"2.1.0-beta1"}]}]}"#.to_vec()),
        );
        for v in ["1.0.0", "1.1.0", "2.0.0"] {
            routes.insert(
                format!("/v1/modules/acme/trainer/aws/{v}/download"),
                (
                    204,
                    vec![(
                        "X-Terraform-Get".into(),
                        format!("/archives/trainer-{v}.tar.gz"),
                    )],
                    Vec::new(),
                ),
            );
            routes.insert(
                format!("/archives/trainer-{v}.tar.gz"),
                ok(tar_gz(&[
                    ("main.tf", module_text(v)),
                    ("modules/gpu/main.tf", module_text(&format!("gpu{v}"))),
                ])),
            );
        }
        let _ = port;
        routes
    });
    let sandbox = Sandbox::new("modules-registry");
    let host = format!("127.0.0.1:{}", server.port);
    let config = sandbox.dir.join("cli.tfrc");
    std::fs::write(
        &config,
        format!("credentials \"{host}\" {{\n  token = \"s3cret\"\n}}\n"),
    )
    .unwrap();
    let config = config.display().to_string();
    let env = [("TF_CLI_CONFIG_FILE", config.as_str())];
    let write = |version: &str| {
        sandbox.write(
            "main.tf",
            &format!("module \"trainer\" {{\n  source  = \"{host}/acme/trainer/aws\"\n  version = \"{version}\"\n  name    = \"a\"\n}}\nmodule \"gpu\" {{\n  source  = \"{host}/acme/trainer/aws//modules/gpu\"\n  version = \"1.0.0\"\n  name    = \"b\"\n}}\n"),
        );
    };
    write("~> 1.0");
    let (ok, out) = run_tool(strata(), &["init"], &sandbox.dir, &[]);
    assert!(
        !ok && out.contains("E704") && out.contains("401"),
        "without the token:\n{out}"
    );
    server.seen.lock().unwrap().clear();

    let (ok, out) = run_tool(strata(), &["init"], &sandbox.dir, &env);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!(
            "Downloading {host}/acme/trainer/aws 1.1.0 for trainer..."
        )),
        "{out}"
    );
    let m = manifest(&sandbox.dir);
    let entry = m["Modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["Key"] == "trainer")
        .unwrap();
    assert_eq!(entry["Version"], "1.1.0");
    assert_eq!(entry["Source"], format!("{host}/acme/trainer/aws"));
    let plan = planned(strata(), &sandbox.dir, &env);
    assert_eq!(plan["module.trainer.terraform_data.run"].1, "\"1.1.0-a\"");
    assert_eq!(plan["module.gpu.terraform_data.run"].1, "\"gpu1.0.0-b\"");
    let seen = server.seen.lock().unwrap().clone();
    assert!(seen
        .iter()
        .filter(|(p, _)| p.starts_with("/v1/"))
        .all(|(_, a)| a.as_deref() == Some("Bearer s3cret")));
    assert!(
        seen.iter()
            .filter(|(p, _)| p.starts_with("/archives/"))
            .all(|(_, a)| a.is_none()),
        "the token went to the package host: {seen:?}"
    );

    // A stricter constraint is refused until init, which then upgrades.
    write(">= 2.0");
    let (ok, out) = run_tool(strata(), &["plan"], &sandbox.dir, &env);
    assert!(
        !ok && out.contains("E219") && out.contains("(1.1.0)"),
        "{out}"
    );
    let (ok, out) = run_tool(strata(), &["init"], &sandbox.dir, &env);
    assert!(ok, "{out}");
    assert_eq!(
        planned(strata(), &sandbox.dir, &env)["module.trainer.terraform_data.run"].1,
        "\"2.0.0-a\""
    );

    // A test run's module from the registry: installed by init under
    // Terraform's key, and run by `strata test`.
    sandbox.write(
        "tests/trainer.tftest.hcl",
        &format!("run \"pinned\" {{\n  command = plan\n  module {{\n    source  = \"{host}/acme/trainer/aws\"\n    version = \"1.0.0\"\n  }}\n  variables {{\n    name = \"t\"\n  }}\n  assert {{\n    condition     = output.label == \"1.0.0\"\n    error_message = \"wrong version\"\n  }}\n}}\n"),
    );
    let (ok, out) = run_tool(strata(), &["test"], &sandbox.dir, &env);
    assert!(
        !ok && out.contains("E217") && out.contains("test.tests.trainer.pinned"),
        "before init:\n{out}"
    );
    let (ok, out) = run_tool(strata(), &["init"], &sandbox.dir, &env);
    assert!(ok, "{out}");
    let entry = manifest(&sandbox.dir)["Modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["Key"] == "test.tests.trainer.pinned")
        .cloned()
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(entry["Version"], "1.0.0");
    let (ok, out) = run_tool(strata(), &["test"], &sandbox.dir, &env);
    assert!(ok && out.contains("run \"pinned\"... pass"), "{out}");
    sandbox.write(
        "tests/trainer.tftest.hcl",
        "run \"git\" {\n  module {\n    source = \"git::https://127.0.0.1/x.git\"\n  }\n}\n",
    );
    let (ok, out) = run_tool(strata(), &["init"], &sandbox.dir, &env);
    assert!(
        !ok && out.contains("Unsupported module source") && out.contains("trainer.tftest.hcl:3:"),
        "{out}"
    );
    std::fs::remove_file(sandbox.dir.join("tests/trainer.tftest.hcl")).unwrap();

    write("> 5");
    let (ok, out) = run_tool(strata(), &["init"], &sandbox.dir, &env);
    assert!(
        !ok && out.contains("E701") && out.contains("1.0.0, 1.1.0, 2.0.0"),
        "{out}"
    );
}

#[test]
fn s3_sources_are_read_through_the_aws_client() {
    use strata_aws_client::{Client, Config, CredentialSource, Request};
    let endpoint = common::moto_endpoint();
    let client = Client::new(Config {
        credentials: CredentialSource {
            access_key: Some("strata-test".into()),
            secret_key: Some("strata-test-secret".into()),
            ..Default::default()
        },
        endpoints: [("s3".to_string(), endpoint.clone())].into_iter().collect(),
        max_retries: 2,
        ..Default::default()
    })
    .expect("client");
    let bucket = format!("strata-modules-{}", std::process::id());
    client
        .send(&Request::new("s3", "PUT", format!("/{bucket}")))
        .expect("create bucket");
    client
        .send(
            &Request::new("s3", "PUT", format!("/{bucket}/pkg/trainer.zip"))
                .body(zip_of(&[("main.tf", module_text("s3"))])),
        )
        .expect("put object");
    let sandbox = Sandbox::new("modules-s3");
    sandbox.write(
        "main.tf",
        &format!("module \"m\" {{\n  source = \"s3::{endpoint}/{bucket}/pkg/trainer.zip\"\n  name   = \"a\"\n}}\nmodule \"missing\" {{\n  source = \"s3::{endpoint}/{bucket}/pkg/absent.zip\"\n  name   = \"b\"\n}}\n"),
    );
    let env = [
        ("AWS_ACCESS_KEY_ID", "strata-test"),
        ("AWS_SECRET_ACCESS_KEY", "strata-test-secret"),
    ];
    let (ok, out) = run_tool(strata(), &["init"], &sandbox.dir, &env);
    assert!(
        !ok && out.contains("E700") && out.contains("absent.zip") && out.contains("404"),
        "{out}"
    );
    assert!(
        sandbox.dir.join(".terraform/modules/m/main.tf").is_file(),
        "{out}"
    );
    sandbox.write(
        "main.tf",
        &format!("module \"m\" {{\n  source = \"s3::{endpoint}/{bucket}/pkg/trainer.zip\"\n  name   = \"a\"\n}}\n"),
    );
    let (ok, out) = run_tool(strata(), &["init"], &sandbox.dir, &env);
    assert!(ok, "{out}");
    assert_eq!(
        planned(strata(), &sandbox.dir, &env)["module.m.terraform_data.run"].1,
        "\"s3-a\""
    );
}
