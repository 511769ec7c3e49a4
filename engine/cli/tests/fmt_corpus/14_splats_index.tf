locals {
  a = aws_instance.x[*].id
  b = aws_instance.x.*.id
  c = var.m["key"]
  d = var.l[0][1]
  e = var.o.a.b
  f = aws_instance.x[ 0 ].id
  g = data.x.y[*].z[0]
  h = module.m[ "k" ].out
}
