resource "terraform_data" "w" {
  count = 5
  input = "worker-${count.index}"
}
output "names" {
  value = terraform_data.w[*].output
}
