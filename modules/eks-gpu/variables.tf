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

variable "kubernetes_version" {
  description = "The Kubernetes version of the control plane."
  type        = string
  default     = "1.30"

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "The kubernetes_version is a minor version such as 1.30."
  }
}

variable "subnet_ids" {
  description = "Subnets of the control plane and the nodes (at least two zones)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "EKS needs subnets in at least two zones."
  }
}

variable "gpu_instance_types" {
  description = "Instance types of the GPU node group."
  type        = list(string)
  default     = ["g5.12xlarge"]
}

variable "gpu_nodes" {
  description = "How many GPU nodes to run."
  type        = number
  default     = 2
}

variable "max_gpu_nodes" {
  description = "The most GPU nodes the group may scale to."
  type        = number
  default     = 8

  validation {
    condition     = var.max_gpu_nodes >= 1
    error_message = "The max_gpu_nodes must be at least 1."
  }
}

variable "capacity_type" {
  description = "ON_DEMAND or SPOT capacity for the GPU nodes."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.capacity_type)
    error_message = "The capacity_type is ON_DEMAND or SPOT."
  }
}

variable "gpu_taint" {
  description = "Taint the GPU nodes with nvidia.com/gpu=true:NoSchedule so only pods that ask for GPUs land there."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Kubernetes labels of the GPU nodes, besides nvidia.com/gpu.present."
  type        = map(string)
  default     = {}
}
