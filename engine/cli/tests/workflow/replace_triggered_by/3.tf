resource "terraform_data" "config" {
  input = "lr=0.01"
}
resource "terraform_data" "trainer" {
  input = "trainer"
  lifecycle {
    replace_triggered_by = [terraform_data.config]
  }
}
