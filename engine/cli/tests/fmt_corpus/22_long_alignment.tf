resource "x" "y" {
  a = 1
  very_long_attribute_name_here = 2
  mid_length = 3
  b = [
    1,
  ]
  c = 4
  dd = 5
}
