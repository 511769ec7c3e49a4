variable "label" {
  type = string
}

resource "terraform_data" "s" {
  input = var.label
}

output "id" {
  value = terraform_data.s.id
}
