output "cluster_arn" {
  description = "The MSK cluster's ARN."
  value       = aws_msk_cluster.this.arn
}

output "zookeeper_connect_string" {
  description = "The ZooKeeper connection string."
  value       = aws_msk_cluster.this.zookeeper_connect_string
}

output "current_version" {
  description = "The cluster's current version, for updates."
  value       = aws_msk_cluster.this.current_version
}
