locals {
  a = var.enabled?1:0
  b = var.x == null ? "none" : var.x
  c = (
    var.long_condition
    ? "yes"
    : "no"
  )
}
