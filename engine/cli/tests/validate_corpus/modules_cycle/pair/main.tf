variable "name" {
  type = string
}

variable "peer_name" {
  type = string
}

locals {
  label = "pair-${var.name}"
}

resource "terraform_data" "this" {
  input = "${var.name} peers with ${var.peer_name}"
}

output "name" {
  value = var.name
}

output "label" {
  value = local.label
}

output "id" {
  value = terraform_data.this.id
}
