resource "terraform_data" "n" {
  count = 2
  input = "n${count.index}"
}
