# Module calls may read each other's outputs when those outputs are made
# from the calls' arguments alone: no cycle.
module "a" {
  source    = "./pair"
  name      = "a"
  peer_name = module.b.name
}

module "b" {
  source    = "./pair"
  name      = "b"
  peer_name = module.a.label
}
