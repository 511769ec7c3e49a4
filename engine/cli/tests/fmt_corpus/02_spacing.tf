locals {
  a = "%{ if x }y%{ endif }"
  b = 1 - -1
  c = ! x
  d = [ ]
  e = foo( )
  f = "${~ x ~}"
  gg = 1 # one
  h = 22 # two
  # alone
  iii = 3
  j = x == -1
  k = [for x in [a]: x]
  l = "${ {a=1} }"
  m = a[ 0 ][1]
  n = provider::aws::arn( "x" )
  o = <<-EOT
    ${ a }
  EOT
  p = "$${x}"
  q = (a) [0]
  r = { "k" : 1 }
	tab = 1
}
block "x" { a = 1 }
block "x" {}
block {
}
