variable "name" {
  type    = string
  default = "base"
}
resource "terraform_data" "job" {
  input = var.name
  lifecycle {
    postcondition {
      condition     = self.output != "bad"
      error_message = "bad job"
    }
  }
}
resource "terraform_data" "other" {
  input = "other-${terraform_data.job.output}"
}
output "out" {
  value = terraform_data.job.output
  precondition {
    condition     = var.name != "nope"
    error_message = "nope"
  }
}
