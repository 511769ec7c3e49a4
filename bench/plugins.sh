#!/usr/bin/env bash
# Strata and Terraform running the same provider binary (hashicorp/aws
# 3.39.0 from the mirror `.ci/plugins` lays out) against a moto server:
#   - `init` from the filesystem mirror (install, lock file; Strata also
#     reads and caches the schema);
#   - a no-op `plan` of the ML stack in engine/cli/tests/plugin_stack
#     (14 instances) after applying it;
#   - a no-op `plan` of 200 IAM groups and one of 200 IAM policies after
#     applying them (cheap resources: one and two IAM calls to read one);
#   - a no-op `plan` of 200 S3 buckets after applying them (a dozen S3
#     calls to read one: bound by the server's answers).
# Runs alternate between the tools; medians of wall seconds are printed.
#
#   bash bench/plugins.sh STRATA_BINARY MIRROR_DIR MOTO_ENDPOINT [RUNS]
set -euo pipefail
strata=${1:?strata binary (a release build)}
mirror=${2:?provider mirror (bash .ci/plugins CACHE DIR)}
endpoint=${3:?moto endpoint, e.g. http://127.0.0.1:55000}
runs=${4:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$mirror" > "$work/cli.tfrc"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1
tag=$$
# The three stacks of cheap and costly resources: one provider block (every
# service on moto; no call leaves loopback), then the resources.
python3 - "$endpoint" "$work" <<'PY'
import sys
endpoint, work = sys.argv[1], sys.argv[2]
head = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "3.39.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_get_ec2_platforms      = true
  s3_force_path_style         = true
  endpoints {
    iam = "%s"
    s3  = "%s"
    sts = "%s"
  }
}
variable "prefix" { type = string }
""" % (endpoint, endpoint, endpoint)
stacks = {
    "buckets": """resource "aws_s3_bucket" "b" {
  count         = 200
  bucket        = "${var.prefix}-${count.index}"
  force_destroy = true
}
""",
    "groups": """resource "aws_iam_group" "teams" {
  count = 200
  name  = "${var.prefix}-team-${count.index}"
}
""",
    "policies": """resource "aws_iam_policy" "read_datasets" {
  count = 200
  name  = "${var.prefix}-read-${count.index}"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:ListBucket"]
      Resource = ["arn:aws:s3:::datasets-${count.index}", "arn:aws:s3:::datasets-${count.index}/*"]
    }]
  })
}
""",
}
for name, body in stacks.items():
    with open(f"{work}/{name}.tf", "w") as f:
        f.write(head + body)
PY
seconds() { # command... → wall seconds on stdout
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.3f}')"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
run_tool() { # tool dir args...
  local tool=$1 dir=$2; shift 2
  if [ "$tool" = strata ]; then (cd "$dir" && "$strata" "$@"); else (cd "$dir" && terraform "$@" -no-color -input=false); fi
}
stacks=(ml groups policies buckets)
for stack in "${stacks[@]}"; do
  for tool in strata terraform; do
    d="$work/$stack-$tool"
    mkdir -p "$d"
    if [ $stack = ml ]; then cp "$root/engine/cli/tests/plugin_stack/main.tf" "$d/"; else cp "$work/$stack.tf" "$d/main.tf"; fi
    run_tool $tool "$d" init > /dev/null
  done
done
declare -A times
for i in $(seq 1 "$runs"); do
  for tool in strata terraform; do
    d="$work/init-$tool-$i"
    mkdir -p "$d" && cp "$work/buckets.tf" "$d/main.tf"
    times[init-$tool]+="$(seconds run_tool $tool "$d" init) "
  done
done
for stack in "${stacks[@]}"; do
  for tool in strata terraform; do
    d="$work/$stack-$tool"
    vars=(-var "prefix=bp$tag-${tool:0:1}-$stack")
    [ $stack = ml ] && vars+=(-var "endpoint=$endpoint")
    run_tool $tool "$d" apply -auto-approve "${vars[@]}" > /dev/null
  done
  for i in $(seq 1 "$runs"); do
    for tool in strata terraform; do
      d="$work/$stack-$tool"
      vars=(-var "prefix=bp$tag-${tool:0:1}-$stack")
      [ $stack = ml ] && vars+=(-var "endpoint=$endpoint")
      times[plan-$stack-$tool]+="$(seconds run_tool $tool "$d" plan "${vars[@]}") "
    done
  done
done
printf '%-26s %10s %10s %8s\n' measure strata terraform ratio
for m in init plan-ml plan-groups plan-policies plan-buckets; do
  s=$(echo ${times[$m-strata]} | tr ' ' '\n' | median)
  t=$(echo ${times[$m-terraform]} | tr ' ' '\n' | median)
  printf '%-26s %9ss %9ss %8s\n' "$m (median of $runs)" "$s" "$t" "$(python3 -c "print(f'{$s / $t:.2f}')")"
done
for stack in "${stacks[@]}"; do
  for tool in strata terraform; do
    d="$work/$stack-$tool"
    vars=(-var "prefix=bp$tag-${tool:0:1}-$stack")
    [ $stack = ml ] && vars+=(-var "endpoint=$endpoint")
    run_tool $tool "$d" destroy -auto-approve "${vars[@]}" > /dev/null
  done
done
