variable "name" {
  type = string
}

variable "replicas" {
  type    = number
  default = 1
}

variable "labels" {
  type    = map(string)
  default = {}
}

resource "terraform_data" "pod" {
  count = var.replicas
  input = "${var.name}-${count.index}"
}

resource "terraform_data" "labels" {
  for_each = var.labels
  input    = "${each.key}=${each.value}"
}

output "names" {
  value = terraform_data.pod[*].output
}

output "labels" {
  value = sort([for l in terraform_data.labels : l.output])
}
