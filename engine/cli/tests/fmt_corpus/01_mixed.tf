resource "x" "y" {
ami="abc"
  instance_type    =   "t2"   # comment
    tags = {
   Name="x"
      LongerName = "y"
  }
  list = [ 1,2 ,3 ]
  call = foo( 1 , 2 )
  expr = 1+2*3
  neg = -1
  not = ! true
  cond = a?b:c
  tmpl = "${ var.x }-${var.y}"
  fr = [for x in y: x if x>1]
  fo = {for k,v in m : k=>v...}
  idx = a[0].b[ "c" ]
  splat = a[*].b
  legacy = a.*.b
  interp = "${var.only}"


  after_blank = 1
  multi = [
    1,
  2,
  ]
  h = <<EOT
  keep   this
EOT
  nested { a=1 }
  empty {}
}
# top comment
variable "v" {
  type = "string"
  default = {a=1,bb=2}
}
locals {
  a = 1 // c1
  bbb = 2 /* c2 */
  c = (1 + 2)
  d = a.b.c
  e = x==y && z!=w || !q
  f = "a" # trailing
}
