output "id" {
  description = "missing value"
}
