resource "terraform_data" "w" {
  count = 1
  input = "worker-${count.index}"
}
output "names" {
  value = terraform_data.w[*].output
}
