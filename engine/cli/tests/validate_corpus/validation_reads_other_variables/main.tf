# Validation rules that read the module's other variables and a local
# (Terraform 1.9 and later): every rule holds for these values.
variable "min_nodes" {
  type    = number
  default = 1
}

variable "max_nodes" {
  type    = number
  default = 4

  validation {
    condition     = var.max_nodes >= var.min_nodes
    error_message = "max_nodes must be at least min_nodes."
  }
}

locals {
  zones = ["a", "b"]
}

variable "zone" {
  type    = string
  default = "a"

  validation {
    condition     = contains(local.zones, var.zone)
    error_message = "Unknown zone."
  }
}

module "pool" {
  source  = "./child"
  steps   = ["prepare"]
  enabled = true
}

resource "terraform_data" "pool" {
  input = [var.min_nodes, var.max_nodes, var.zone, module.pool.count]
}
