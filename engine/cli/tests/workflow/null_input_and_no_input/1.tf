resource "terraform_data" "empty" {}
resource "terraform_data" "nullish" {
  input = null
}
