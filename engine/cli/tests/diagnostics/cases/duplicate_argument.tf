variable "region" {
  default = "a"
  default = "b"
}
