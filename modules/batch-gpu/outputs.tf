output "job_queue_arn" {
  description = "The job queue to submit GPU jobs to."
  value       = aws_batch_job_queue.gpu.arn
}

output "job_queue_name" {
  description = "The job queue's name."
  value       = aws_batch_job_queue.gpu.name
}

output "compute_environment_arn" {
  description = "The GPU compute environment."
  value       = aws_batch_compute_environment.gpu.arn
}

output "instance_role_name" {
  description = "The instances' IAM role, to attach data access policies to."
  value       = aws_iam_role.instance.name
}
