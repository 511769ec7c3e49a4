resource "terraform_data" "empty" {
  input = "now set"
}
resource "terraform_data" "nullish" {
  input = null
}
