provider "aws" {
  region = "us-east-1"
}

module "network" {
  source = "../../../network"
  name   = "k8s-gpu"
  zones  = 3
}

module "eks" {
  source = "../.."

  name               = "k8s-gpu"
  subnet_ids         = module.network.private_subnet_ids
  gpu_instance_types = ["g5.12xlarge", "g6.12xlarge"]
  capacity_type      = "SPOT"
  gpu_nodes          = 2
}
