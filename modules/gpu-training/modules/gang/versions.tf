terraform {
  required_version = ">= 1.5"

  # gpu_fleet comes from Strata's built-in gpu provider.
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
