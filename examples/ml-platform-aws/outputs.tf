output "eks_endpoint" {
  value = aws_eks_cluster.main.endpoint
}

output "gpu_node_group" {
  value = aws_eks_node_group.gpu.arn
}

output "spark_master" {
  value = aws_emr_cluster.spark.master_public_dns
}

output "inference_endpoint" {
  value = aws_sagemaker_endpoint.llm.name
}

output "batch_queue" {
  value = aws_batch_job_queue.inference.arn
}
