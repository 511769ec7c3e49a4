resource "terraform_data" "spec" {
  input = {
    name   = "train"
    gpus   = 16
    labels = { team = "ml", tier = "gpu" }
    zones  = ["a", "b", "c"]
    spot   = false
  }
}
output "spec" {
  value = terraform_data.spec.output
}
