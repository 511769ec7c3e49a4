# A training gang placed by capacity: the nodes land together on the
# first instance type, region and zone with room for all of them (spot
# first), are replaced when lost, and are destroyed by `strata reap`
# when the ttl passes, the GPUs idle or the done marker appears.

resource "aws_iam_role" "node" {
  name = "${var.name}-node"
  tags = var.tags
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# The CloudWatch agent publishes nvidia_smi_utilization_gpu, which the
# idle check reads.
resource "aws_iam_role_policy_attachment" "agent" {
  role       = aws_iam_role.node.name
  policy_arn = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
}

resource "aws_iam_role_policy_attachment" "extra" {
  for_each   = var.policy_arns
  role       = aws_iam_role.node.name
  policy_arn = each.value
}

resource "aws_iam_instance_profile" "node" {
  name = "${var.name}-node"
  role = aws_iam_role.node.name
}

resource "gpu_fleet" "gang" {
  name  = var.name
  nodes = var.nodes

  dynamic "candidate" {
    for_each = var.instance_types
    content {
      instance_type = candidate.value
      regions       = length(var.regions) > 0 ? var.regions : null
    }
  }

  image_id             = var.image_id
  subnet_ids           = var.subnet_ids
  security_group_ids   = var.security_group_ids
  iam_instance_profile = aws_iam_instance_profile.node.name
  user_data            = var.user_data
  placement_group      = var.placement_group

  dynamic "spot" {
    for_each = var.spot ? [1] : []
    content {
      enabled               = true
      fallback_to_on_demand = var.on_demand_fallback
      max_price             = var.max_spot_price
    }
  }

  ttl              = var.ttl
  idle_timeout     = var.idle_timeout
  idle_threshold   = var.idle_threshold
  done_when_object = var.done_when_object
  tags             = var.tags
}
