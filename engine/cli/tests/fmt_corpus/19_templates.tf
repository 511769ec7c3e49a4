locals {
  a = "%{if var.x}yes%{else}no%{endif}"
  b = "%{ for x in var.l }${x}, %{ endfor }"
  c = "prefix-${ var.a }-${ upper(var.b) }"
  d = "escaped \" quote and \\ backslash and \n newline"
  e = "unicode é 日本 🎉"
  f = "${ {a=1}.a }"
}
