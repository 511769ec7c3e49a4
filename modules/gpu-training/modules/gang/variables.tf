variable "name" {
  description = "The fleet's name, unique in the account: its nodes are tagged with it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,40}$", var.name))
    error_message = "name must be 3-41 lowercase letters, digits and hyphens."
  }
}

variable "nodes" {
  description = "Nodes in the gang: all of them are placed in one zone, or none."
  type        = number
  default     = 2

  validation {
    condition     = var.nodes >= 1 && floor(var.nodes) == var.nodes
    error_message = "nodes must be a whole number of at least 1."
  }
}

variable "instance_types" {
  description = "GPU instance types, preferred first; each is tried in every region before the next."
  type        = list(string)
  default     = ["p5.48xlarge", "p4d.24xlarge"]

  validation {
    condition     = length(var.instance_types) > 0 && alltrue([for t in var.instance_types : can(regex("^(p|g|trn|inf|dl)[0-9]", t))])
    error_message = "instance_types must list GPU or accelerator types (p*, g*, trn*, inf*, dl*)."
  }
}

variable "regions" {
  description = "Regions tried in order; empty means the gpu provider's regions."
  type        = list(string)
  default     = []
}

variable "image_id" {
  description = "The AMI: one id, or a map of region to id."
  type        = any
}

variable "subnet_ids" {
  description = "Subnet per zone; zones not listed use the default VPC."
  type        = map(string)
  default     = {}
}

variable "security_group_ids" {
  description = "Security groups of the subnets' VPC."
  type        = list(string)
  default     = []
}

variable "spot" {
  description = "Try spot capacity first."
  type        = bool
  default     = true
}

variable "on_demand_fallback" {
  description = "Fall back to on-demand when no spot capacity is found."
  type        = bool
  default     = true
}

variable "max_spot_price" {
  description = "The most to pay per node-hour on spot, in USD (null: the on-demand price)."
  type        = number
  default     = null
}

variable "placement_group" {
  description = "Place the gang in a cluster placement group."
  type        = bool
  default     = true
}

variable "ttl" {
  description = "How long after creation `strata reap` destroys the fleet."
  type        = string
  default     = "24h"
}

variable "idle_timeout" {
  description = "GPU utilization below idle_threshold this long lets `strata reap` destroy the fleet."
  type        = string
  default     = "1h"
}

variable "idle_threshold" {
  description = "Percent GPU utilization under which the fleet counts as idle."
  type        = number
  default     = 5
}

variable "done_when_object" {
  description = "s3://BUCKET/KEY whose existence says training is done (null: none)."
  type        = string
  default     = null
}

variable "policy_arns" {
  description = "More IAM policies for the nodes, by a name of your choice."
  type        = map(string)
  default     = {}
}

variable "user_data" {
  description = "Script run on each node at boot."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags for the nodes and the role."
  type        = map(string)
  default     = {}
}
