# A local ML experiment workspace: no cloud account needed.
#
# Each experiment gets a directory with a rendered training config, all
# under one workspace named by a random run id.

variable "project" {
  type        = string
  default     = "vision"
  description = "Name prefix for every experiment."
}

variable "workspace_root" {
  type        = string
  default     = "experiments"
  description = "Directory the experiment folders are created in, relative to this stack."
}

variable "experiments" {
  description = "Training runs to prepare, by name."
  type = map(object({
    model         = string
    learning_rate = optional(number, 0.001)
    gpus          = optional(number, 1)
    epochs        = optional(number, 10)
  }))
  default = {
    baseline = { model = "resnet50" }
    large    = { model = "vit-l16", gpus = 8, learning_rate = 0.0003, epochs = 30 }
  }

  validation {
    condition     = alltrue([for e in values(var.experiments) : e.gpus >= 1 && e.gpus <= 8])
    error_message = "Each experiment needs between 1 and 8 GPUs."
  }
}

resource "random_id" "run" {
  byte_length = 4
  prefix      = "${var.project}-"
}

resource "random_pet" "tracking_name" {
  length = 2
}

locals {
  run_id     = random_id.run.hex
  total_gpus = sum([for e in values(var.experiments) : e.gpus])
}

resource "local_file" "config" {
  for_each = var.experiments

  filename = "${path.module}/${var.workspace_root}/${local.run_id}/${each.key}/train.yaml"
  content = templatefile("${path.module}/templates/train.yaml.tftpl", {
    run_id        = local.run_id
    experiment    = each.key
    model         = each.value.model
    learning_rate = each.value.learning_rate
    gpus          = each.value.gpus
    epochs        = each.value.epochs
    tracking_name = random_pet.tracking_name.id
  })
  file_permission = "0644"
}

resource "terraform_data" "manifest" {
  input = {
    run_id      = local.run_id
    experiments = sort(keys(var.experiments))
    total_gpus  = local.total_gpus
  }
}

resource "local_file" "manifest" {
  filename        = "${path.module}/${var.workspace_root}/${local.run_id}/manifest.json"
  content         = jsonencode(terraform_data.manifest.output)
  file_permission = "0644"
}

output "run_id" {
  value = local.run_id
}

output "config_files" {
  value = { for name, f in local_file.config : name => f.filename }
}

output "total_gpus" {
  value = local.total_gpus
}
