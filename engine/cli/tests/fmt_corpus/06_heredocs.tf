locals {
  script = <<-EOT
    #!/bin/bash
      echo "${var.x}"
    %{ for s in var.list ~}
    ${ s }
    %{ endfor ~}
  EOT
  plain = <<EOF2
no   change   here
  EOF2
  after = 1
}
