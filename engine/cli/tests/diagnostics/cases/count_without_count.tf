resource "a" "b" {
  name = "n-${count.index}"
}
