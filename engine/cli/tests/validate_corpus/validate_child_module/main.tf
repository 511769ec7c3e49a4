# validate checks local child modules' bodies too.
module "child" {
  source = "./child"
}
