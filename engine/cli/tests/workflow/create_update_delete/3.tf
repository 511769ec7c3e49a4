output "gone" {
  value = "nothing left"
}
