resource "aws_instance" "gpu" {
  count = var.n
  ami = data.aws_ami.dl.id
  instance_type = "p4d.24xlarge"
  subnet_id = aws_subnet.private[count.index % length(aws_subnet.private)].id
  vpc_security_group_ids = [aws_security_group.train.id]
  tags = merge(var.tags, {
    Name = "gpu-${count.index}"
  })
  lifecycle {
    create_before_destroy = true
    ignore_changes = [tags["LastSeen"], ami]
    precondition {
      condition = var.n > 0
      error_message = "Need at least one node."
    }
  }
  depends_on = [aws_iam_role_policy_attachment.train]
}
