variable "gpus" {
  default = 2
}

resource "terraform_data" "node" {
  input = var.gpus
  lifecycle {
    precondition {
      condition     = var.gpus <= 8
      error_message = "At most 8 GPUs per node."
    }
    postcondition {
      condition     = self.output == var.gpus
      error_message = "The node must report its GPUs."
    }
  }
}

check "enough_gpus" {
  assert {
    condition     = terraform_data.node.output >= 4
    error_message = "Training needs at least 4 GPUs."
  }
}

output "gpus" {
  value = terraform_data.node.output
}
