moved {
  from = terraform_data.n[0]
  to   = terraform_data.n["first"]
}
moved {
  from = terraform_data.n[1]
  to   = terraform_data.n["second"]
}
resource "terraform_data" "n" {
  for_each = { first = "n0", second = "n1" }
  input    = each.value
}
