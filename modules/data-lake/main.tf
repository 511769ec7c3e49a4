# A data lake for ML: one versioned, encrypted bucket per zone with
# lifecycle rules, IAM policies to read or write the whole lake, and a
# DynamoDB table for dataset locks and metadata.

resource "aws_s3_bucket" "zone" {
  for_each      = var.zones
  bucket        = "${var.name}-${each.key}"
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { zone = each.key })
}

resource "aws_s3_bucket_versioning" "zone" {
  for_each = aws_s3_bucket.zone
  bucket   = each.value.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "zone" {
  for_each = aws_s3_bucket.zone
  bucket   = each.value.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_id == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_id
    }
    bucket_key_enabled = var.kms_key_id != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "zone" {
  for_each = aws_s3_bucket.zone
  bucket   = each.value.id

  rule {
    id     = "tiering"
    status = "Enabled"

    filter {
      prefix = ""
    }

    dynamic "transition" {
      for_each = var.transition_after_days > 0 ? [var.transition_after_days] : []
      content {
        days          = transition.value
        storage_class = "STANDARD_IA"
      }
    }

    noncurrent_version_expiration {
      noncurrent_days = var.expire_noncurrent_after_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

locals {
  bucket_arns = [for b in aws_s3_bucket.zone : b.arn]
  objects     = [for b in aws_s3_bucket.zone : "${b.arn}/*"]
}

resource "aws_iam_policy" "read" {
  name        = "${var.name}-lake-read"
  description = "Read every zone of the ${var.name} data lake."
  tags        = var.tags
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:ListBucket", "s3:GetBucketLocation"], Resource = local.bucket_arns },
      { Effect = "Allow", Action = ["s3:GetObject", "s3:GetObjectVersion"], Resource = local.objects },
    ]
  })
}

resource "aws_iam_policy" "write" {
  name        = "${var.name}-lake-write"
  description = "Read and write every zone of the ${var.name} data lake."
  tags        = var.tags
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:ListBucket", "s3:GetBucketLocation"], Resource = local.bucket_arns },
      { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource = local.objects },
    ]
  })
}

resource "aws_dynamodb_table" "locks" {
  count        = var.lock_table ? 1 : 0
  name         = "${var.name}-lake-locks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"
  tags         = var.tags

  attribute {
    name = "LockID"
    type = "S"
  }
}
