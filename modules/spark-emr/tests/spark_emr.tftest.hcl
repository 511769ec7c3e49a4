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
