# No S3 bucket may be readable or writable by everyone: no public ACLs,
# no public-access block left open, no bucket policy granting "*".
package strata.no_public_s3

import rego.v1

public_acls := {"public-read", "public-read-write", "authenticated-read"}

after(rc) := rc.change.after if rc.change.actions[_] != "delete"

deny contains msg if {
	some rc in input.resource_changes
	rc.type in {"aws_s3_bucket_acl", "aws_s3_bucket"}
	acl := after(rc).acl
	acl in public_acls
	msg := sprintf("%s makes a bucket public (acl = %q)", [rc.address, acl])
}

deny contains msg if {
	some rc in input.resource_changes
	rc.type == "aws_s3_bucket_public_access_block"
	block := after(rc)
	some setting in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]
	block[setting] == false
	msg := sprintf("%s leaves %s off: the bucket can be made public", [rc.address, setting])
}

deny contains msg if {
	some rc in input.resource_changes
	rc.type == "aws_s3_bucket_policy"
	doc := json.unmarshal(after(rc).policy)
	some statement in doc.Statement
	statement.Effect == "Allow"
	statement.Principal in {"*", {"AWS": "*"}}
	msg := sprintf("%s allows everyone (Principal \"*\")", [rc.address])
}
