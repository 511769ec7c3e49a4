resource "a" "b" {
  name = self.id
}
