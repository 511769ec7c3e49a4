output "eks_endpoint" {
  value = module.kubernetes.cluster_endpoint
}

output "gpu_node_group" {
  value = module.kubernetes.node_group_name
}

output "spark_cluster" {
  value = module.spark.cluster_id
}

output "inference_endpoint" {
  value = module.serving.endpoint_name
}

output "batch_queue" {
  value = module.batch.job_queue_arn
}
