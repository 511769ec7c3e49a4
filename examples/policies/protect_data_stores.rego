# Data stores (buckets, tables, databases, file systems, Kafka) are not
# destroyed or replaced unless the object carries the tag
# strata:allow-destroy = "true" before the change.
package strata.protect_data_stores

import rego.v1

data_stores := {
	"aws_s3_bucket",
	"aws_dynamodb_table",
	"aws_db_instance",
	"aws_rds_cluster",
	"aws_efs_file_system",
	"aws_msk_cluster",
}

allowed(rc) if rc.change.before.tags["strata:allow-destroy"] == "true"

deny contains msg if {
	some rc in input.resource_changes
	rc.type in data_stores
	"delete" in rc.change.actions
	not allowed(rc)
	msg := sprintf("%s would be destroyed: tag it strata:allow-destroy = \"true\" first if that is meant", [rc.address])
}
