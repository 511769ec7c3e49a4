variable "enable_gpu" {
  default = true
}
resource "terraform_data" "gpu" {
  count = var.enable_gpu ? 1 : 0
  input = "p4d.24xlarge"
}
output "gpu" {
  value = one(terraform_data.gpu[*].output)
}
