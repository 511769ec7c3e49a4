override_resource {
  target = terraform_data.seed
  values = {
    output = "file-level"
  }
}
run "file_level" {
  assert {
    condition     = output.seed == "file-level"
    error_message = "seed: ${output.seed}"
  }
  assert {
    condition     = terraform_data.user.output == "uses-file-level"
    error_message = "user: ${terraform_data.user.output}"
  }
}
run "run_level_plan" {
  command = plan
  override_resource {
    target          = terraform_data.seed
    override_during = plan
    values = {
      output = "planned"
    }
  }
  assert {
    condition     = terraform_data.user.input == "uses-planned"
    error_message = "user input: ${terraform_data.user.input}"
  }
}
run "unknown_without_during_plan" {
  command = plan
  override_resource {
    target = terraform_data.user
    values = {
      output = "later"
    }
  }
  assert {
    condition     = terraform_data.user.output == "later"
    error_message = "should be unknown"
  }
}
