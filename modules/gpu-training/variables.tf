variable "name" {
  description = "Name prefix for the fleet and its identity."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "The name must start with a lowercase letter and hold only lowercase letters, digits and dashes (2 to 31 characters)."
  }
}

variable "subnet_ids" {
  description = "Subnets the workers run in (private subnets of the network module)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "Give at least one subnet."
  }
}

variable "security_group_ids" {
  description = "Security groups of the workers (the network module's cluster group lets them reach each other)."
  type        = list(string)
  default     = []
}

variable "image_id" {
  description = "The AMI the workers boot (a Deep Learning AMI with NVIDIA drivers)."
  type        = string
}

variable "instance_types" {
  description = "GPU instance types in order of preference; the fleet may run any of them."
  type        = list(string)
  default     = ["p4d.24xlarge", "p5.48xlarge"]

  validation {
    condition     = length(var.instance_types) > 0 && alltrue([for t in var.instance_types : can(regex("^(p[0-9]|g[0-9]|trn[0-9]|inf[0-9]|dl[0-9])[a-z0-9]*\\.[a-z0-9]+$", t))])
    error_message = "Give at least one instance type, each an accelerated type (p*, g*, trn*, inf*, dl*), such as p4d.24xlarge."
  }
}

variable "workers" {
  description = "How many workers to run."
  type        = number
  default     = 2

  validation {
    condition     = var.workers >= 0 && floor(var.workers) == var.workers
    error_message = "The workers must be a whole number, zero or more."
  }
}

variable "max_workers" {
  description = "The most workers the group may scale to; null for the larger of workers and 1."
  type        = number
  default     = null
}

variable "on_demand_workers" {
  description = "How many of the workers run on demand; the rest run on spot capacity."
  type        = number
  default     = 0
}

variable "placement_group" {
  description = "Place the workers in a cluster placement group (low-latency networking for collective communication)."
  type        = bool
  default     = true
}

variable "ttl_hours" {
  description = "How long the fleet may live; recorded as the ttl tag that reapers read."
  type        = number
  default     = 24

  validation {
    condition     = var.ttl_hours > 0 && var.ttl_hours <= 720
    error_message = "The ttl_hours must be between 1 and 720 (30 days)."
  }
}

variable "policy_arns" {
  description = "IAM policies to attach to the workers' role, by a name of your choosing (for example { lake = module.lake.read_policy_arn }); the names must be known when planning, the ARNs need not be."
  type        = map(string)
  default     = {}
}

variable "user_data" {
  description = "A shell script the workers run at boot (the training launcher)."
  type        = string
  default     = "#!/bin/bash\nnvidia-smi\n"
}

variable "tags" {
  description = "Tags for every resource; the workers carry them too."
  type        = map(string)
  default     = {}
}
