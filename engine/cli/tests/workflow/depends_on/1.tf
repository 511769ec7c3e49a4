resource "terraform_data" "role" {
  input = "role"
}
resource "terraform_data" "job" {
  input      = "job"
  depends_on = [terraform_data.role]
}
output "job" {
  value = terraform_data.job.output
}
