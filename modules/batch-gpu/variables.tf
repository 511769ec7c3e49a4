variable "name" {
  description = "Name prefix for everything the module creates."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "The name must start with a lowercase letter and hold only lowercase letters, digits and dashes (2 to 31 characters)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "subnet_ids" {
  description = "Subnets the batch instances run in."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the batch instances."
  type        = list(string)
}

variable "instance_types" {
  description = "GPU instance types the compute environment may launch."
  type        = list(string)
  default     = ["g5.xlarge", "g5.2xlarge"]
}

variable "max_vcpus" {
  description = "The most vCPUs the compute environment may run at once (it scales to zero when idle)."
  type        = number
  default     = 64

  validation {
    condition     = var.max_vcpus >= 1
    error_message = "The max_vcpus must be at least 1."
  }
}

variable "spot" {
  description = "Run jobs on spot capacity."
  type        = bool
  default     = true
}

variable "priority" {
  description = "The job queue's priority among queues sharing the compute environment."
  type        = number
  default     = 10
}
