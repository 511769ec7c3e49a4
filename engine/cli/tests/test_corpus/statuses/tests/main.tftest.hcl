variables {
  name = "alpha"
}
run "setup" {
  module { source = "./setup" }
}
run "plan_only" {
  command = plan
  assert {
    condition     = output.label == "job-alpha"
    error_message = "wrong label"
  }
  assert {
    condition     = terraform_data.job[0].input == "job-alpha-0"
    error_message = "wrong input"
  }
}
run "apply" {
  variables {
    name = run.setup.seed
    size = 2
  }
  assert {
    condition     = output.first == "job-seed-0"
    error_message = "wrong first: ${output.first}"
  }
  assert {
    condition     = length(terraform_data.job) == 3
    error_message = "expected three jobs"
  }
}
run "bad_name" {
  command = plan
  variables { name = "x" }
  expect_failures = [var.name]
}
run "too_many" {
  command = plan
  variables { size = 6 }
  expect_failures = [check.sane]
}
run "missing_failure" {
  command = plan
  expect_failures = [var.name]
}
run "post" {
  variables { name = "bad" }
  expect_failures = [terraform_data.job]
}
