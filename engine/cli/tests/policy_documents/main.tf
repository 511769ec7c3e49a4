# aws_iam_policy_document as the AWS provider writes it: run by Terraform
# with hashicorp/aws 3.39.0 and by Strata's built-in AWS provider
# (engine/cli/tests/plugin_providers.rs compares the outputs).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "3.39.0" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "strata-test"
  secret_key                  = "strata-test-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  # Without it the provider asks EC2 for the account's platforms when it is
  # configured: a call to AWS, which tests never make.
  skip_get_ec2_platforms = true
  # Accepted by Strata's provider as well (it always reaches S3 by path).
  s3_force_path_style = true
}

data "aws_iam_policy_document" "statements" {
  policy_id = "pid"
  statement {
    sid       = "1"
    actions   = ["s3:ListAllMyBuckets", "s3:GetBucketLocation", "ec2:Describe*", "s3:GetObject"]
    resources = ["arn:aws:s3:::*"]
  }
  statement {
    effect        = "Deny"
    not_actions   = ["iam:*"]
    not_resources = ["arn:aws:s3:::b", "arn:aws:s3:::a"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:root", "arn:2", "*"]
    }
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com", "eks.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["home/", "home/&{aws:username}/"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
    condition {
      test     = "StringLike"
      variable = "s3:other"
      values   = ["<x> & y"]
    }
  }
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    not_principals {
      type        = "AWS"
      identifiers = ["b", "a"]
    }
  }
}

data "aws_iam_policy_document" "merged" {
  version                 = "2008-10-17"
  source_policy_documents = [data.aws_iam_policy_document.statements.json, jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["a:1", "a:2"], Resource = "*" }, { Sid = "s", Effect = "Deny", Action = "d:1", Resource = ["r2", "r1"] }] })]
  override_policy_documents = [jsonencode({ Statement = [{ Sid = "1", Effect = "Allow", Action = "s3:*", Resource = "*" }, { Sid = "new", Effect = "Allow", Action = "n:1", Resource = "*" }] })]
  statement {
    sid     = "s"
    actions = ["c:1"]
  }
  statement {
    sid       = "extra"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "empty" {}

data "aws_partition" "current" {}

output "statements" {
  value = data.aws_iam_policy_document.statements.json
}

output "statements_id" {
  value = data.aws_iam_policy_document.statements.id
}

output "merged" {
  value = data.aws_iam_policy_document.merged.json
}

output "empty" {
  value = data.aws_iam_policy_document.empty.json
}

output "partition" {
  value = [data.aws_partition.current.partition, data.aws_partition.current.dns_suffix]
}
