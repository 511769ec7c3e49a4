resource "a" "b" {
  depends_on = ["a.c"]
}
