variable "a" { type = "string" }
variable "b" {
  type = "list"
}
variable "c" {
  type = "map"
  default = {}
}
variable "d" {
  type = list
}
variable "e" {
  type = map
}
variable "f" {
  type = set
}
variable "g" {
  type = object({ name = string, size = optional(number, 1) })
  description = "an object"
  sensitive = true
  nullable=false
  validation {
    condition = length(var.g.name) > 0
    error_message = "Name must not be empty."
  }
}
