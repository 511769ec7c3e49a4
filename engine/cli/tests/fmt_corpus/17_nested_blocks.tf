resource "aws_eks_node_group" "gpu" {
  cluster_name = aws_eks_cluster.main.name
  node_group_name = "gpu"
  ami_type = "AL2_x86_64_GPU"
  scaling_config {
    desired_size = 2
    max_size = 8
    min_size = 0
  }
  taint {
    key = "nvidia.com/gpu"
    value = "true"
    effect = "NO_SCHEDULE"
  }
  labels = {
    "nvidia.com/gpu.present" = "true"
    role = "training"
  }
}
