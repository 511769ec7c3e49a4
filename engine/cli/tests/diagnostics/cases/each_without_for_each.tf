resource "a" "b" {
  name = each.key
}
