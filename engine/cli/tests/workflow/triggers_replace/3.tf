resource "terraform_data" "image" {
  input            = "v2"
  triggers_replace = "build-2"
}
output "image" {
  value = terraform_data.image.output
}
