# The body of a resource with count = 0 or an empty for_each is never
# evaluated: an attribute of a null default or a coalesce of nothing there
# is no error.
variable "settings" {
  type    = object({ size = string })
  default = null
}

variable "name" {
  default = null
}

resource "terraform_data" "unused" {
  count = 0
  input = var.settings.size
}

resource "terraform_data" "none" {
  for_each = toset([])
  input    = coalesce(var.name, "")
}

resource "terraform_data" "optional" {
  count = var.settings == null ? 0 : 1
  input = var.settings.size
}
