locals {
  tpl = "lr=$${lr}, epochs=$${epochs}"
  cfg = templatestring(local.tpl, { lr = 0.001, epochs = 20 })
}
resource "terraform_data" "t" {
  input = {
    cfg   = local.cfg
    hash  = sha256(local.cfg)
    yaml  = yamlencode({ a = 1 })
    cidrs = cidrsubnets("10.0.0.0/16", 4, 4)
  }
}
output "t" {
  value = terraform_data.t.output
}
