locals {
  a = provider::terraform::encode_tfvars({a=1})
  b = [ for x in var.l : provider::x::y(x) ]
}
