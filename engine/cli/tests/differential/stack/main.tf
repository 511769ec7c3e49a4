variable "region" {
  type    = string
  default = "us-east-1"
}

variable "gpu_counts" {
  type    = map(number)
  default = { a100 = 8, h100 = 4 }
}

variable "fleet" {
  type = object({
    name     = string
    replicas = optional(number, 2)
    labels   = optional(map(string), {})
  })
  default = { name = "train" }
}

variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}

locals {
  zones     = ["a", "b", "c"]
  az_names  = [for z in local.zones : "${var.region}${z}"]
  total_gpu = sum(values(var.gpu_counts))
  nested    = { x = [1, 2, { y = "z" }] }
}
