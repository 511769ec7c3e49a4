variable "pools" {
  type    = map(number)
  default = { a = 2, b = 4, c = 1 }
}

module "pool" {
  source   = "./modules/checked"
  for_each = var.pools
  gpus     = each.value
  labels   = { pool = each.key }
}

locals {
  total = sum([for p in module.pool : p.gpus])
}

resource "terraform_data" "summary" {
  count = 2
  input = "pools=${length(var.pools)}"
  triggers_replace = [local.total]
  lifecycle {
    precondition {
      condition     = count.index < length(var.pools)
      error_message = "One summary per pool."
    }
  }
}

check "capacity" {
  assert {
    condition     = length(var.pools) > 2
    error_message = "Fewer than three pools."
  }
}

output "total" {
  value = local.total
}
