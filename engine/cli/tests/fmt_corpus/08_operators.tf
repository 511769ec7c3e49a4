locals {
  a = 1+2-3*4/5%6
  b = a>b&&c<d||e>=f&&g<=h
  c = !a&&!b
  d = -a + -b
  e = a==b?c:d
  f = (a+b)*c
  g = -1
  h = [-1, -2]
  i = foo(-1)
  j = a ? -1 : -2
  k = 5 -1
}
