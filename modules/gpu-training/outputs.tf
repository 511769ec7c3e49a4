output "autoscaling_group_name" {
  description = "The workers' auto scaling group."
  value       = aws_autoscaling_group.workers.name
}

output "launch_template_id" {
  description = "The workers' launch template."
  value       = aws_launch_template.worker.id
}

output "role_arn" {
  description = "The workers' IAM role's ARN."
  value       = aws_iam_role.worker.arn
}

output "role_name" {
  description = "The workers' IAM role, to attach more policies to."
  value       = aws_iam_role.worker.name
}

output "instance_profile_name" {
  description = "The workers' instance profile."
  value       = aws_iam_instance_profile.worker.name
}

output "placement_group" {
  description = "The cluster placement group's name (null when placement_group is false)."
  value       = one(aws_placement_group.cluster[*].name)
}
