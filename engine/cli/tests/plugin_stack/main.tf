# An ML training stack on hashicorp/aws 3.39.0, run by both Strata and
# Terraform against moto (tests/plugin_providers.rs). `step` 2 changes
# some arguments in place and forces some replacements.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "3.39.0" }
  }
}

variable "endpoint" { type = string }
variable "prefix" { type = string }
variable "step" {
  type    = number
  default = 1
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_force_path_style         = true
  endpoints {
    autoscaling = var.endpoint
    ec2         = var.endpoint
    iam         = var.endpoint
    s3          = var.endpoint
    sts         = var.endpoint
  }
}

locals {
  team = var.step == 1 ? "research" : "platform"
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
  tags       = { Name = "${var.prefix}-vpc", team = local.team }
}

resource "aws_subnet" "train" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = "us-east-1a"
  tags              = { Name = "${var.prefix}-train-${count.index}" }
}

resource "aws_security_group" "nodes" {
  name        = "${var.prefix}-nodes"
  description = var.step == 1 ? "training nodes" : "training nodes (NCCL)"
  vpc_id      = aws_vpc.main.id
  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_iam_role" "node" {
  name = "${var.prefix}-node"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Action = "sts:AssumeRole", Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" } }]
  })
  tags = { team = local.team }
}

resource "aws_iam_policy" "data" {
  name = "${var.prefix}-data"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Action = ["s3:GetObject", "s3:ListBucket"], Effect = "Allow", Resource = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"] }]
  })
}

resource "aws_iam_role_policy_attachment" "data" {
  role       = aws_iam_role.node.name
  policy_arn = aws_iam_policy.data.arn
}

resource "aws_iam_instance_profile" "node" {
  name = "${var.prefix}-node"
  role = aws_iam_role.node.name
}

resource "aws_s3_bucket" "data" {
  bucket        = "${var.prefix}-data"
  force_destroy = true
  tags          = { team = local.team }
}

resource "aws_s3_bucket_object" "config" {
  bucket  = aws_s3_bucket.data.id
  key     = "config/train.json"
  content = jsonencode({ epochs = var.step == 1 ? 10 : 20 })
}

resource "aws_launch_template" "gpu" {
  name          = "${var.prefix}-gpu"
  image_id      = "ami-12c6146b"
  instance_type = var.step == 1 ? "p3.2xlarge" : "p3.8xlarge"
  iam_instance_profile {
    name = aws_iam_instance_profile.node.name
  }
}

resource "aws_instance" "worker" {
  count         = 2
  ami           = "ami-12c6146b"
  instance_type = var.step == 1 ? "t3.micro" : "t3.small"
  subnet_id     = aws_subnet.train[count.index].id
  tags          = { Name = "${var.prefix}-worker-${count.index}" }

  timeouts {
    create = "7m"
    delete = "3m"
  }
}

resource "aws_autoscaling_group" "gpu" {
  name                = "${var.prefix}-gpu"
  min_size            = 0
  max_size            = var.step == 1 ? 4 : 6
  desired_capacity    = 0
  vpc_zone_identifier = aws_subnet.train[*].id
  launch_template {
    id      = aws_launch_template.gpu.id
    version = "$Latest"
  }
}

output "bucket_arn" { value = aws_s3_bucket.data.arn }
output "worker_ids" { value = aws_instance.worker[*].id }
