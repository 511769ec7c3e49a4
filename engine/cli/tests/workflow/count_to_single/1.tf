resource "terraform_data" "one" {
  count = 1
  input = "x"
}
