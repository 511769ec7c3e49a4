resource "terraform_data" "one" {
  input = "x"
}
