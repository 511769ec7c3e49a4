variables {
  name       = "strata-gpu-test"
  subnet_ids = ["subnet-0123456789abcdef0"]
  image_id   = "ami-0123456789abcdef0"
}

run "mixes_spot_and_on_demand" {
  command = plan

  variables {
    workers           = 4
    on_demand_workers = 1
  }

  assert {
    condition     = aws_autoscaling_group.workers.mixed_instances_policy[0].instances_distribution[0].on_demand_base_capacity == 1
    error_message = "one worker should run on demand"
  }

  assert {
    condition     = length(aws_autoscaling_group.workers.mixed_instances_policy[0].launch_template[0].override) == 2
    error_message = "every instance type should be an override"
  }

  assert {
    condition     = aws_placement_group.cluster[0].strategy == "cluster"
    error_message = "the fleet should be placed in a cluster placement group"
  }
}

run "tags_the_ttl" {
  command = plan

  variables {
    ttl_hours = 12
  }

  assert {
    condition     = contains([for t in aws_autoscaling_group.workers.tag : "${t.key}=${t.value}" if t.propagate_at_launch], "ttl=12h")
    error_message = "the workers should carry ttl=12h"
  }
}

run "rejects_cpu_instance_types" {
  command = plan

  variables {
    instance_types = ["m5.large"]
  }

  expect_failures = [var.instance_types]
}

run "network" {
  module {
    source = "../network"
  }

  variables {
    name = "strata-gpu-test"
  }
}

# moto implements no placement groups: the applied fleet goes without.
run "applies" {
  variables {
    subnet_ids         = run.network.private_subnet_ids
    security_group_ids = [run.network.cluster_security_group_id]
    placement_group    = false
    workers            = 0
  }

  assert {
    condition     = output.autoscaling_group_name == "strata-gpu-test-workers" && output.placement_group == null
    error_message = "unexpected fleet: ${output.autoscaling_group_name}"
  }
}
