variables {
  name = "strata-emr-test"
}

run "network" {
  module {
    source = "../network"
  }
}

run "spot_core_nodes" {
  command = plan

  variables {
    subnet_id       = run.network.private_subnet_ids[0]
    core_spot_price = 0.5
  }

  assert {
    condition     = aws_emr_cluster.spark.core_instance_group[0].bid_price == "0.5"
    error_message = "the core nodes should bid for spot capacity"
  }

  assert {
    condition     = aws_emr_cluster.spark.applications == toset(["Spark", "Hadoop"])
    error_message = "Spark and Hadoop by default"
  }
}

run "rejects_bad_releases" {
  command = plan

  variables {
    subnet_id     = run.network.private_subnet_ids[0]
    release_label = "7.1"
  }

  expect_failures = [var.release_label]
}

run "applies" {
  variables {
    subnet_id      = run.network.private_subnet_ids[0]
    core_instances = 1
  }

  assert {
    condition     = startswith(output.cluster_id, "j-")
    error_message = "unexpected cluster id ${output.cluster_id}"
  }
}

run "transient_cluster" {
  variables {
    subnet_id             = run.network.private_subnet_ids[0]
    core_instances        = 1
    terminate_after_steps = true
    steps = [
      { name = "prepare", args = ["spark-submit", "--deploy-mode", "cluster", "s3://jobs/prepare.py"] },
      { name = "features", jar = "s3://jobs/features.jar", main_class = "ml.Features", args = ["--date", "2026-11-30"], action_on_failure = "CONTINUE" },
    ]
  }

  assert {
    condition     = !aws_emr_cluster.spark.keep_job_flow_alive_when_no_steps
    error_message = "the cluster should terminate after its steps"
  }

  assert {
    condition     = [for s in aws_emr_cluster.spark.step : s.name] == ["prepare", "features"]
    error_message = "the steps should run in the order given"
  }

  assert {
    condition     = aws_emr_cluster.spark.step[1].hadoop_jar_step[0].main_class == "ml.Features"
    error_message = "the second step runs its own jar's main class"
  }
}

run "rejects_terminating_without_steps" {
  command = plan

  variables {
    subnet_id             = run.network.private_subnet_ids[0]
    terminate_after_steps = true
  }

  expect_failures = [var.terminate_after_steps]
}
