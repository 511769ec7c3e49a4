variable {
  type = string
}
