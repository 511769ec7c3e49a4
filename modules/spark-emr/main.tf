# EMR for Spark and Hadoop feature pipelines: the cluster with a primary
# and a core instance group (optionally on spot), its service role, and
# the instance profile of its nodes.

resource "aws_iam_role" "service" {
  name = "${var.name}-emr-service"
  tags = var.tags
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "elasticmapreduce.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "service" {
  role       = aws_iam_role.service.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceRole"
}

resource "aws_iam_role" "nodes" {
  name = "${var.name}-emr-nodes"
  tags = var.tags
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "nodes" {
  role       = aws_iam_role.nodes.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceforEC2Role"
}

resource "aws_iam_instance_profile" "nodes" {
  name = "${var.name}-emr-nodes"
  role = aws_iam_role.nodes.name
}

resource "aws_emr_cluster" "spark" {
  name          = "${var.name}-spark"
  release_label = var.release_label
  applications  = var.applications
  service_role  = aws_iam_role.service.arn
  log_uri       = var.log_uri
  tags          = var.tags

  ec2_attributes {
    subnet_id        = var.subnet_id
    instance_profile = aws_iam_instance_profile.nodes.name
  }

  master_instance_group {
    instance_type = var.master_instance_type
  }

  core_instance_group {
    instance_type  = var.core_instance_type
    instance_count = var.core_instances
    bid_price      = var.core_spot_price == null ? null : tostring(var.core_spot_price)
  }

  keep_job_flow_alive_when_no_steps = !var.terminate_after_steps

  dynamic "step" {
    for_each = var.steps
    content {
      name              = step.value.name
      action_on_failure = step.value.action_on_failure

      hadoop_jar_step {
        jar        = step.value.jar
        main_class = step.value.main_class
        args       = step.value.args
      }
    }
  }

  depends_on = [aws_iam_role_policy_attachment.service, aws_iam_role_policy_attachment.nodes]
}
