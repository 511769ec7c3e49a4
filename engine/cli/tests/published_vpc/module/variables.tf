variable "create_vpc" {
  type    = bool
  default = true
}

variable "name" {
  type    = string
  default = ""
}

variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "secondary_cidr_blocks" {
  type    = list(string)
  default = []
}

variable "use_ipam_pool" {
  type    = bool
  default = false
}

variable "ipv4_ipam_pool_id" {
  type    = string
  default = null
}

variable "ipv4_netmask_length" {
  type    = number
  default = null
}

variable "enable_ipv6" {
  type    = bool
  default = false
}

variable "instance_tenancy" {
  type    = string
  default = "default"
}

variable "enable_dns_hostnames" {
  type    = bool
  default = true
}

variable "enable_dns_support" {
  type    = bool
  default = true
}

variable "enable_network_address_usage_metrics" {
  type    = bool
  default = null
}

variable "azs" {
  type    = list(string)
  default = []
}

variable "public_subnets" {
  type    = list(string)
  default = []
}

variable "private_subnets" {
  type    = list(string)
  default = []
}

variable "database_subnets" {
  type    = list(string)
  default = []
}

variable "redshift_subnets" {
  type    = list(string)
  default = []
}

variable "elasticache_subnets" {
  type    = list(string)
  default = []
}

variable "intra_subnets" {
  type    = list(string)
  default = []
}

variable "public_subnet_ipv6_prefixes" {
  type    = list(string)
  default = []
}

variable "private_subnet_ipv6_prefixes" {
  type    = list(string)
  default = []
}

variable "public_subnet_suffix" {
  type    = string
  default = "public"
}

variable "private_subnet_suffix" {
  type    = string
  default = "private"
}

variable "database_subnet_suffix" {
  type    = string
  default = "db"
}

variable "redshift_subnet_suffix" {
  type    = string
  default = "redshift"
}

variable "elasticache_subnet_suffix" {
  type    = string
  default = "elasticache"
}

variable "intra_subnet_suffix" {
  type    = string
  default = "intra"
}

variable "public_subnet_names" {
  type    = list(string)
  default = []
}

variable "map_public_ip_on_launch" {
  type    = bool
  default = false
}

variable "create_database_subnet_group" {
  type    = bool
  default = true
}

variable "database_subnet_group_name" {
  type    = string
  default = null
}

variable "create_database_subnet_route_table" {
  type    = bool
  default = false
}

variable "create_redshift_subnet_group" {
  type    = bool
  default = true
}

variable "create_elasticache_subnet_group" {
  type    = bool
  default = true
}

variable "create_igw" {
  type    = bool
  default = true
}

variable "create_egress_only_igw" {
  type    = bool
  default = true
}

variable "enable_nat_gateway" {
  type    = bool
  default = false
}

variable "single_nat_gateway" {
  type    = bool
  default = false
}

variable "one_nat_gateway_per_az" {
  type    = bool
  default = false
}

variable "reuse_nat_ips" {
  type    = bool
  default = false
}

variable "external_nat_ip_ids" {
  type    = list(string)
  default = []
}

variable "nat_gateway_destination_cidr_block" {
  type    = string
  default = "0.0.0.0/0"
}

variable "enable_dhcp_options" {
  type    = bool
  default = false
}

variable "dhcp_options_domain_name" {
  type    = string
  default = ""
}

variable "dhcp_options_domain_name_servers" {
  type    = list(string)
  default = ["AmazonProvidedDNS"]
}

variable "dhcp_options_ntp_servers" {
  type    = list(string)
  default = []
}

variable "customer_gateways" {
  type    = map(map(any))
  default = {}
}

variable "enable_vpn_gateway" {
  type    = bool
  default = false
}

variable "vpn_gateway_id" {
  type    = string
  default = ""
}

variable "amazon_side_asn" {
  type    = string
  default = "64512"
}

variable "propagate_private_route_tables_vgw" {
  type    = bool
  default = false
}

variable "manage_default_vpc" {
  type    = bool
  default = false
}

variable "manage_default_security_group" {
  type    = bool
  default = true
}

variable "default_security_group_name" {
  type    = string
  default = null
}

variable "default_security_group_ingress" {
  type    = list(map(string))
  default = []
}

variable "default_security_group_egress" {
  type    = list(map(string))
  default = []
}

variable "manage_default_network_acl" {
  type    = bool
  default = true
}

variable "manage_default_route_table" {
  type    = bool
  default = true
}

variable "default_route_table_routes" {
  type    = list(map(string))
  default = []
}

variable "public_dedicated_network_acl" {
  type    = bool
  default = false
}

variable "public_inbound_acl_rules" {
  type = list(map(string))
  default = [
    {
      rule_number = 100
      rule_action = "allow"
      from_port   = 0
      to_port     = 0
      protocol    = "-1"
      cidr_block  = "0.0.0.0/0"
    },
  ]
}

variable "public_outbound_acl_rules" {
  type = list(map(string))
  default = [
    {
      rule_number = 100
      rule_action = "allow"
      from_port   = 0
      to_port     = 0
      protocol    = "-1"
      cidr_block  = "0.0.0.0/0"
    },
  ]
}

variable "enable_flow_log" {
  type    = bool
  default = false
}

variable "flow_log_destination_type" {
  type    = string
  default = "cloud-watch-logs"
}

variable "flow_log_traffic_type" {
  type    = string
  default = "ALL"
}

variable "flow_log_cloudwatch_log_group_retention_in_days" {
  type    = number
  default = null
}

variable "create_flow_log_cloudwatch_log_group" {
  type    = bool
  default = false
}

variable "create_flow_log_cloudwatch_iam_role" {
  type    = bool
  default = false
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "vpc_tags" {
  type    = map(string)
  default = {}
}

variable "public_subnet_tags" {
  type    = map(string)
  default = {}
}

variable "private_subnet_tags" {
  type    = map(string)
  default = {}
}

variable "public_subnet_tags_per_az" {
  type    = map(map(string))
  default = {}
}
