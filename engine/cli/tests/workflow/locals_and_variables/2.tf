variable "project" {
  type    = string
  default = "nlp"
}
variable "sizes" {
  type    = list(number)
  default = [1, 2, 5]
}
locals {
  prefix = "${var.project}-${terraform.workspace}"
  total  = sum(var.sizes)
}
resource "terraform_data" "cfg" {
  input = { prefix = local.prefix, total = local.total }
}
output "cfg" {
  value = terraform_data.cfg.output
}
