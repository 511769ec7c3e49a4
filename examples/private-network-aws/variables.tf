variable "name" {
  description = "Prefix of every name."
  type        = string
  default     = "ml-private"
}

variable "region" {
  type    = string
  default = "us-east-1"
}
