variables {
  name  = "strata-serving-test"
  image = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.3-tgi2.2-gpu-py310-cu121-ubuntu22.04"
}

run "one_variant" {
  command = plan

  variables {
    instance_count = 2
    environment    = { MAX_BATCH_SIZE = "8" }
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.production_variants[0].initial_instance_count == 2
    error_message = "two instances were asked for"
  }

  assert {
    condition     = aws_sagemaker_model.this.primary_container[0].environment["MAX_BATCH_SIZE"] == "8"
    error_message = "the container environment is lost"
  }
}

run "rejects_non_sagemaker_types" {
  command = plan

  variables {
    instance_type = "g5.xlarge"
  }

  expect_failures = [var.instance_type]
}

run "rejects_http_artifacts" {
  command = plan

  variables {
    model_data_url = "https://example.com/model.tar.gz"
  }

  expect_failures = [var.model_data_url]
}

# moto knows only older SageMaker instance types (no ml.g5).
run "applies" {
  variables {
    model_data_url = "s3://strata-serving-test/model.tar.gz"
    instance_type  = "ml.g4dn.xlarge"
  }

  assert {
    condition     = output.endpoint_name == "strata-serving-test" && startswith(output.endpoint_arn, "arn:aws:sagemaker:")
    error_message = "unexpected endpoint ${output.endpoint_arn}"
  }
}
