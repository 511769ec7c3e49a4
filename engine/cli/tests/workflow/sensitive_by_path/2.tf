variable "token" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}

resource "terraform_data" "node" {
  count = 2
  input = { name = "worker-${count.index}", token = var.token, tags = ["a", var.token] }
}

output "nodes" {
  value = terraform_data.node[*].input.name
}

output "first" {
  value = terraform_data.node[0].output.name
}

output "tokens" {
  value     = terraform_data.node[*].input.token
  sensitive = true
}
