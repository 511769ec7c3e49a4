resource "terraform_data" "base" {
  input = "base"
}
resource "terraform_data" "shard" {
  count = 3
  input = "${terraform_data.base.output}-${count.index}"
}
resource "terraform_data" "merge" {
  input = join(",", terraform_data.shard[*].output)
}
output "merged" {
  value = terraform_data.merge.output
}
