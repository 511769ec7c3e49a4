resource "terraform_data" "names" {
  input = ["a", "b"]
}
resource "terraform_data" "each" {
  for_each = toset(["a", "b"])
  input    = "${each.key}-${length(terraform_data.names.output)}"
}
output "each" {
  value = [for k in sort(keys(terraform_data.each)) : terraform_data.each[k].output]
}
