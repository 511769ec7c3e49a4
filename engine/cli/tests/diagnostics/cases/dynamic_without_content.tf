resource "a" "b" {
  dynamic "rule" {
    for_each = [1]
  }
}
