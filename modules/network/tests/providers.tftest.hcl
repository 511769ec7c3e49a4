# A run's providers argument gives the module the test file's provider
# configurations it names.
provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "ireland"
  region = "eu-west-1"
}

variables {
  name = "strata-net-mapped"
}

run "default_configuration" {
  command = plan

  assert {
    condition     = aws_vpc_endpoint.s3[0].service_name == "com.amazonaws.us-east-1.s3"
    error_message = "expected us-east-1: ${aws_vpc_endpoint.s3[0].service_name}"
  }
}

run "mapped_configuration" {
  command = plan

  providers = {
    aws = aws.ireland
  }

  assert {
    condition     = aws_vpc_endpoint.s3[0].service_name == "com.amazonaws.eu-west-1.s3"
    error_message = "expected eu-west-1: ${aws_vpc_endpoint.s3[0].service_name}"
  }
}
