output "vpc_id" {
  value = aws_vpc.main.id
}

output "subnet_ids" {
  value = aws_subnet.public[*].id
}

output "dataset_bucket" {
  value = aws_s3_bucket.datasets.id
}

output "worker_role_arn" {
  value = module.fleet.role_arn
}

output "gpus_per_worker" {
  description = "GPUs of the preferred instance type, as AWS describes it."
  value = {
    count  = sum(data.aws_ec2_instance_type.gpu.gpus[*].count)
    model  = one(distinct(data.aws_ec2_instance_type.gpu.gpus[*].name))
    memory = data.aws_ec2_instance_type.gpu.total_gpu_memory
  }
}
