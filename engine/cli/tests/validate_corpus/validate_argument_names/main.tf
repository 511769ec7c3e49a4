# validate checks arguments against the resource type's schema, also in
# a resource with count = 0.
resource "terraform_data" "a" {
  count = 0
  inptu = 1
}
