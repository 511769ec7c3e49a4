provider "aws" {
  region = "us-east-1"
}

module "lake" {
  source = "../.."

  name  = "acme-ml"
  zones = ["raw", "curated", "features", "models"]
}

output "buckets" {
  value = module.lake.bucket_names
}
