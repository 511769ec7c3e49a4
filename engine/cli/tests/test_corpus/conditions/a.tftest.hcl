run "post" {
  variables { name = "bad" }
  expect_failures = [terraform_data.job]
}
run "outpre" {
  command = plan
  variables { name = "nope" }
  expect_failures = [output.out]
}
run "applied" {
  assert {
    condition     = terraform_data.other.output == "other-base"
    error_message = "other wrong"
  }
}
run "targeted" {
  command = plan
  variables { name = "changed" }
  plan_options {
    target = [terraform_data.job]
  }
  assert {
    condition     = terraform_data.job.input == "changed"
    error_message = "target"
  }
}
run "replaced" {
  plan_options {
    replace = [terraform_data.job]
  }
  assert {
    condition     = output.out == "base"
    error_message = "replace"
  }
}
run "refresh_only" {
  command = plan
  plan_options {
    mode    = refresh-only
    refresh = true
  }
  assert {
    condition     = run.applied.out == "base"
    error_message = "run ref"
  }
}
run "bad_ref" {
  command = plan
  assert {
    condition     = terraform_data.missing.id == "x"
    error_message = "bad ref"
  }
}
run "after" {
  command = plan
}
