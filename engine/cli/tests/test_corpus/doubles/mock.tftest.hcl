mock_provider "terraform" {
  mock_resource "terraform_data" {
    defaults = {
      output = "mocked"
    }
  }
}
run "mocked" {
  assert {
    condition     = output.seed == "mocked"
    error_message = "seed: ${output.seed}"
  }
}
