# A stack may not cost more than a set amount per hour, nor run more than
# a set number of GPUs, by the plan's cost estimate. Nearing the limit
# warns.
package strata.gpu_budget

import rego.v1

max_dollars_per_hour := 250

max_gpus := 64

cost := input.cost_estimate

deny contains msg if {
	cost.hourly_after > max_dollars_per_hour
	msg := sprintf("the stack would cost $%.2f an hour, over the budget of $%d", [cost.hourly_after, max_dollars_per_hour])
}

deny contains msg if {
	cost.gpus_after > max_gpus
	msg := sprintf("the stack would run %d GPUs, over the limit of %d", [cost.gpus_after, max_gpus])
}

warn contains msg if {
	cost.hourly_after <= max_dollars_per_hour
	cost.hourly_after > 0.8 * max_dollars_per_hour
	msg := sprintf("the stack would cost $%.2f an hour, over 80%% of the budget", [cost.hourly_after])
}

warn contains msg if {
	some u in cost.unpriced
	msg := sprintf("%s is not priced: %s", [u.address, u.why])
}
