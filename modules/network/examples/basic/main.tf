provider "aws" {
  region = "us-east-1"
}

module "network" {
  source = "../.."

  name  = "research"
  zones = 3
  tags  = { team = "research" }
}

output "subnets" {
  value = module.network.private_subnet_ids
}
