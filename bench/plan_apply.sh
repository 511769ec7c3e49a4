#!/usr/bin/env bash
# Plan/apply benchmark: N terraform_data resources in three shapes, timed
# for Strata and, side by side, Terraform on the same files.
#
#   bash bench/plan_apply.sh [N] [SHAPES] [TOOLS]
#
# SHAPES: any of independent,chain,layers (default all three)
#   independent: N unrelated resources
#   chain:       each resource reads the previous one
#   layers:      10 layers; each resource reads 3 resources of the layer above
# TOOLS: strata,terraform (default both; Terraform is slow past N=1000)
#
# For each shape and tool: plan time, apply time (from an empty state),
# peak memory of each, and the size of the state afterwards.
set -euo pipefail
n=${1:-1000}
shapes=${2:-independent,chain,layers}
tools=${3:-strata,terraform}
top=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$top/Cargo.toml"
strata="$top/target/release/strata"
export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

generate() { # shape dir
  python3 - "$n" "$1" > "$2/main.tf" <<'PY'
import sys
n, shape = int(sys.argv[1]), sys.argv[2]
per_layer = max(1, n // 10)
for i in range(n):
    if shape == "independent":
        value = f'"r{i}"'
    elif shape == "chain":
        value = f'terraform_data.r{i-1}.output' if i else '"r0"'
    else:
        layer = i // per_layer
        if layer == 0:
            value = f'"r{i}"'
        else:
            above = [(layer - 1) * per_layer + (i + k) % per_layer for k in range(3)]
            value = "[" + ", ".join(f"terraform_data.r{a}.id" for a in above) + "]"
    print(f'resource "terraform_data" "r{i}" {{\n  input = {value}\n}}\n')
PY
}

measure() { # label command... -> "seconds peak-KB"
  /usr/bin/time -o "$work/time" -f "%e %M" "${@:2}" > /dev/null 2> "$work/err" || { echo "$1 failed:" >&2; cat "$work/err" >&2; exit 1; }
  cat "$work/time"
}

printf "%-12s %-10s %10s %12s %10s %12s %12s\n" shape tool "plan s" "plan MB" "apply s" "apply MB" "state bytes"
for shape in ${shapes//,/ }; do
  for tool in ${tools//,/ }; do
    dir="$work/$shape-$tool"
    mkdir -p "$dir"
    generate "$shape" "$dir"
    cd "$dir"
    if [ "$tool" = strata ]; then
      read -r ps pm < <(measure plan "$strata" plan -out=plan.json)
      read -r as am < <(measure apply "$strata" apply plan.json)
      state=strata.tfstate
    else
      read -r ps pm < <(measure plan terraform plan -input=false -out=tfplan)
      read -r as am < <(measure apply terraform apply -input=false -auto-approve tfplan)
      state=terraform.tfstate
    fi
    printf "%-12s %-10s %10s %12s %10s %12s %12s\n" "$shape" "$tool" "$ps" "$((pm / 1024))" "$as" "$((am / 1024))" "$(stat -c %s "$state")"
    cd "$top"
  done
done
