resource "a" "b" { count = 1 }
resource "a" "c" {}
locals { x = 1 }
data "a" "d" { filter = "x" }
