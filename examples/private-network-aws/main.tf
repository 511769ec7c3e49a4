# The network and shared services an ML team's private workloads run in,
# written as published AWS stacks write them: a VPC with public and
# private subnets, a NAT gateway for egress, security group rules, IAM
# from policy documents (an inline policy, an OIDC provider for
# Kubernetes service accounts), a KMS key and alias, a log group, an
# ECR repository for model images, a job queue and a secret.

provider "aws" {
  region = var.region
}

data "aws_partition" "current" {}

resource "aws_vpc" "this" {
  cidr_block           = "10.60.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = var.name, project = var.name }
}

resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.this.id
  cidr_block        = "10.60.0.0/24"
  availability_zone = "${var.region}a"
  tags              = { Name = "${var.name}-public", project = var.name }
}

resource "aws_subnet" "private" {
  vpc_id            = aws_vpc.this.id
  cidr_block        = "10.60.10.0/24"
  availability_zone = "${var.region}a"
  tags              = { Name = "${var.name}-private", project = var.name }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = { project = var.name }
}

resource "aws_eip" "nat" {
  domain = "vpc"
  tags   = { project = var.name }
}

resource "aws_nat_gateway" "this" {
  subnet_id     = aws_subnet.public.id
  allocation_id = aws_eip.nat.id
  tags          = { project = var.name }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  tags   = { project = var.name }
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
  tags   = { project = var.name }
}

resource "aws_route" "private_egress" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this.id
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}

resource "aws_security_group" "workers" {
  name_prefix = "${var.name}-workers-"
  vpc_id      = aws_vpc.this.id
  description = "training workers"
}

resource "aws_security_group_rule" "workers_to_each_other" {
  type              = "ingress"
  security_group_id = aws_security_group.workers.id
  from_port         = 0
  to_port           = 65535
  protocol          = "tcp"
  self              = true
}

resource "aws_security_group_rule" "https_out" {
  type              = "egress"
  security_group_id = aws_security_group.workers.id
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
}

resource "aws_kms_key" "data" {
  description             = "${var.name} datasets and checkpoints"
  deletion_window_in_days = 7
  enable_key_rotation     = true
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name}-data"
  target_key_id = aws_kms_key.data.key_id
}

resource "aws_cloudwatch_log_group" "training" {
  name              = "/${var.name}/training"
  retention_in_days = 30
}

resource "aws_ecr_repository" "models" {
  name                 = "${var.name}/models"
  image_tag_mutability = "IMMUTABLE"
  force_delete         = true
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_sqs_queue" "jobs" {
  name                       = "${var.name}-jobs"
  visibility_timeout_seconds = 900
}

resource "aws_secretsmanager_secret" "registry_token" {
  name                    = "${var.name}/registry-token"
  recovery_window_in_days = 0
}

resource "aws_iam_openid_connect_provider" "cluster" {
  url             = "https://oidc.eks.${var.region}.amazonaws.com/id/${upper(replace(var.name, "-", ""))}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.cluster.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "oidc.eks.${var.region}.amazonaws.com:sub"
      values   = ["system:serviceaccount:training:trainer"]
    }
  }
}

resource "aws_iam_role" "trainer" {
  name_prefix        = "${var.name}-trainer-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "trainer" {
  statement {
    sid       = "Jobs"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
    resources = [aws_sqs_queue.jobs.arn]
  }
  statement {
    sid       = "Images"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.models.arn]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:PutLogEvents", "logs:CreateLogStream"]
    resources = ["arn:${data.aws_partition.current.partition}:logs:*:*:log-group:/${var.name}/*"]
  }
}

resource "aws_iam_role_policy" "trainer" {
  name   = "trainer"
  role   = aws_iam_role.trainer.id
  policy = data.aws_iam_policy_document.trainer.json
}
