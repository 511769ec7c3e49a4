output "endpoint_name" {
  description = "The endpoint's name, to invoke it by."
  value       = aws_sagemaker_endpoint.this.name
}

output "endpoint_arn" {
  description = "The endpoint's ARN."
  value       = aws_sagemaker_endpoint.this.arn
}

output "model_name" {
  description = "The SageMaker model's name."
  value       = aws_sagemaker_model.this.name
}

output "execution_role_arn" {
  description = "The role the model runs as."
  value       = aws_iam_role.execution.arn
}
