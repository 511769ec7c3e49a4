module "vpc" {
  source = "./modules/vpc"
  cidr = "10.0.0.0/16"
  azs = ["us-east-1a","us-east-1b"]
  providers = {
    aws = aws.west
  }
}
output "vpc_id" {
  value = module.vpc.id
  description = "The VPC"
  sensitive = false
}
moved {
  from = aws_instance.a
  to = aws_instance.b
}
import {
  to = aws_s3_bucket.data
  id = "my-bucket"
}
removed {
  from = aws_instance.old
  lifecycle {
    destroy = false
  }
}
check "health" {
  assert {
    condition = data.http.h.status_code == 200
    error_message = "unhealthy"
  }
}
