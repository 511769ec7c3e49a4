resource "terraform_data" "subnet" {
  count = 3
  input = "10.20.${count.index}.0/24"
}

resource "terraform_data" "association" {
  count = length(terraform_data.subnet)
  input = terraform_data.subnet[count.index].id
}

output "associations" {
  value = length(terraform_data.association)
}
