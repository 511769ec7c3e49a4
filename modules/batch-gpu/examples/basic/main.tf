provider "aws" {
  region = "us-east-1"
}

module "network" {
  source = "../../../network"
  name   = "inference"
}

module "batch" {
  source = "../.."

  name               = "inference"
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.cluster_security_group_id]
  instance_types     = ["g5.xlarge"]
}
