resource "terraform_data" "legacy" {
  input = "hand over to another team"
}
resource "terraform_data" "kept" {
  input = "stays"
}
