variable "gpus" {
  type    = number
  default = "eight"
}

variable "zone" {
  tpye = string
}

locals {
  a = local.b
  b = local.a
  c = var.gpu
  d = uper("x")
  e = "x" + 1
}

resource "aws_instance" "gpu" {
  ami   = each.key
  count = 2
}

output "id" {
  value = aws_instance.cpu.id
}

resourc "x" "y" {
}
