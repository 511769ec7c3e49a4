provider "aws" {
  region = local.region
}

variable "name" {
  type    = string
  default = "complete"
}

data "aws_availability_zones" "available" {}

locals {
  name   = "ex-${var.name}"
  region = "us-east-1"

  vpc_cidr = "10.0.0.0/16"
  azs      = slice(data.aws_availability_zones.available.names, 0, 2)

  tags = {
    Example = local.name
  }
}

module "vpc" {
  source = "../module"

  name = local.name
  cidr = local.vpc_cidr

  azs                   = local.azs
  private_subnets       = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k)]
  public_subnets        = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k + 4)]
  database_subnets      = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k + 8)]
  redshift_subnets      = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k + 12)]
  intra_subnets         = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k + 20)]
  secondary_cidr_blocks = ["10.1.0.0/16"]

  private_subnet_suffix = "private-sn"
  public_subnet_names   = ["Public Subnet One"]

  create_database_subnet_group       = true
  create_database_subnet_route_table = true

  manage_default_network_acl    = true
  manage_default_route_table    = true
  manage_default_security_group = true

  enable_dns_hostnames = true
  enable_dns_support   = true

  enable_ipv6                 = true
  public_subnet_ipv6_prefixes = [0, 1]

  enable_nat_gateway = true
  single_nat_gateway = true

  customer_gateways = {
    IP1 = {
      bgp_asn     = 65112
      ip_address  = "1.2.3.4"
      device_name = "some_name"
    },
  }

  enable_vpn_gateway = true

  enable_dhcp_options              = true
  dhcp_options_domain_name         = "service.consul"
  dhcp_options_domain_name_servers = ["127.0.0.1", "10.10.0.2"]

  public_dedicated_network_acl = true

  enable_flow_log                      = true
  create_flow_log_cloudwatch_log_group = true
  create_flow_log_cloudwatch_iam_role  = true

  tags = local.tags
}

output "vpc_id" {
  value = module.vpc.vpc_id
}

output "database_subnet_group_name" {
  value = module.vpc.database_subnet_group_name
}

output "cgw_ids" {
  value = module.vpc.cgw_ids
}
