variable "name" {
  description = "Prefix of every name; bucket names must be unique across AWS."
  type        = string
  default     = "gpu-training"
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "vpc_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

variable "admin_cidr" {
  description = "Where SSH may come from."
  type        = string
  default     = "10.0.0.0/8"
}

variable "ami_owners" {
  description = "Owners of the GPU AMI (amazon for the Deep Learning AMIs)."
  type        = list(string)
  default     = ["amazon"]
}

variable "instance_types" {
  description = "GPU instance types, preferred first; spot capacity may use any."
  type        = list(string)
  default     = ["p4d.24xlarge", "p5.48xlarge", "g5.48xlarge"]
}

variable "workers" {
  type    = number
  default = 2
}

variable "max_workers" {
  type    = number
  default = 8
}

variable "on_demand_workers" {
  description = "Workers kept on demand; the rest run on spot."
  type        = number
  default     = 1
}

variable "use_placement_group" {
  description = "Pack the workers into a cluster placement group (for NCCL bandwidth)."
  type        = bool
  default     = true
}

variable "dataset_versioning" {
  description = "Keep earlier versions of dataset and checkpoint objects."
  type        = bool
  default     = true
}

variable "model" {
  type    = string
  default = "llama-3-8b"
}

variable "epochs" {
  type    = number
  default = 3
}
