module "app" {
  source   = "./modules/app"
  name     = "trainer"
  replicas = 3
  labels   = { team = "ml" }
}

output "names" {
  value = module.app.names
}

output "labels" {
  value = module.app.labels
}
