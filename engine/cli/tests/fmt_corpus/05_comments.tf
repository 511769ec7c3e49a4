# File comment
// Another style

/*
  Block comment
*/
resource "a" "b" { # after brace
  x = 1 # c1
  yy = 22 # c2
  zzz = 333   // c3

  w = 4 /* inline */
  # standalone
  v = 5
}
