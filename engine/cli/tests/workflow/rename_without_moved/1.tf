resource "terraform_data" "first" {
  input = "x"
}
