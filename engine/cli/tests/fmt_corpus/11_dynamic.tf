resource "aws_security_group" "sg" {
  name = "sg"
  dynamic "ingress" {
    for_each = var.ports
    iterator = port
    content {
      from_port = port.value
      to_port = port.value
      protocol = "tcp"
      cidr_blocks = ["10.0.0.0/8"]
    }
  }
}
