# An empty tuple unifies with a set of strings.
variable "zones" {
  type    = list(string)
  default = ["a", "b"]
}

resource "terraform_data" "zones" {
  for_each = length(var.zones) > 0 ? toset(var.zones) : []
  input    = each.key
}

output "zones" {
  value = length(var.zones) > 5 ? toset(var.zones) : []
}
