locals {
  a = [for x : x]
}
