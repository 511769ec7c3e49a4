locals {
  cidrs = [for i in range(3): cidrsubnet(var.cidr,8,i)]
  subnets = { for i, az in var.azs : az => cidrsubnet(var.vpc_cidr, 8, i + 10) }
  tags = merge(var.default_tags,{Name=format("%s-%s",var.project,"gpu")},var.extra)
}
