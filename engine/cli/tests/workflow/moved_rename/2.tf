moved {
  from = terraform_data.old
  to   = terraform_data.new
}
resource "terraform_data" "new" {
  input = "keep me"
}
output "v" {
  value = terraform_data.new.output
}
