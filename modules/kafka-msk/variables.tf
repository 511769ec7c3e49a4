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

variable "kafka_version" {
  description = "The Apache Kafka version."
  type        = string
  default     = "3.6.0"
}

variable "subnet_ids" {
  description = "Client subnets, one per zone; brokers are spread evenly over them."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "MSK needs client subnets in at least two zones."
  }
}

variable "security_group_ids" {
  description = "Security groups of the brokers (the network module's cluster group)."
  type        = list(string)
}

variable "brokers" {
  description = "How many brokers; a multiple of the number of subnets."
  type        = number
  default     = 2
}

variable "broker_instance_type" {
  description = "Instance type of the brokers."
  type        = string
  default     = "kafka.m5.large"

  validation {
    condition     = startswith(var.broker_instance_type, "kafka.")
    error_message = "MSK broker types start with kafka. (for example kafka.m5.large)."
  }
}

variable "volume_size" {
  description = "EBS storage per broker, in GiB."
  type        = number
  default     = 100

  validation {
    condition     = var.volume_size >= 1 && var.volume_size <= 16384
    error_message = "The volume_size is between 1 and 16384 GiB."
  }
}
