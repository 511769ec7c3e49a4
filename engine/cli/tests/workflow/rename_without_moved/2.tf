resource "terraform_data" "second" {
  input = "x"
}
