variable "region" {}
output "r" {
  value = var.regoin
}
