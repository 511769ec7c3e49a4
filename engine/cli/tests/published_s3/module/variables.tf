variable "create_bucket" {
  type    = bool
  default = true
}

variable "bucket" {
  type    = string
  default = null
}

variable "bucket_prefix" {
  type    = string
  default = null
}

variable "acl" {
  type    = string
  default = null
}

variable "policy" {
  type    = string
  default = null
}

variable "attach_policy" {
  type    = bool
  default = false
}

variable "attach_deny_insecure_transport_policy" {
  type    = bool
  default = false
}

variable "attach_require_latest_tls_policy" {
  type    = bool
  default = false
}

variable "attach_access_log_delivery_policy" {
  type    = bool
  default = false
}

variable "access_log_delivery_policy_source_buckets" {
  type    = list(string)
  default = []
}

variable "attach_public_policy" {
  type    = bool
  default = true
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "force_destroy" {
  type    = bool
  default = false
}

variable "acceleration_status" {
  type    = string
  default = null
}

variable "request_payer" {
  type    = string
  default = null
}

variable "website" {
  type    = any
  default = {}
}

variable "cors_rule" {
  type    = any
  default = []
}

variable "versioning" {
  type    = map(string)
  default = {}
}

variable "logging" {
  type    = any
  default = {}
}

variable "grant" {
  type    = any
  default = []
}

variable "owner" {
  type    = map(string)
  default = {}
}

variable "expected_bucket_owner" {
  type    = string
  default = null
}

variable "transition_default_minimum_object_size" {
  type    = string
  default = null
}

variable "lifecycle_rule" {
  type    = any
  default = []
}

variable "replication_configuration" {
  type    = any
  default = {}
}

variable "server_side_encryption_configuration" {
  type    = any
  default = {}
}

variable "intelligent_tiering" {
  type    = any
  default = {}
}

variable "object_lock_configuration" {
  type    = any
  default = {}
}

variable "metric_configuration" {
  type    = any
  default = []
}

variable "inventory_configuration" {
  type    = any
  default = {}
}

variable "analytics_configuration" {
  type    = any
  default = {}
}

variable "object_lock_enabled" {
  type    = bool
  default = false
}

variable "block_public_acls" {
  type    = bool
  default = true
}

variable "block_public_policy" {
  type    = bool
  default = true
}

variable "ignore_public_acls" {
  type    = bool
  default = true
}

variable "restrict_public_buckets" {
  type    = bool
  default = true
}

variable "control_object_ownership" {
  type    = bool
  default = false
}

variable "object_ownership" {
  type    = string
  default = "BucketOwnerEnforced"
}
