module "env" {
  source   = "./modules/app"
  for_each = toset(["prod", "staging"])
  name     = "svc-${each.key}"
  replicas = 2
}

resource "terraform_data" "summary" {
  input = { for k, m in module.env : k => m.names }
}

output "summary" {
  value = terraform_data.summary.output
}
