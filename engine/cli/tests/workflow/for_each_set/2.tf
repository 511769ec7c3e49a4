# text differs: Terraform knows the length of sort()'s result before its
# elements are known (cty refinements) and shows each element going unknown;
# Strata shows the list going unknown.
resource "terraform_data" "bucket" {
  for_each = toset(["raw", "models", "checkpoints"])
  input    = "ml-${each.value}"
}
output "buckets" {
  value = sort([for b in terraform_data.bucket : b.output])
}
