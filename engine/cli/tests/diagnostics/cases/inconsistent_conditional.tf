locals {
  a = true ? [1] : { b = 2 }
}
