# Provisioner keywords are not references.
resource "terraform_data" "a" {
  input = "a"

  provisioner "local-exec" {
    when       = destroy
    on_failure = continue
    command    = "true ${self.id}"
  }
}
