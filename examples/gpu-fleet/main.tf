# A pretraining gang that lands wherever capacity is, and goes away when
# training is done: `strata apply` places it, `strata reap` (from cron or
# a scheduled CI job, see reap.cron and reap-workflow.yml) destroys it
# when its ttl passes, its GPUs idle for an hour, or the run writes
# s3://BUCKET/RUN/_SUCCESS.

provider "aws" {
  region = var.regions[0]
}

provider "gpu" {
  aws {
    regions = var.regions
  }
}

resource "aws_s3_bucket" "runs" {
  bucket        = "${var.name}-runs"
  force_destroy = true
}

# Where A100s are offered, with prices and quotas, for the record.
data "gpu_offerings" "a100" {
  accelerator = "A100"
}

module "gang" {
  source = "../../modules/gpu-training/modules/gang"

  name             = var.name
  nodes            = var.nodes
  instance_types   = ["p5.48xlarge", "p4d.24xlarge", "g5.xlarge"]
  regions          = var.regions
  image_id         = var.image_id
  placement_group  = var.placement_group
  ttl              = "12h"
  idle_timeout     = "1h"
  done_when_object = "s3://${aws_s3_bucket.runs.bucket}/${var.run}/_SUCCESS"
  tags             = { team = "research", run = var.run }
}
