run "first" {
  variables {
    n = 1
  }
}

run "elsewhere" {
  state_key = "side"
  variables {
    n = 2
  }
  assert {
    condition     = output.id != run.first.id
    error_message = "The run shared the stack's state."
  }
}

run "again" {
  variables {
    n = 3
  }
  assert {
    condition     = output.id == run.first.id
    error_message = "The stack's state was lost."
  }
}

run "side_again" {
  state_key = "side"
  variables {
    n = 4
  }
  assert {
    condition     = output.id == run.elsewhere.id && output.n == 4
    error_message = "The side state was lost."
  }
}

run "helper" {
  state_key = "helper-one"
  module {
    source = "./setup"
  }
}

run "helper_two" {
  module {
    source = "./setup"
  }
  assert {
    condition     = output.id != run.helper.id
    error_message = "The state key was ignored."
  }
}

run "helper_three" {
  state_key = "helper-one"
  module {
    source = "./setup"
  }
  variables {
    label = "y"
  }
  assert {
    condition     = output.id == run.helper.id
    error_message = "The shared state key was lost."
  }
}
