# A GPU training cluster on AWS: a VPC with public subnets in two zones,
# an S3 bucket for datasets and checkpoints, an IAM role the instances
# assume, and an auto scaling group of GPU instances (on-demand base,
# spot above it) launched from a template into a cluster placement group.
#
#   strata init && strata plan && strata apply
#
# Credentials and region come from the usual AWS environment.

terraform {
  required_version = ">= 1.5"
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project    = var.name
      managed_by = "strata"
    }
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_ami" "gpu" {
  most_recent = true
  owners      = var.ami_owners

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

data "aws_ec2_instance_type" "gpu" {
  instance_type = var.instance_types[0]
}

locals {
  zones = slice(data.aws_availability_zones.available.names, 0, 2)
}

# ---- network ------------------------------------------------------------------

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
  tags = {
    Name = var.name
  }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "public" {
  count                   = length(local.zones)
  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(var.vpc_cidr, 8, count.index)
  availability_zone       = local.zones[count.index]
  map_public_ip_on_launch = true
  tags = {
    Name = "${var.name}-public-${count.index}"
  }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  count          = length(aws_subnet.public)
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "workers" {
  name        = "${var.name}-workers"
  description = "GPU training workers"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "SSH from the admin network"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr]
  }

  ingress {
    description = "NCCL and EFA traffic between workers"
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    self        = true
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# ---- data -----------------------------------------------------------------------

resource "aws_s3_bucket" "datasets" {
  bucket        = "${var.name}-datasets"
  force_destroy = true
}

resource "aws_s3_bucket_versioning" "datasets" {
  count  = var.dataset_versioning ? 1 : 0
  bucket = aws_s3_bucket.datasets.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_object" "train_config" {
  bucket       = aws_s3_bucket.datasets.id
  key          = "configs/train.yaml"
  content_type = "text/yaml"
  content = yamlencode({
    model      = var.model
    epochs     = var.epochs
    dataset    = "s3://${aws_s3_bucket.datasets.id}/imagenet/"
    checkpoint = "s3://${aws_s3_bucket.datasets.id}/checkpoints/"
  })
}

# ---- identity and the fleet -----------------------------------------------------

resource "aws_iam_policy" "datasets" {
  name = "${var.name}-datasets"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
      Resource = [aws_s3_bucket.datasets.arn, "${aws_s3_bucket.datasets.arn}/*"]
    }]
  })
}

# The fleet itself comes from the module library: the workers' role and
# instance profile, the placement group, the launch template and the
# auto scaling group with its spot mix.
module "fleet" {
  source = "../../modules/gpu-training"

  name               = var.name
  subnet_ids         = aws_subnet.public[*].id
  security_group_ids = [aws_security_group.workers.id]
  image_id           = data.aws_ami.gpu.id
  instance_types     = var.instance_types
  workers            = var.workers
  max_workers        = var.max_workers
  on_demand_workers  = var.on_demand_workers
  placement_group    = var.use_placement_group
  policy_arns        = { datasets = aws_iam_policy.datasets.arn }
  tags               = { role = "trainer" }
  user_data          = <<-EOT
    #!/bin/bash
    nvidia-smi
    aws s3 cp s3://${aws_s3_bucket.datasets.id}/configs/train.yaml /etc/train.yaml
  EOT
}
