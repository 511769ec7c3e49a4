# join with no list is an error.
output "joined" {
  value = join(",")
}
