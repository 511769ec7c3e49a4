variable "prefix" {
  type = string
}
variable "nodes" {
  type    = number
  default = 2
}
resource "terraform_data" "node" {
  count = var.nodes
  input = { name = "${var.prefix}-${count.index}", index = count.index }
}
locals {
  names = [for n in terraform_data.node : n.output.name]
}
output "names" { value = local.names }
output "count" { value = length(terraform_data.node) }
