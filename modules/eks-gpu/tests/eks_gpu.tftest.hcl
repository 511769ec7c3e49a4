variables {
  name = "strata-eks-test"
}

run "network" {
  module {
    source = "../network"
  }
}

run "taints_and_labels_gpu_nodes" {
  command = plan

  variables {
    subnet_ids = run.network.private_subnet_ids
    labels     = { team = "research" }
  }

  assert {
    condition     = aws_eks_node_group.gpu.labels["nvidia.com/gpu.present"] == "true" && aws_eks_node_group.gpu.labels["team"] == "research"
    error_message = "the GPU nodes lack their labels"
  }

  assert {
    condition     = length(aws_eks_node_group.gpu.taint) == 1
    error_message = "the GPU nodes should be tainted"
  }

  assert {
    condition     = aws_eks_node_group.gpu.ami_type == "AL2_x86_64_GPU"
    error_message = "the GPU nodes need the GPU AMI"
  }
}

run "rejects_unknown_capacity" {
  command = plan

  variables {
    subnet_ids    = run.network.private_subnet_ids
    capacity_type = "RESERVED"
  }

  expect_failures = [var.capacity_type]
}

run "applies" {
  variables {
    subnet_ids    = run.network.private_subnet_ids
    capacity_type = "SPOT"
    gpu_nodes     = 1
  }

  assert {
    condition     = output.cluster_name == "strata-eks-test" && output.node_group_name == "gpu"
    error_message = "unexpected cluster: ${output.cluster_name}"
  }
}
