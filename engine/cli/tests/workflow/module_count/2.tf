variable "shards" {
  default = 1
}

module "shard" {
  source = "./modules/app"
  count  = var.shards
  name   = "shard-${count.index}"
}

output "shards" {
  value = module.shard[*].names
}
