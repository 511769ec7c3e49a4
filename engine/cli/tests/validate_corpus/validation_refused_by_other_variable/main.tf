# A validation rule that reads another variable, and fails for these
# values: both tools refuse the plan.
module "pool" {
  source  = "./child"
  steps   = []
  enabled = true
}

variable "min_nodes" {
  type    = number
  default = 5
}

variable "max_nodes" {
  type    = number
  default = 4

  validation {
    condition     = var.max_nodes >= var.min_nodes
    error_message = "max_nodes must be at least min_nodes."
  }
}

resource "terraform_data" "pool" {
  input = [var.min_nodes, var.max_nodes, module.pool.count]
}
