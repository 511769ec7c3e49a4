import {
  to = terraform_data.legacy
  id = "legacy-123"
}

resource "terraform_data" "legacy" {
  input = "adopted"
}

output "id" {
  value = terraform_data.legacy.id
}
