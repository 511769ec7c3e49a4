resource "terraform_data" "src" {
  input = "v1"
}

# A chain of locals longer than a few passes, declared last-first: apply
# must evaluate them in dependency order once the id is known.
locals {
  l14 = "${local.l13}+14"
  l13 = "${local.l12}+13"
  l12 = "${local.l11}+12"
  l11 = "${local.l10}+11"
  l10 = "${local.l9}+10"
  l9 = "${local.l8}+9"
  l8 = "${local.l7}+8"
  l7 = "${local.l6}+7"
  l6 = "${local.l5}+6"
  l5 = "${local.l4}+5"
  l4 = "${local.l3}+4"
  l3 = "${local.l2}+3"
  l2 = "${local.l1}+2"
  l1 = "${local.l0}+1"
  l0 = length(terraform_data.src.id)
}

resource "terraform_data" "sink" {
  input = local.l14
}

output "chain" {
  value = local.l14
}

output "sink" {
  value = terraform_data.sink.output
}
