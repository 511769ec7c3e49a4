# Terraform's built-in provider, for its functions (provider::terraform::…).
terraform {
  required_providers {
    terraform = { source = "terraform.io/builtin/terraform" }
  }
}
