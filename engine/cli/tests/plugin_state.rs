//! The provider's own record of an object as Terraform carries it: the
//! private data through import and refresh (`hashicorp/aws` 3.39.0, by
//! Strata and by Terraform 1.11 against moto), and `moved` blocks across
//! resource types, which the target type's provider takes or refuses
//! (`terraform_data` from `null_resource`, built in; the real
//! `local/workato` 0.16.0, which refuses).

mod common;

use common::plugins::{cli_config, mirror, with, Tool, PRIVATE};
use common::Sandbox;

/// An IAM group on hashicorp/aws 3.39.0, adopted by an `import` block.
const IMPORTED_GROUP: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "3.39.0" }
  }
}

variable "endpoint" { type = string }
variable "name" { type = string }
variable "adopt" {
  type    = bool
  default = true
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_get_ec2_platforms      = true
  endpoints {
    iam = var.endpoint
    sts = var.endpoint
  }
}

resource "aws_iam_group" "trainers" {
  name = var.name
  path = "/ml/"
}
"#;

/// The provider's private data travels as in Terraform through import
/// (the SDK records the schema version there) and through refresh (each
/// object's private data sent to the read and what it returns kept).
#[test]
fn import_and_refresh_keep_private_data_as_terraform_does() {
    let endpoint = common::moto_endpoint();
    let mirror = mirror();
    let name = format!("trainers-{}", std::process::id());
    let vars = [
        "-var".to_string(),
        format!("endpoint={endpoint}"),
        "-var".into(),
        format!("name={name}"),
    ];
    // The group, made by Terraform alone.
    let maker_dir =
        std::env::temp_dir().join(format!("strata-cli-import-maker-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&maker_dir);
    std::fs::create_dir_all(&maker_dir).unwrap();
    std::fs::write(maker_dir.join("main.tf"), IMPORTED_GROUP).unwrap();
    let maker = Tool {
        strata: None,
        config: cli_config(&maker_dir, &mirror),
        dir: maker_dir.clone(),
    };
    maker.ok(&["init", "-no-color"]);
    maker.ok(&with(&["apply", "-auto-approve", "-no-color"], &vars));

    // Each tool adopts it in a directory of its own.
    let adopting = format!(
        "{IMPORTED_GROUP}\nimport {{\n  to = aws_iam_group.trainers\n  id = var.name\n}}\n"
    );
    let sandbox = Sandbox::new("plugins-import");
    sandbox.write("main.tf", &adopting);
    let strata = Tool {
        strata: Some(&sandbox),
        dir: sandbox.dir.clone(),
        config: cli_config(&sandbox.dir, &mirror),
    };
    let tf_dir = std::env::temp_dir().join(format!(
        "strata-cli-import-terraform-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tf_dir);
    std::fs::create_dir_all(&tf_dir).unwrap();
    std::fs::write(tf_dir.join("main.tf"), &adopting).unwrap();
    let terraform = Tool {
        strata: None,
        config: cli_config(&tf_dir, &mirror),
        dir: tf_dir.clone(),
    };
    strata.ok(&["init"]);
    terraform.ok(&["init", "-no-color"]);
    strata.ok(&with(&["apply", "-auto-approve"], &vars));
    terraform.ok(&with(&["apply", "-auto-approve", "-no-color"], &vars));
    let private = |tool: &Tool<'_>, file: &str| {
        tool.state_attributes(file, &name)["aws_iam_group.trainers"]
            .get(PRIVATE)
            .cloned()
    };
    let imported = private(&terraform, "terraform.tfstate");
    assert!(
        imported.is_some(),
        "Terraform keeps the SDK's private data of an import"
    );
    assert_eq!(private(&strata, "strata.tfstate"), imported, "after import");
    // A refresh that writes the state keeps what the read gives back.
    strata.ok(&with(&["apply", "-refresh-only", "-auto-approve"], &vars));
    terraform.ok(&with(
        &["apply", "-refresh-only", "-auto-approve", "-no-color"],
        &vars,
    ));
    assert_eq!(
        private(&strata, "strata.tfstate"),
        private(&terraform, "terraform.tfstate"),
        "after a refresh"
    );
    let again = strata.ok(&with(&["plan", "-detailed-exitcode"], &vars));
    assert!(again.contains("No changes."), "{again}");

    maker.ok(&with(&["destroy", "-auto-approve", "-no-color"], &vars));
    let _ = std::fs::remove_dir_all(&maker_dir);
    let _ = std::fs::remove_dir_all(&tf_dir);
}

/// A `null_resource` moved to `terraform_data` keeps its id, its triggers
/// become `triggers_replace`, and a configuration that says the same
/// plans no change: the move alone is applied. A type whose provider
/// takes no other type's objects is refused where the block is, and the
/// state is left as it was.
#[test]
fn null_resources_move_to_terraform_data() {
    let sb = Sandbox::new("move-across-types");
    sb.write(
        "main.tf",
        "resource \"null_resource\" \"warmup\" {\n  triggers = { model = \"llama\" }\n}\n",
    );
    let (code, out) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    let id = |sb: &Sandbox, address: &str| {
        let (code, out) = sb.run(&["state", "show", address], "");
        assert_eq!(code, 0, "{out}");
        // `id = "…"` in the resource block shown.
        out.lines()
            .find(|l| l.trim_start().starts_with("id "))
            .map(|l| l.split('"').nth(1).unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    let before = id(&sb, "null_resource.warmup");
    assert!(!before.is_empty());
    sb.write(
        "main.tf",
        "moved {\n  from = null_resource.warmup\n  to   = terraform_data.warmup\n}\n\nresource \"terraform_data\" \"warmup\" {\n  triggers_replace = { model = \"llama\" }\n}\n",
    );
    let (code, out) = sb.run(&["plan", "-detailed-exitcode"], "");
    assert_eq!(code, 2, "a move is a change\n{out}");
    assert!(
        out.contains("# null_resource.warmup has moved to terraform_data.warmup"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 0 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    let (_, listed) = sb.run(&["state", "list"], "");
    assert!(listed.contains("terraform_data.warmup"), "{listed}");
    assert!(!listed.contains("null_resource.warmup"), "{listed}");
    assert_eq!(
        id(&sb, "terraform_data.warmup"),
        before,
        "the id moves with it"
    );
    let (code, out) = sb.run(&["plan", "-detailed-exitcode"], "");
    assert_eq!(code, 0, "{out}");

    // random_id's provider takes no null_resource.
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"warmup\" {\n  triggers_replace = { model = \"llama\" }\n}\n\nresource \"null_resource\" \"seed\" {}\n",
    );
    let (code, out) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"warmup\" {\n  triggers_replace = { model = \"llama\" }\n}\n\nmoved {\n  from = null_resource.seed\n  to   = random_id.seed\n}\n\nresource \"random_id\" \"seed\" {\n  byte_length = 4\n}\n",
    );
    let (code, out) = sb.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Error[E628]: Unsupported move across resource types"),
        "{out}"
    );
    assert!(out.contains("main.tf:5:1"), "{out}");
    let (_, listed) = sb.run(&["state", "list"], "");
    assert!(
        listed.contains("null_resource.seed"),
        "left as it was: {listed}"
    );
    assert!(!listed.contains("random_id.seed"), "{listed}");
}

/// The plugin path: `MoveResourceState` goes to the real workato 0.16.0
/// (protocol 6, the plugin framework), whose resources take no other
/// type's objects; its refusal is reported at the `moved` block.
#[test]
fn a_plugin_is_asked_to_take_a_moved_object() {
    let mirror = mirror();
    let sb = Sandbox::new("move-to-plugin");
    let strata = Tool {
        strata: Some(&sb),
        dir: sb.dir.clone(),
        config: cli_config(&sb.dir, &mirror),
    };
    let head = "terraform {\n  required_providers {\n    workato = { source = \"local/workato\", version = \"0.16.0\" }\n  }\n}\n\nprovider \"workato\" {\n  api_key  = \"test\"\n  base_url = \"https://127.0.0.1:9\"\n}\n\n";
    sb.write(
        "main.tf",
        &format!("{head}resource \"null_resource\" \"property\" {{}}\n"),
    );
    strata.ok(&["init"]);
    strata.ok(&["apply", "-auto-approve"]);
    sb.write(
        "main.tf",
        &format!("{head}moved {{\n  from = null_resource.property\n  to   = workato_project_property.property\n}}\n\nresource \"workato_project_property\" \"property\" {{\n  name  = \"x\"\n  value = \"y\"\n}}\n"),
    );
    let (code, out) = strata.run(&["plan"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Error[E628]"), "{out}");
    assert!(
        out.contains("does not support moving resource state across resource types"),
        "the plugin's own words: {out}"
    );
}
