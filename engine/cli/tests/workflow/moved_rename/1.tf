resource "terraform_data" "old" {
  input = "keep me"
}
output "v" {
  value = terraform_data.old.output
}
