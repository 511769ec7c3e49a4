locals {
  m = {
    a = 1
    bb = {
      c = 2
    }
    ddd = 3
    e = 4
  }
}
