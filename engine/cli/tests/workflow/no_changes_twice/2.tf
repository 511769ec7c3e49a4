resource "terraform_data" "stable" {
  input = { a = [1, 2, 3] }
}
output "stable" {
  value = terraform_data.stable.output
}
