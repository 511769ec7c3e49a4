resource "terraform_data" "version" {
  input = "1"
}
resource "terraform_data" "deploy" {
  input            = "deploy"
  triggers_replace = terraform_data.version.output
}
