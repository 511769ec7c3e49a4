# plan: -destroy -target=terraform_data.fleet
resource "terraform_data" "net" {
  input = "net-2"
}

resource "terraform_data" "fleet" {
  input = "fleet-2 on ${terraform_data.net.output}"
}

resource "terraform_data" "user" {
  input = "user-2 of ${terraform_data.fleet.output}"
}

resource "terraform_data" "other" {
  input = "other-2"
}
