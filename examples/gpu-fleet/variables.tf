variable "name" {
  description = "The fleet's name (unique in the account) and the prefix of the bucket's."
  type        = string
  default     = "llm-pretrain"
}

variable "regions" {
  description = "Regions the fleet may land in, in order of preference."
  type        = list(string)
  default     = ["us-east-1", "us-west-2"]
}

variable "image_id" {
  description = "The AMI per region (a Deep Learning AMI with NVIDIA drivers and the CloudWatch agent)."
  type        = map(string)
  default = {
    "us-east-1" = "ami-12c6146b"
    "us-west-2" = "ami-12c6146b"
  }
}

variable "nodes" {
  type    = number
  default = 4
}

variable "run" {
  description = "The training run; its _SUCCESS marker in the bucket ends the fleet."
  type        = string
  default     = "run-42"
}

variable "placement_group" {
  type    = bool
  default = true
}
