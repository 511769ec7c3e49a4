output "cluster_name" {
  description = "The EKS cluster's name."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "The Kubernetes API server's URL."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_arn" {
  description = "The EKS cluster's ARN."
  value       = aws_eks_cluster.this.arn
}

output "node_group_name" {
  description = "The GPU node group's name."
  value       = aws_eks_node_group.gpu.node_group_name
}

output "node_role_arn" {
  description = "The nodes' IAM role, to grant pods' AWS access through."
  value       = aws_iam_role.nodes.arn
}
