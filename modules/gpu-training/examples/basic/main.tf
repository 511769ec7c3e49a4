provider "aws" {
  region = "us-east-1"
}

module "network" {
  source = "../../../network"
  name   = "pretrain"
}

module "lake" {
  source = "../../../data-lake"
  name   = "pretrain-data"
  zones  = ["datasets", "checkpoints"]
}

module "training" {
  source = "../.."

  name               = "pretrain"
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.cluster_security_group_id]
  image_id           = "ami-0123456789abcdef0"
  instance_types     = ["p5.48xlarge", "p4d.24xlarge"]
  workers            = 4
  policy_arns        = { lake = module.lake.read_policy_arn }
  ttl_hours          = 12
}
