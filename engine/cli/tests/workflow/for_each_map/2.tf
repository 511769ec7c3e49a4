locals {
  gpus = { a100 = 8, h100 = 8, l4 = 1 }
}
resource "terraform_data" "node" {
  for_each = local.gpus
  input    = "${each.key}:${each.value}"
}
output "nodes" {
  value = { for k, v in terraform_data.node : k => v.output }
}
