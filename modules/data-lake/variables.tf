variable "name" {
  description = "Name prefix; buckets are named NAME-ZONE (for example ml-raw)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,40}$", var.name))
    error_message = "The name must hold only lowercase letters, digits and dashes (2 to 41 characters), as bucket names require."
  }
}

variable "zones" {
  description = "The lake's zones, one bucket each (raw data, features, model artifacts, …)."
  type        = set(string)
  default     = ["raw", "features", "models"]

  validation {
    condition     = length(var.zones) > 0 && alltrue([for z in var.zones : can(regex("^[a-z0-9-]+$", z))])
    error_message = "Give at least one zone; zone names hold only lowercase letters, digits and dashes."
  }
}

variable "kms_key_id" {
  description = "A KMS key to encrypt objects with; null encrypts with S3-managed keys (SSE-S3)."
  type        = string
  default     = null
}

variable "transition_after_days" {
  description = "Days after which objects move to infrequent access storage (0 to keep them in standard storage)."
  type        = number
  default     = 30

  validation {
    condition     = var.transition_after_days == 0 || var.transition_after_days >= 30
    error_message = "S3 moves objects to infrequent access only after 30 days or more; use 0 to never move them."
  }
}

variable "expire_noncurrent_after_days" {
  description = "Days after which overwritten (noncurrent) versions are deleted."
  type        = number
  default     = 90
}

variable "force_destroy" {
  description = "Let destroy delete buckets that still hold objects."
  type        = bool
  default     = false
}

variable "lock_table" {
  description = "Create a DynamoDB table for dataset locks and metadata."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
