locals {
  a = uppr("x")
}
