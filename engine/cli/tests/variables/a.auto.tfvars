auto_over_tfvars = "a.auto"
later_auto_wins  = "a.auto"
