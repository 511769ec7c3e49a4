variables {
  name = "strata-msk-test"
}

run "network" {
  module {
    source = "../network"
  }
}

run "spreads_brokers_evenly" {
  command = plan

  variables {
    subnet_ids         = run.network.private_subnet_ids
    security_group_ids = [run.network.cluster_security_group_id]
    brokers            = 3
  }

  expect_failures = [aws_msk_cluster.this]
}

run "rejects_non_kafka_types" {
  command = plan

  variables {
    subnet_ids           = run.network.private_subnet_ids
    security_group_ids   = [run.network.cluster_security_group_id]
    broker_instance_type = "m5.large"
  }

  expect_failures = [var.broker_instance_type]
}

# moto keeps MSK clusters CREATING for ever, so this module is tested by
# plan only: an apply would wait for ACTIVE.
run "plans_the_brokers" {
  command = plan

  variables {
    subnet_ids         = run.network.private_subnet_ids
    security_group_ids = [run.network.cluster_security_group_id]
    brokers            = 4
    volume_size        = 200
  }

  assert {
    condition     = aws_msk_cluster.this.broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size == 200
    error_message = "the brokers should have 200 GiB each"
  }

  assert {
    condition     = aws_msk_cluster.this.number_of_broker_nodes == 4 && aws_msk_cluster.this.broker_node_group_info[0].instance_type == "kafka.m5.large"
    error_message = "four kafka.m5.large brokers were asked for"
  }
}
