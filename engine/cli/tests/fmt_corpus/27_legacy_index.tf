locals {
  a = var.list.0
  b = var.list.0.name
  c = aws_instance.x.0.id
}
