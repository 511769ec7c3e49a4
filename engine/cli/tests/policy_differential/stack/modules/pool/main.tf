variable "gpus" {
  type = number
}

resource "terraform_data" "node" {
  input = { gpus = var.gpus }
}

output "gpus" {
  value = terraform_data.node.output.gpus
}
