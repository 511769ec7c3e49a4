module "app" {
  source   = "./modules/app"
  name     = "trainer"
  replicas = 2
}

output "names" {
  value = module.app.names
}
