resource "terraform_data" "bucket" {
  for_each = toset(["raw", "features", "models"])
  input    = "ml-${each.value}"
}
output "buckets" {
  value = sort([for b in terraform_data.bucket : b.output])
}
