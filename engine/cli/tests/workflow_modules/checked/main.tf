variable "gpus" {
  type = number
  validation {
    condition     = var.gpus > 0
    error_message = "A node needs at least one GPU."
  }
}

variable "labels" {
  type    = map(string)
  default = {}
}

resource "terraform_data" "node" {
  input = { gpus = var.gpus, labels = var.labels }
  lifecycle {
    postcondition {
      condition     = self.input.gpus == var.gpus
      error_message = "The node must keep its GPUs."
    }
  }
}

output "gpus" {
  value = terraform_data.node.output.gpus
  precondition {
    condition     = var.gpus <= 8
    error_message = "At most 8 GPUs per node."
  }
}
