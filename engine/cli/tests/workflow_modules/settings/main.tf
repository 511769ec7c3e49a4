# Settings passed as `any`, as published modules take them: a resource
# per setting that is not empty.
variable "logging" {
  type    = any
  default = {}
}

variable "encryption" {
  type    = any
  default = {}
}

variable "rules" {
  type    = any
  default = []
}

resource "terraform_data" "logging" {
  count = length(keys(var.logging)) > 0 ? 1 : 0
  input = var.logging["target"]
}

resource "terraform_data" "encryption" {
  count = length(keys(var.encryption)) > 0 ? 1 : 0
  input = try(var.encryption.rule.key, null)
}

resource "terraform_data" "rule" {
  count = length(var.rules)
  input = var.rules[count.index].id
}

output "made" {
  value = [length(terraform_data.logging), length(terraform_data.encryption), length(terraform_data.rule)]
}
