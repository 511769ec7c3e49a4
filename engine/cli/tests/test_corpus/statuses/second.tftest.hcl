run "broken" {
  command = plan
  variables { name = "x" }
}
run "after_error" {
  command = plan
  variables { name = "fine" }
}
