variable "from_default" {
  default = "default"
}

variable "env_only" {
  default = "default"
}

variable "tfvars_over_env" {
  default = "default"
}

variable "auto_over_tfvars" {
  default = "default"
}

variable "later_auto_wins" {
  default = "default"
}

variable "cli_over_files" {
  default = "default"
}

variable "last_flag_wins" {
  default = "default"
}

variable "typed_list" {
  type    = list(number)
  default = []
}

variable "typed_object" {
  type = object({
    name  = string
    size  = optional(number, 3)
    flags = optional(list(string), ["a"])
  })
  default = { name = "x" }
}

variable "number_from_env" {
  type    = number
  default = 0
}
