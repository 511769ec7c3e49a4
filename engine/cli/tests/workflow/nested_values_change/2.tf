resource "terraform_data" "job" {
  input = {
    script = <<-EOT
      #!/bin/bash
      python train.py --epochs 20

      echo done
    EOT
    nodes  = ["a", "c", "d", "e"]
    labels = { team = "ml", tier = "cpu", owner = "alice" }
    limits = { gpus = 8, memory = "640Gi" }
  }
}

output "job" {
  value = terraform_data.job.output
}

output "nodes" {
  value = terraform_data.job.output.nodes
}
