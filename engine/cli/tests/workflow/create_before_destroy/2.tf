resource "terraform_data" "endpoint" {
  input            = "model-v2"
  triggers_replace = "v2"
  lifecycle {
    create_before_destroy = true
  }
}
