# An override of a block no primary file declares is an error.
resource "terraform_data" "a" {
  input = "a"
}
