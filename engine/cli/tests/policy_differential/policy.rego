# Written against Terraform's plan JSON: planned_values (root and child
# modules), resource_changes, output_changes and configuration.
package plan.review

import rego.v1

resources contains r if {
	some r in input.planned_values.root_module.resources
}

resources contains r if {
	some m in input.planned_values.root_module.child_modules
	some r in m.resources
}

deny contains msg if {
	some r in resources
	r.values.input.public == true
	msg := sprintf("%s is public", [r.address])
}

warn contains msg if {
	some r in resources
	r.values.input.gpus > 8
	msg := sprintf("%s asks for %d GPUs", [r.address, r.values.input.gpus])
}

warn contains msg if {
	some rc in input.resource_changes
	"create" in rc.change.actions
	rc.change.after_unknown.output
	msg := sprintf("%s creates %s (output known after apply)", [rc.address, rc.type])
}

warn contains msg if {
	some rc in input.resource_changes
	rc.change.after_sensitive.input.token
	msg := sprintf("%s holds a sensitive token", [rc.address])
}

warn contains msg if {
	some c in input.configuration.root_module.resources
	some ref in c.expressions.input.references
	startswith(ref, "terraform_data.bucket")
	msg := sprintf("%s reads %s", [c.address, ref])
}

warn contains msg if {
	some name, oc in input.output_changes
	"create" in oc.actions
	msg := sprintf("output %s is new", [name])
}

warn contains msg if {
	some name, call in input.configuration.root_module.module_calls
	msg := sprintf("module %s comes from %s", [name, call.source])
}
