locals {
  a = substr("x", 1)
}
