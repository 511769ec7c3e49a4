variables {
  name     = "strata-gang-test"
  image_id = "ami-12c6146b"
  regions  = ["us-east-1"]
}

run "candidates_follow_the_preference_order" {
  command = plan

  variables {
    instance_types = ["p5.48xlarge", "p4d.24xlarge", "g5.xlarge"]
  }

  assert {
    condition     = [for c in gpu_fleet.gang.candidate : c.instance_type] == ["p5.48xlarge", "p4d.24xlarge", "g5.xlarge"]
    error_message = "every instance type should be a candidate, in order"
  }

  assert {
    condition     = gpu_fleet.gang.spot[0].fallback_to_on_demand
    error_message = "spot should fall back to on-demand by default"
  }
}

run "on_demand_only" {
  command = plan

  variables {
    spot = false
  }

  assert {
    condition     = length(gpu_fleet.gang.spot) == 0
    error_message = "no spot block when spot is off"
  }
}

run "rejects_cpu_instance_types" {
  command = plan

  variables {
    instance_types = ["m5.large"]
  }

  expect_failures = [var.instance_types]
}

run "places_the_gang" {
  variables {
    nodes           = 2
    instance_types  = ["g5.xlarge"]
    placement_group = false
    ttl             = "2h"
  }

  assert {
    condition     = length(gpu_fleet.gang.instance_ids) == 2
    error_message = "the whole gang should be placed"
  }

  assert {
    condition     = gpu_fleet.gang.region == "us-east-1" && gpu_fleet.gang.instance_type == "g5.xlarge"
    error_message = "the gang should land on its candidate"
  }

  assert {
    condition     = timecmp(gpu_fleet.gang.expires_at, timeadd(gpu_fleet.gang.created_at, "2h")) == 0
    error_message = "the fleet should expire two hours after it was created"
  }
}
