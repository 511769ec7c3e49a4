removed {
  from = terraform_data.legacy
  lifecycle {
    destroy = false
  }
}
resource "terraform_data" "kept" {
  input = "stays"
}
