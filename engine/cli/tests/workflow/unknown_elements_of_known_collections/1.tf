resource "terraform_data" "subnet" {
  count = 2
  input = "10.0.${count.index}.0/24"
}

locals {
  ids    = concat(terraform_data.subnet[*].id, ["fixed"])
  merged = merge({ a = terraform_data.subnet[0].id }, { b = "x" })
}

resource "terraform_data" "association" {
  count = length(local.ids)
  input = element(local.ids, count.index)
}

resource "terraform_data" "by_key" {
  for_each = toset(keys(local.merged))
  input    = lookup(local.merged, each.key)
}

resource "terraform_data" "first_two" {
  count = length(reverse(slice(local.ids, 0, 2)))
}

module "settings" {
  source = "./modules/settings"

  logging = {
    target = terraform_data.subnet[0].id
    prefix = "logs/"
  }
  encryption = {
    rule = { key = terraform_data.subnet[1].id }
  }
  rules = [for s in terraform_data.subnet : { id = s.id }]
}

output "counts" {
  value = [length(terraform_data.association), length(terraform_data.by_key), length(terraform_data.first_two)]
}

output "made" {
  value = module.settings.made
}
