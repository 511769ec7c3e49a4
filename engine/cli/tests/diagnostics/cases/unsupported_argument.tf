variable "region" {
  tpye = string
}
