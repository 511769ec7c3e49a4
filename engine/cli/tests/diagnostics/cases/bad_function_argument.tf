locals {
  a = abs("many")
}
