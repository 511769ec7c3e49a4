output "placement" {
  description = "Where the gang landed: instance type, region, zone, market."
  value       = module.gang.placement
}

output "hourly_price" {
  description = "USD per node-hour of what was taken."
  value       = module.gang.hourly_price
}

output "expires_at" {
  value = module.gang.expires_at
}

output "a100_zones" {
  description = "Zones that offer A100 nodes in the fleet's regions."
  value       = sort(distinct([for o in data.gpu_offerings.a100.offerings : o.zone]))
}

output "done_marker" {
  description = "Write this object when training is done; the next `strata reap` destroys the fleet."
  value       = "s3://${aws_s3_bucket.runs.bucket}/${var.run}/_SUCCESS"
}
