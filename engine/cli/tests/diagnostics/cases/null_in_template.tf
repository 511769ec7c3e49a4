locals {
  a = "value: ${null}"
}
