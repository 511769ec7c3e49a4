variable "gpus" {
  type    = number
  default = 16
  validation {
    condition     = var.gpus <= 8
    error_message = "At most 8 GPUs per node."
  }
}
