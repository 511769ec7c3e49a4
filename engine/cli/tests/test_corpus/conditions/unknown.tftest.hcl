run "unknown" {
  command = plan
  assert {
    condition     = terraform_data.job.output == "base"
    error_message = "unknown"
  }
}
run "skipped" {
  command = plan
}
