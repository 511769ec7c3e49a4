module "child" {
  source = "./child"
}
resource "terraform_data" "user" {
  input = "uses-${module.child.value}"
}
output "child_other" { value = module.child.other }
