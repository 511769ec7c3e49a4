# AWS Batch for GPU jobs (batch inference, evaluation): a managed compute
# environment of GPU instances that scales to zero, on spot or on
# demand, and a job queue feeding it.

resource "aws_iam_role" "service" {
  name = "${var.name}-batch-service"
  tags = var.tags
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "batch.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "service" {
  role       = aws_iam_role.service.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSBatchServiceRole"
}

resource "aws_iam_role" "instance" {
  name = "${var.name}-batch-instance"
  tags = var.tags
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "instance" {
  role       = aws_iam_role.instance.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

resource "aws_iam_instance_profile" "instance" {
  name = "${var.name}-batch-instance"
  role = aws_iam_role.instance.name
}

resource "aws_batch_compute_environment" "gpu" {
  compute_environment_name = "${var.name}-gpu"
  type                     = "MANAGED"
  service_role             = aws_iam_role.service.arn
  tags                     = var.tags

  compute_resources {
    type                = var.spot ? "SPOT" : "EC2"
    allocation_strategy = var.spot ? "SPOT_CAPACITY_OPTIMIZED" : "BEST_FIT_PROGRESSIVE"
    min_vcpus           = 0
    max_vcpus           = var.max_vcpus
    instance_type       = var.instance_types
    subnets             = var.subnet_ids
    security_group_ids  = var.security_group_ids
    instance_role       = aws_iam_instance_profile.instance.arn
  }

  depends_on = [aws_iam_role_policy_attachment.service]
}

resource "aws_batch_job_queue" "gpu" {
  name     = "${var.name}-gpu"
  state    = "ENABLED"
  priority = var.priority
  tags     = var.tags

  compute_environment_order {
    order               = 1
    compute_environment = aws_batch_compute_environment.gpu.arn
  }
}
