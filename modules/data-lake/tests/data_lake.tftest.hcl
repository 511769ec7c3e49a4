variables {
  name          = "strata-lake-test"
  force_destroy = true
}

run "encrypts_with_s3_keys_by_default" {
  command = plan

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.zone["raw"].rule).apply_server_side_encryption_by_default[0].sse_algorithm == "AES256"
    error_message = "without a KMS key the buckets use SSE-S3"
  }
}

run "encrypts_with_kms_when_given_a_key" {
  command = plan

  variables {
    kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/lake"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.zone["models"].rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    error_message = "a KMS key switches the buckets to SSE-KMS"
  }
}

run "applies" {
  variables {
    zones = ["raw", "features"]
  }

  assert {
    condition     = output.bucket_names == { raw = "strata-lake-test-raw", features = "strata-lake-test-features" }
    error_message = "bucket names: ${jsonencode(output.bucket_names)}"
  }

  assert {
    condition     = output.lock_table_name == "strata-lake-test-lake-locks"
    error_message = "the lock table is missing"
  }

  assert {
    condition     = length(jsondecode(aws_iam_policy.read.policy).Statement[1].Resource) == 2
    error_message = "the read policy must cover both zones"
  }
}

run "rejects_early_transitions" {
  command = plan

  variables {
    transition_after_days = 10
  }

  expect_failures = [var.transition_after_days]
}
