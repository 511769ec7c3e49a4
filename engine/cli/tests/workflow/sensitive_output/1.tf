variable "token" {
  default   = "s3cr3t"
  sensitive = true
}
resource "terraform_data" "secret" {
  input = var.token
}
output "token" {
  value     = terraform_data.secret.output
  sensitive = true
}
