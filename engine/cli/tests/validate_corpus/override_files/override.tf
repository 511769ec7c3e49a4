locals {
  size = "large"
}

resource "terraform_data" "server" {
  lifecycle {
    create_before_destroy = true
  }
}
