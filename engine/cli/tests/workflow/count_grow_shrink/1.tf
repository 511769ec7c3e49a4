variable "n" {
  default = 3
}
resource "terraform_data" "w" {
  count = var.n
  input = "worker-${count.index}"
}
output "names" {
  value = terraform_data.w[*].output
}
