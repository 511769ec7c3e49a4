resource "terraform_data" "image" {
  input            = "v1"
  triggers_replace = "build-1"
}
output "image" {
  value = terraform_data.image.output
}
