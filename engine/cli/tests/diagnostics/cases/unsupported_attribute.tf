locals {
  obj = { name = "x" }
  a   = local.obj.nmae
}
