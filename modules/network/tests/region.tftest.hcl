# A provider block in a test file configures the provider for its runs
# in place of the stack's own (here: another region).
provider "aws" {
  region = "eu-west-1"
}

variables {
  name = "strata-net-region"
}

run "uses_the_test_files_region" {
  command = plan

  assert {
    condition     = aws_vpc_endpoint.s3[0].service_name == "com.amazonaws.eu-west-1.s3"
    error_message = "expected the eu-west-1 S3 service: ${aws_vpc_endpoint.s3[0].service_name}"
  }

  assert {
    condition     = startswith(output.zones[0], "eu-west-1")
    error_message = "expected zones of eu-west-1: ${jsonencode(output.zones)}"
  }
}
