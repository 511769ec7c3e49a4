resource "terraform_data" "inner" {
  input = "real"
}
output "value" { value = terraform_data.inner.output }
output "other" { value = "other" }
