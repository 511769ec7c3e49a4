output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "The private subnets, one per zone, in zone order."
  value       = aws_subnet.private[*].id
}

output "zones" {
  description = "The availability zones the subnets are in."
  value       = local.zones
}

output "route_table_id" {
  description = "The private subnets' route table."
  value       = aws_route_table.private.id
}

output "s3_endpoint_id" {
  description = "The S3 gateway endpoint's id (null when s3_endpoint is false)."
  value       = one(aws_vpc_endpoint.s3[*].id)
}

output "cluster_security_group_id" {
  description = "The security group whose members may reach each other on cluster_ports."
  value       = aws_security_group.cluster.id
}
