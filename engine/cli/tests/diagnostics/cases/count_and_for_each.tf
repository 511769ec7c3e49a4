resource "a" "b" {
  count    = 2
  for_each = toset(["x"])
}
