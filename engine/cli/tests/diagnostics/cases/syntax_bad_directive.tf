locals {
  a = "%{ while x }y%{ endwhile }"
}
