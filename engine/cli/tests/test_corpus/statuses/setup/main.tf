resource "terraform_data" "seed" { input = "seed" }
output "seed" { value = terraform_data.seed.output }
