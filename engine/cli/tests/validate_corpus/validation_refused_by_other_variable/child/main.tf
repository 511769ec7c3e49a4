variable "steps" {
  type = list(string)
}

variable "enabled" {
  type = bool

  validation {
    condition     = !var.enabled || length(var.steps) > 0
    error_message = "An enabled pool needs steps."
  }
}

output "count" {
  value = length(var.steps)
}
