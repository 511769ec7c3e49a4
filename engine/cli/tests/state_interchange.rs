//! State moves between Strata and Terraform 1.11 in both directions: the
//! state Strata writes, renamed `terraform.tfstate`, is one Terraform reads
//! and plans no change on; a Terraform working directory's state is adopted
//! by `strata init`, and Strata plans no change on it and destroys it in
//! dependency order.

mod common;

use common::Sandbox;
use std::process::Command;

const STACK: &str = r#"
resource "terraform_data" "base" {
  input = "v1"
}

resource "terraform_data" "node" {
  count = 2
  input = "${terraform_data.base.output}-${count.index}"
}

module "m" {
  source = "./m"
  x      = terraform_data.node[1].output
}

output "o" { value = module.m.y }
"#;

const MODULE: &str = r#"
variable "x" {}
resource "terraform_data" "inner" { input = var.x }
output "y" { value = terraform_data.inner.output }
"#;

fn sandbox(name: &str) -> Sandbox {
    let s = Sandbox::new(name);
    s.write("main.tf", STACK);
    std::fs::create_dir_all(s.dir.join("m")).unwrap();
    s.write("m/main.tf", MODULE);
    s
}

fn terraform(s: &Sandbox, args: &[&str]) -> (i32, String) {
    let out = Command::new(common::terraform())
        .args(args)
        .current_dir(&s.dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TF_IN_AUTOMATION", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("terraform");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn terraform_reads_strata_state_and_plans_no_change() {
    let s = sandbox("xchg-to-terraform");
    let (code, out) = s.run(&["apply", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    std::fs::copy(
        s.dir.join("strata.tfstate"),
        s.dir.join("terraform.tfstate"),
    )
    .unwrap();
    let (code, out) = terraform(&s, &["init", "-no-color", "-input=false"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = terraform(
        &s,
        &["plan", "-no-color", "-input=false", "-detailed-exitcode"],
    );
    assert_eq!(code, 0, "Terraform plans changes on Strata's state:\n{out}");
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn strata_adopts_terraform_state_and_plans_no_change() {
    let s = sandbox("xchg-from-terraform");
    let (code, out) = terraform(&s, &["init", "-no-color", "-input=false"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = terraform(&s, &["apply", "-no-color", "-input=false", "-auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = s.run(&["init"], "");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Adopted Terraform's state terraform.tfstate"),
        "{out}"
    );
    let (code, out) = s.run(&["plan", "-detailed-exitcode"], "");
    assert_eq!(code, 0, "Strata plans changes on Terraform's state:\n{out}");
    let (code, out) = s.run(&["destroy", "-auto-approve"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Resources: 4 destroyed"), "{out}");
    // Dependents go first: the module's object before the node it read,
    // the nodes before the base.
    let order = |needle: &str| {
        out.find(&format!("{needle}: Destruction complete"))
            .expect(needle)
    };
    assert!(
        order("module.m.terraform_data.inner") < order("terraform_data.node[1]"),
        "{out}"
    );
    assert!(
        order("terraform_data.node[0]") < order("terraform_data.base"),
        "{out}"
    );
}
