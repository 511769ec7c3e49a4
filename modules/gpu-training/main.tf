# A GPU training fleet: an auto scaling group of GPU workers from a
# launch template, mixing on-demand and spot capacity over several
# instance types, optionally in a cluster placement group, with an
# instance profile and a ttl tag that reapers read.

locals {
  tags = merge(var.tags, { ttl = "${var.ttl_hours}h", fleet = var.name })
}

resource "aws_iam_role" "worker" {
  name = "${var.name}-worker"
  tags = local.tags
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "extra" {
  for_each   = var.policy_arns
  role       = aws_iam_role.worker.name
  policy_arn = each.value
}

resource "aws_iam_instance_profile" "worker" {
  name = "${var.name}-worker"
  role = aws_iam_role.worker.name
}

resource "aws_placement_group" "cluster" {
  count    = var.placement_group ? 1 : 0
  name     = "${var.name}-cluster"
  strategy = "cluster"
  tags     = local.tags
}

resource "aws_launch_template" "worker" {
  name                   = "${var.name}-worker"
  image_id               = var.image_id
  instance_type          = var.instance_types[0]
  vpc_security_group_ids = var.security_group_ids
  update_default_version = true
  user_data              = base64encode(var.user_data)

  iam_instance_profile {
    name = aws_iam_instance_profile.worker.name
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.tags, { Name = "${var.name}-worker" })
  }
}

resource "aws_autoscaling_group" "workers" {
  name                = "${var.name}-workers"
  min_size            = 0
  max_size            = coalesce(var.max_workers, max(var.workers, 1))
  desired_capacity    = var.workers
  vpc_zone_identifier = var.subnet_ids
  placement_group     = one(aws_placement_group.cluster[*].name)

  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = var.on_demand_workers
      on_demand_percentage_above_base_capacity = 0
      spot_allocation_strategy                 = "capacity-optimized"
    }

    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.worker.id
        version            = "$Latest"
      }

      dynamic "override" {
        for_each = var.instance_types
        content {
          instance_type = override.value
        }
      }
    }
  }

  dynamic "tag" {
    for_each = local.tags
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}
