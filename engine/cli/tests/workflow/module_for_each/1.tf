module "env" {
  source   = "./modules/app"
  for_each = toset(["dev", "prod"])
  name     = "svc-${each.key}"
}

resource "terraform_data" "summary" {
  input = { for k, m in module.env : k => m.names }
}

output "summary" {
  value = terraform_data.summary.output
}
