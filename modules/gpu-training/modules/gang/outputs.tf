output "fleet_id" {
  description = "The fleet's id (its name)."
  value       = gpu_fleet.gang.id
}

output "instance_ids" {
  description = "The nodes."
  value       = gpu_fleet.gang.instance_ids
}

output "placement" {
  description = "Where the gang landed: instance type, region, zone and market."
  value = {
    instance_type = gpu_fleet.gang.instance_type
    region        = gpu_fleet.gang.region
    zone          = gpu_fleet.gang.zone
    market        = gpu_fleet.gang.market
  }
}

output "hourly_price" {
  description = "USD per node-hour of what was taken, where known."
  value       = gpu_fleet.gang.hourly_price
}

output "expires_at" {
  description = "When `strata reap` destroys the fleet (RFC 3339)."
  value       = gpu_fleet.gang.expires_at
}

output "attempts" {
  description = "Every placement tried before the one taken, with the error that moved on."
  value       = gpu_fleet.gang.attempts
}

output "role_name" {
  description = "The nodes' IAM role, for more policies."
  value       = aws_iam_role.node.name
}
