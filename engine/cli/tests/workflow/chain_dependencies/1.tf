resource "terraform_data" "vpc" {
  input = "10.0.0.0/16"
}
resource "terraform_data" "subnet" {
  input = cidrsubnet(terraform_data.vpc.output, 8, 1)
}
resource "terraform_data" "node" {
  input = "node in ${terraform_data.subnet.output}"
}
output "node" {
  value = terraform_data.node.output
}
