run "defaults" {
  assert {
    condition     = output.names == ["gpu-0", "gpu-1"]
    error_message = "names: ${jsonencode(output.names)}"
  }
}
run "grow" {
  variables {
    nodes = run.defaults.count + 1
  }
  assert {
    condition     = length(terraform_data.node) == 3 && terraform_data.node[2].output.index == 2
    error_message = "did not grow"
  }
}
run "plan_shrink" {
  command = plan
  variables {
    nodes = 1
  }
  assert {
    condition     = length(local.names) == 1
    error_message = "did not shrink"
  }
}
