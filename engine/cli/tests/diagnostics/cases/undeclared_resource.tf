resource "aws_instance" "gpu" {}
output "id" {
  value = aws_instance.gpus.id
}
