resource "terraform_data" "cluster" {
  input = "eks-gpu-2"
}

module "workers" {
  source   = "./modules/app"
  name     = terraform_data.cluster.output
  replicas = 2
  labels   = { cluster = terraform_data.cluster.output }
}

resource "terraform_data" "dns" {
  input = join(",", module.workers.names)
}

output "dns" {
  value = terraform_data.dns.output
}
