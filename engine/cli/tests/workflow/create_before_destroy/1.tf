resource "terraform_data" "endpoint" {
  input            = "model-v1"
  triggers_replace = "v1"
  lifecycle {
    create_before_destroy = true
  }
}
