# Module calls that read outputs made from each other's resources are a
# cycle, refused by validate and plan.
module "a" {
  source    = "./pair"
  name      = "a"
  peer_name = module.b.id
}

module "b" {
  source    = "./pair"
  name      = "b"
  peer_name = module.a.id
}
