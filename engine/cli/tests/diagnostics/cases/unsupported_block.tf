resorce "aws_instance" "x" {
}
