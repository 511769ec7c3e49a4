# Override files merge into the primary files' blocks: arguments replace
# arguments, lifecycle merges argument by argument, locals replace locals.
locals {
  size = "small"
  zone = "a"
}

variable "replicas" {
  default = 1
}

resource "terraform_data" "server" {
  input = "${local.size}-${local.zone}"

  lifecycle {
    ignore_changes        = [input]
    create_before_destroy = false
  }
}

resource "terraform_data" "replicas" {
  count = var.replicas
  input = count.index
}

output "server" {
  value = "none"
}
