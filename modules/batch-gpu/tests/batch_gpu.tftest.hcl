variables {
  name = "strata-batch-test"
}

run "network" {
  module {
    source = "../network"
  }
}

run "spot_by_default" {
  command = plan

  variables {
    subnet_ids         = run.network.private_subnet_ids
    security_group_ids = [run.network.cluster_security_group_id]
  }

  assert {
    condition     = aws_batch_compute_environment.gpu.compute_resources[0].type == "SPOT" && aws_batch_compute_environment.gpu.compute_resources[0].min_vcpus == 0
    error_message = "jobs should run on spot and scale to zero"
  }
}

run "applies_on_demand" {
  variables {
    subnet_ids         = run.network.private_subnet_ids
    security_group_ids = [run.network.cluster_security_group_id]
    spot               = false
    max_vcpus          = 16
  }

  assert {
    condition     = output.job_queue_name == "strata-batch-test-gpu" && aws_batch_compute_environment.gpu.compute_resources[0].type == "EC2"
    error_message = "unexpected queue ${output.job_queue_name}"
  }
}

run "rejects_zero_vcpus" {
  command = plan

  variables {
    subnet_ids         = run.network.private_subnet_ids
    security_group_ids = [run.network.cluster_security_group_id]
    max_vcpus          = 0
  }

  expect_failures = [var.max_vcpus]
}
