locals {
  a = merge(local.x,{b=1})
  b = concat(local.a,local.b,)
  c = max(local.list...)
  d = jsonencode({
    a = 1
    bb = [1,2]
  })
  e = lookup(var.m,"k","default")
  f = provider::aws::arn_parse( var.arn )
  g = templatefile("${path.module}/t.tpl",{x=1})
}
