locals {
  a = [for x in var.list: upper(x)]
  b = {for k,v in var.map: k=>v if v!=null}
  c = {for x in var.list : x.name => x...}
  d = [for i, x in var.list: "${i}-${x}"]
  e = [
    for x in var.list :
    x
  ]
}
