resource "terraform_data" "job" {
  input = {
    nodes = []
  }
}

output "nodes" {
  value = terraform_data.job.output.nodes
}
