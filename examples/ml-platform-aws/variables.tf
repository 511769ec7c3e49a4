variable "name" {
  type    = string
  default = "ml-platform"
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "vpc_cidr" {
  type    = string
  default = "10.30.0.0/16"
}

variable "kubernetes_version" {
  type    = string
  default = "1.30"
}

variable "gpu_node_type" {
  description = "GPU instance type of the EKS node group and the Batch environment."
  type        = string
  default     = "g5.12xlarge"
}

variable "gpu_nodes" {
  type    = number
  default = 2
}

variable "spark_workers" {
  type    = number
  default = 2
}

variable "serving_image" {
  type    = string
  default = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.3-tgi2.2-gpu-py310-cu121-ubuntu22.04"
}

variable "model_data_url" {
  type    = string
  default = null
}

variable "endpoint_instance_type" {
  type    = string
  default = "ml.g4dn.xlarge"
}

variable "endpoint_instances" {
  type    = number
  default = 1
}

variable "batch_max_vcpus" {
  type    = number
  default = 96
}
