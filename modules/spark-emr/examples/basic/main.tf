provider "aws" {
  region = "us-east-1"
}

module "network" {
  source = "../../../network"
  name   = "features"
}

module "spark" {
  source = "../.."

  name            = "features"
  subnet_id       = module.network.private_subnet_ids[0]
  core_instances  = 4
  core_spot_price = 0.6
}
