module "a" {
  source    = "./modules/pair"
  name      = "a"
  peer_name = module.b.name
}

module "b" {
  source    = "./modules/pair"
  name      = "b"
  peer_name = module.a.label
}

output "inputs" {
  value = [module.a.name, module.b.label]
}

output "ids_known" {
  value = module.a.id != "" && module.b.id != ""
}
