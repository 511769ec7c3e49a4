resource "terraform_data" "policy" {
  input = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
        Resource  = ["arn:aws:s3:::datasets", "arn:aws:s3:::datasets/*"]
        Principal = { Service = "sagemaker.amazonaws.com" }
      },
      {
        Effect   = "Deny"
        Action   = ["s3:DeleteObject"]
        Resource = ["arn:aws:s3:::datasets/*"]
      },
    ]
  })
}

resource "terraform_data" "config" {
  input = "plain"
}

output "policy" {
  value = terraform_data.policy.output
}
