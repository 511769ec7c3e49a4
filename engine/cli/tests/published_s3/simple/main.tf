provider "aws" {
  region = "us-east-1"
}

variable "name" {
  type    = string
  default = "simple"
}

module "s3_bucket" {
  source = "../module"

  bucket        = "ex-${var.name}"
  force_destroy = true

  versioning = {
    enabled = true
  }

  tags = {
    Owner = "ml-platform"
  }
}

output "s3_bucket_id" {
  value = module.s3_bucket.s3_bucket_id
}
