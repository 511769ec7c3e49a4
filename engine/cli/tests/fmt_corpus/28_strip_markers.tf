locals {
  a = <<EOT
%{~ for x in var.l ~}
item ${x}
%{~ endfor ~}
EOT
  b = "${~ var.x ~}"
  c = "a ${~var.x~} b"
}
