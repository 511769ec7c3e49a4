# An ML platform on AWS: an EKS cluster with a GPU node group for
# training and serving on Kubernetes, an EMR cluster for Spark feature
# pipelines, a SageMaker endpoint serving a model, and an AWS Batch queue
# of GPU instances for batch inference.
#
#   strata init && strata plan && strata apply

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      platform   = var.name
      managed_by = "strata"
    }
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  zones = slice(data.aws_availability_zones.available.names, 0, 2)
  trust = {
    eks       = "eks.amazonaws.com"
    nodes     = "ec2.amazonaws.com"
    emr       = "elasticmapreduce.amazonaws.com"
    sagemaker = "sagemaker.amazonaws.com"
    batch     = "batch.amazonaws.com"
  }
}

# ---- network ------------------------------------------------------------------

resource "aws_vpc" "platform" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
  tags = {
    Name = var.name
  }
}

resource "aws_subnet" "private" {
  count             = length(local.zones)
  vpc_id            = aws_vpc.platform.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index)
  availability_zone = local.zones[count.index]
  tags = {
    Name                              = "${var.name}-private-${count.index}"
    "kubernetes.io/role/internal-elb" = "1"
  }
}

resource "aws_security_group" "batch" {
  name        = "${var.name}-batch"
  description = "Batch GPU workers"
  vpc_id      = aws_vpc.platform.id

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# ---- identity: one role per service ---------------------------------------------

resource "aws_iam_role" "service" {
  for_each = local.trust
  name     = "${var.name}-${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = each.value }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_instance_profile" "nodes" {
  name = "${var.name}-nodes"
  role = aws_iam_role.service["nodes"].name
}

# ---- Kubernetes with GPUs -----------------------------------------------------

resource "aws_eks_cluster" "main" {
  name     = var.name
  role_arn = aws_iam_role.service["eks"].arn
  version  = var.kubernetes_version

  vpc_config {
    subnet_ids = aws_subnet.private[*].id
  }

  timeouts {
    create = "45m"
    delete = "30m"
  }
}

resource "aws_eks_node_group" "gpu" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "gpu"
  node_role_arn   = aws_iam_role.service["nodes"].arn
  subnet_ids      = aws_subnet.private[*].id
  instance_types  = [var.gpu_node_type]
  ami_type        = "AL2_x86_64_GPU"
  capacity_type   = "ON_DEMAND"

  scaling_config {
    desired_size = var.gpu_nodes
    min_size     = 0
    max_size     = var.gpu_nodes * 2
  }

  labels = {
    "nvidia.com/gpu.present" = "true"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }
}

# ---- Spark on EMR ---------------------------------------------------------------

resource "aws_emr_cluster" "spark" {
  name          = "${var.name}-spark"
  release_label = "emr-7.1.0"
  applications  = ["Spark", "Hadoop"]
  service_role  = aws_iam_role.service["emr"].arn

  ec2_attributes {
    subnet_id        = aws_subnet.private[0].id
    instance_profile = aws_iam_instance_profile.nodes.name
  }

  master_instance_group {
    instance_type = "m5.xlarge"
  }

  core_instance_group {
    instance_type  = "r5.2xlarge"
    instance_count = var.spark_workers
  }
}

# ---- model serving --------------------------------------------------------------

resource "aws_sagemaker_model" "llm" {
  name               = "${var.name}-llm"
  execution_role_arn = aws_iam_role.service["sagemaker"].arn

  primary_container {
    image          = var.serving_image
    model_data_url = var.model_data_url
    environment = {
      MAX_BATCH_SIZE = "8"
    }
  }
}

resource "aws_sagemaker_endpoint_configuration" "llm" {
  name = "${var.name}-llm"

  production_variants {
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.llm.name
    initial_instance_count = var.endpoint_instances
    instance_type          = var.endpoint_instance_type
  }
}

resource "aws_sagemaker_endpoint" "llm" {
  name                 = "${var.name}-llm"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.llm.name
}

# ---- batch inference ------------------------------------------------------------

resource "aws_batch_compute_environment" "gpu" {
  compute_environment_name = "${var.name}-gpu"
  type                     = "MANAGED"
  service_role             = aws_iam_role.service["batch"].arn

  compute_resources {
    type               = "EC2"
    min_vcpus          = 0
    max_vcpus          = var.batch_max_vcpus
    instance_type      = [var.gpu_node_type]
    subnets            = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.batch.id]
    instance_role      = aws_iam_instance_profile.nodes.arn
  }
}

resource "aws_batch_job_queue" "inference" {
  name     = "${var.name}-inference"
  state    = "ENABLED"
  priority = 10

  compute_environment_order {
    order               = 1
    compute_environment = aws_batch_compute_environment.gpu.arn
  }
}
