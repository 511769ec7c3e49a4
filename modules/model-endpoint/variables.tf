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

variable "image" {
  description = "The serving container image (for example a Hugging Face TGI image in ECR)."
  type        = string
}

variable "model_data_url" {
  description = "An s3:// URL of the model artifacts (model.tar.gz); null when the image holds the model."
  type        = string
  default     = null

  validation {
    condition     = var.model_data_url == null || startswith(coalesce(var.model_data_url, "s3://"), "s3://")
    error_message = "The model_data_url is an s3:// URL."
  }
}

variable "environment" {
  description = "Environment variables of the serving container."
  type        = map(string)
  default     = {}
}

variable "instance_type" {
  description = "The instance type serving the model."
  type        = string
  default     = "ml.g5.xlarge"

  validation {
    condition     = startswith(var.instance_type, "ml.")
    error_message = "SageMaker instance types start with ml. (for example ml.g5.xlarge)."
  }
}

variable "instance_count" {
  description = "How many instances serve the model."
  type        = number
  default     = 1

  validation {
    condition     = var.instance_count >= 1
    error_message = "An endpoint needs at least one instance."
  }
}

variable "policy_arns" {
  description = "IAM policies to attach to the execution role, by a name of your choosing (for example { lake = module.lake.read_policy_arn } to read the model artifacts); the names must be known when planning, the ARNs need not be."
  type        = map(string)
  default     = {}
}
