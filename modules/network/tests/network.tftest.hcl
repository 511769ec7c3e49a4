variables {
  name = "strata-net-test"
}

run "plans_subnets_per_zone" {
  command = plan

  variables {
    zones = 3
  }

  assert {
    condition     = length(aws_subnet.private) == 3
    error_message = "expected one private subnet per zone"
  }

  assert {
    condition     = aws_subnet.private[2].cidr_block == "10.40.32.0/20"
    error_message = "the third subnet should be the third /20: ${aws_subnet.private[2].cidr_block}"
  }
}

run "applies" {
  assert {
    condition     = length(output.private_subnet_ids) == 2 && output.s3_endpoint_id != null
    error_message = "expected two subnets and an S3 endpoint"
  }

  assert {
    condition     = aws_vpc_endpoint.s3[0].route_table_ids == toset([aws_route_table.private.id])
    error_message = "the S3 endpoint is not on the private route table"
  }
}

run "without_s3_endpoint" {
  command = plan

  variables {
    s3_endpoint = false
  }

  assert {
    condition     = length(aws_vpc_endpoint.s3) == 0
    error_message = "no endpoint was asked for"
  }
}

run "rejects_small_ranges" {
  command = plan

  variables {
    cidr_block = "10.40.0.0/24"
  }

  expect_failures = [var.cidr_block]
}
