# resource.TYPE.NAME is the long form of TYPE.NAME.
resource "terraform_data" "a" {
  input = "a"
}

resource "terraform_data" "b" {
  input = resource.terraform_data.a.output
}

output "b" {
  value = resource.terraform_data.b.input
}
