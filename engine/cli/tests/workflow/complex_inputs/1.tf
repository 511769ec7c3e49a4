resource "terraform_data" "spec" {
  input = {
    name   = "train"
    gpus   = 8
    labels = { team = "ml", tier = "gpu" }
    zones  = ["a", "b"]
    spot   = true
  }
}
output "spec" {
  value = terraform_data.spec.output
}
