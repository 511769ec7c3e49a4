output "cluster_id" {
  description = "The EMR cluster's id (j-…)."
  value       = aws_emr_cluster.spark.id
}

output "master_public_dns" {
  description = "The primary node's DNS name, for the Spark UI and spark-submit."
  value       = aws_emr_cluster.spark.master_public_dns
}

output "service_role_arn" {
  description = "The EMR service role."
  value       = aws_iam_role.service.arn
}

output "node_role_name" {
  description = "The nodes' IAM role, to attach data access policies to."
  value       = aws_iam_role.nodes.name
}
