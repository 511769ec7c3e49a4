resource "terraform_data" "job" {
  input = {
    script = <<-EOT
      #!/bin/bash
      python train.py --epochs 10

      echo done
    EOT
    nodes  = ["a", "b", "c", "d"]
    labels = { team = "ml", tier = "gpu", "cost-center" = "42" }
    limits = { gpus = 8, memory = "640Gi" }
    owner  = null
    spare  = []
  }
}

output "job" {
  value = terraform_data.job.output
}

output "nodes" {
  value = terraform_data.job.output.nodes
}
