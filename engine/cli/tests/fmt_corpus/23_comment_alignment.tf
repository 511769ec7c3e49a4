locals {
  a = 1 # first
  bbbbbb = 2 # second
  c = [ # open
    1, # one
    22, # twenty-two
  ] # close
  d = 4
}
