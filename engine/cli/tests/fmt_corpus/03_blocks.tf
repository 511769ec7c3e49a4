terraform {
required_version = ">= 1.5"
  required_providers {
  aws = {
  source = "hashicorp/aws"
    version = "~> 5.0"
  }
  }
  backend "s3" {
    bucket="state"
    key = "ml/terraform.tfstate"
    region="us-east-1"
  }
}

provider "aws" {
    region = var.region
    alias="west"
}
