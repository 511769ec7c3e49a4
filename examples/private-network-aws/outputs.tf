output "private_subnet_id" {
  value = aws_subnet.private.id
}

output "nat_public_ip" {
  value = aws_eip.nat.public_ip
}

output "workers_security_group" {
  value = aws_security_group.workers.name
}

output "trainer_role_arn" {
  value = aws_iam_role.trainer.arn
}

output "model_repository_url" {
  value = aws_ecr_repository.models.repository_url
}

output "jobs_queue_url" {
  value = aws_sqs_queue.jobs.url
}
