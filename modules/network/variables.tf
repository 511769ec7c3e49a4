variable "name" {
  description = "Name prefix for everything the module creates."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}$", var.name))
    error_message = "The name must start with a lowercase letter and hold only lowercase letters, digits and dashes (2 to 39 characters)."
  }
}

variable "cidr_block" {
  description = "The VPC's address range; each private subnet gets a /20 of it."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "The cidr_block must be an IPv4 range of /20 or larger, such as 10.40.0.0/16."
  }
}

variable "zones" {
  description = "How many availability zones to spread private subnets over."
  type        = number
  default     = 2

  validation {
    condition     = var.zones >= 1 && var.zones <= 6 && floor(var.zones) == var.zones
    error_message = "The zones must be a whole number from 1 to 6."
  }
}

variable "s3_endpoint" {
  description = "Route S3 traffic through a gateway endpoint (no NAT charges for data reads)."
  type        = bool
  default     = true
}

variable "cluster_ports" {
  description = "TCP port ranges members of the cluster security group may use among themselves (NCCL, EFA, Spark, Kafka)."
  type = list(object({
    from = number
    to   = number
  }))
  default = [{ from = 0, to = 65535 }]
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
