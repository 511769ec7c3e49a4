locals {
  a = "${var.x}"
  b = "${var.x}-suffix"
  c = "${var.x}${var.y}"
  d = "${foo("${bar}")}"
  e = "${
    var.multi
  }"
  f = "plain"
  g = {
    inner = "${var.not_unwrapped_in_objects}"
  }
}
resource "x" "y" {
  name = "${var.name}"
  nested {
    v = "${local.v}"
  }
}
