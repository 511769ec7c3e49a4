variable "name" {
  type = string
  validation {
    condition     = length(var.name) > 2
    error_message = "The name must be longer than two characters."
  }
}
variable "size" {
  type    = number
  default = 1
}
locals { label = "job-${var.name}" }
resource "terraform_data" "job" {
  count = var.size
  input = "${local.label}-${count.index}"
  lifecycle {
    postcondition {
      condition     = self.output != "job-bad-0"
      error_message = "bad job"
    }
  }
}
output "label" { value = local.label }
output "first" { value = terraform_data.job[0].output }
check "sane" {
  assert {
    condition     = var.size < 5
    error_message = "too many"
  }
}
