module "a" {
  source    = "./modules/pair"
  name      = "alpha"
  peer_name = module.b.label
}

module "b" {
  source    = "./modules/pair"
  name      = "b"
  peer_name = module.a.name
}

output "inputs" {
  value = [module.a.name, module.b.label]
}

output "ids_known" {
  value = module.a.id != "" && module.b.id != ""
}
