# A local ML experiment workspace: no cloud account needed.

variable "project" {
  type        = string
  default     = "vision"
  description = "Name prefix for every experiment."
}

variable "experiments" {
  description = "Training runs to prepare, by name."
  type = map(object({
    model         = string
    learning_rate = optional(number, 0.001)
    gpus          = optional(number, 1)
  }))
  default = {
    baseline = { model = "resnet50" }
    large    = { model = "vit-l16", gpus = 8, learning_rate = 0.0003 }
  }

  validation {
    condition     = alltrue([for e in values(var.experiments) : e.gpus >= 1 && e.gpus <= 8])
    error_message = "Each experiment needs between 1 and 8 GPUs."
  }
}

locals {
  run_names = { for name, e in var.experiments : name => "${var.project}-${name}" }
  total_gpus = sum([for e in values(var.experiments) : e.gpus])
  configs = {
    for name, e in var.experiments : name => yamlencode({
      model         = e.model
      learning_rate = e.learning_rate
      gpus          = e.gpus
      run           = local.run_names[name]
    })
  }
}

output "run_names" {
  value = local.run_names
}

output "total_gpus" {
  value = local.total_gpus
}

output "configs" {
  value = local.configs
}
