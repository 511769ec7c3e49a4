resource "terraform_data" "a" {
  input = "two"
}
output "a" {
  value = terraform_data.a.output
}
