override_module {
  target  = module.child
  outputs = {
    value = "overridden"
  }
}
run "applies_with_the_given_outputs" {
  assert {
    condition     = terraform_data.user.output == "uses-overridden"
    error_message = "user: ${terraform_data.user.output}"
  }
  assert {
    condition     = output.child_other == null
    error_message = "outputs not given are null: ${jsonencode(output.child_other)}"
  }
}
run "plans_with_them_too" {
  command = plan
  assert {
    condition     = terraform_data.user.input == "uses-overridden"
    error_message = "planned user: ${terraform_data.user.input}"
  }
}
