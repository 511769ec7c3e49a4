variable "token" {
  type      = string
  default   = "not-for-policies"
  sensitive = true
}

resource "terraform_data" "bucket" {
  count = 2
  input = {
    name   = "datasets-${count.index}"
    public = count.index == 1
    token  = var.token
  }
}

resource "terraform_data" "endpoint" {
  for_each = toset(["a100", "h100"])
  input    = { gpu = each.key, bucket = terraform_data.bucket[0].id }
}

module "pool" {
  source = "./modules/pool"
  gpus   = 16
}

output "pool_gpus" {
  value = module.pool.gpus
}
