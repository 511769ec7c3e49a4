output "gone" {
  value = "no modules"
}
