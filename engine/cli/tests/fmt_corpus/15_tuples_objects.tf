locals {
  a = []
  b = {}
  c = [1,2,3,]
  d = {a=1,b=2}
  e = {
    a=1
    bbbb=2
    cc = {
      x=1
      yyy = 2
    }
  }
  f = [
    {a=1},
    {b=2},
  ]
  g = {"quoted key" = 1, (local.k) = 2}
}
