run "never" {
  command = plan
  assert {
    condition     = var.prefix == "never"
    error_message = "this file is filtered out"
  }
}
