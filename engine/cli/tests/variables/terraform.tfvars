tfvars_over_env  = "tfvars"
auto_over_tfvars = "tfvars"
cli_over_files   = "tfvars"
