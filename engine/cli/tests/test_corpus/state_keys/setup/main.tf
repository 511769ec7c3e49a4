variable "label" {
  type    = string
  default = "x"
}

module "inner" {
  source = "./inner"
  label  = var.label
}

output "id" {
  value = module.inner.id
}
