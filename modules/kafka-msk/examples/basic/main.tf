provider "aws" {
  region = "us-east-1"
}

module "network" {
  source = "../../../network"
  name   = "events"
  zones  = 3
}

module "kafka" {
  source = "../.."

  name               = "events"
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.cluster_security_group_id]
  brokers            = 3
}
