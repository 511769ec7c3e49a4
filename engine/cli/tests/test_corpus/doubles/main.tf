resource "terraform_data" "seed" {
  input = "real-seed"
}
resource "terraform_data" "user" {
  input = "uses-${terraform_data.seed.output}"
}
output "seed" { value = terraform_data.seed.output }
output "user" { value = terraform_data.user.output }
