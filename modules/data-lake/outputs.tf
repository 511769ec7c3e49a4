output "bucket_names" {
  description = "Bucket name by zone."
  value       = { for zone, b in aws_s3_bucket.zone : zone => b.id }
}

output "bucket_arns" {
  description = "Bucket ARN by zone."
  value       = { for zone, b in aws_s3_bucket.zone : zone => b.arn }
}

output "read_policy_arn" {
  description = "The IAM policy that reads the whole lake."
  value       = aws_iam_policy.read.arn
}

output "write_policy_arn" {
  description = "The IAM policy that reads and writes the whole lake."
  value       = aws_iam_policy.write.arn
}

output "lock_table_name" {
  description = "The DynamoDB lock and metadata table (null when lock_table is false)."
  value       = one(aws_dynamodb_table.locks[*].name)
}
