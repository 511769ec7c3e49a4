# The branch a known condition does not take may fail without an error.
variable "settings" {
  type    = object({ size = string, tags = list(string) })
  default = null
}

locals {
  size = var.settings == null ? "small" : var.settings.size
  tags = var.settings != null ? [for t in var.settings.tags : upper(t)] : []
}

resource "terraform_data" "sized" {
  input = [local.size, local.tags]
}
