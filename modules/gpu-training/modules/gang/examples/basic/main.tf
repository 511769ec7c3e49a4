provider "aws" {
  region = "us-east-1"
}

provider "gpu" {
  aws {
    regions = ["us-east-1", "us-west-2"]
  }
}

module "gang" {
  source = "../.."

  name           = "pretrain-gang"
  nodes          = 4
  instance_types = ["p5.48xlarge", "p4d.24xlarge"]
  image_id       = "ami-12c6146b"
  ttl            = "12h"
  tags           = { team = "research" }
}

output "placement" {
  value = module.gang.placement
}
