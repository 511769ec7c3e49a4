resource "terraform_data" "x" {
  input = nosuchfn(1)
}
