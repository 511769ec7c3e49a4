# validate treats input variables as unknown; the plan, which has their
# values, reports the error where the expression is evaluated.
variable "settings" {
  type    = object({ size = string })
  default = null
}

resource "terraform_data" "sized" {
  input = var.settings.size
}
