resource "terraform_data" "net" {
  input = "net-1"
}

resource "terraform_data" "fleet" {
  input = "fleet-1 on ${terraform_data.net.output}"
}

resource "terraform_data" "user" {
  input = "user-1 of ${terraform_data.fleet.output}"
}

resource "terraform_data" "other" {
  input = "other-1"
}
