output "vpc_id" {
  value = try(aws_vpc.this[0].id, null)
}

output "vpc_cidr_block" {
  value = try(aws_vpc.this[0].cidr_block, null)
}

output "default_security_group_id" {
  value = try(aws_vpc.this[0].default_security_group_id, null)
}

output "vpc_secondary_cidr_blocks" {
  value = compact(aws_vpc_ipv4_cidr_block_association.this[*].cidr_block)
}

output "public_subnets" {
  value = aws_subnet.public[*].id
}

output "private_subnets" {
  value = aws_subnet.private[*].id
}

output "private_subnets_cidr_blocks" {
  value = compact(aws_subnet.private[*].cidr_block)
}

output "database_subnet_group_name" {
  value = try(aws_db_subnet_group.database[0].name, null)
}

output "redshift_subnet_group" {
  value = try(aws_redshift_subnet_group.redshift[0].id, null)
}

output "nat_public_ips" {
  value = var.reuse_nat_ips ? var.external_nat_ip_ids : aws_eip.nat[*].public_ip
}

output "natgw_ids" {
  value = aws_nat_gateway.this[*].id
}

output "igw_id" {
  value = try(aws_internet_gateway.this[0].id, null)
}

output "egress_only_internet_gateway_id" {
  value = try(aws_egress_only_internet_gateway.this[0].id, null)
}

output "cgw_ids" {
  value = [for k, v in aws_customer_gateway.this : v.id]
}

output "vgw_id" {
  value = try(aws_vpn_gateway.this[0].id, aws_vpn_gateway_attachment.this[0].vpn_gateway_id, null)
}

output "dhcp_options_id" {
  value = try(aws_vpc_dhcp_options.this[0].id, null)
}

output "vpc_flow_log_id" {
  value = try(aws_flow_log.this[0].id, null)
}

output "azs" {
  value = var.azs
}

output "name" {
  value = var.name
}
