#!/usr/bin/env bash
# Parse-and-validate benchmark: a generated stack of N resource blocks,
# timed for `strata validate` and, side by side, `terraform validate` on the
# same files. Prints the median of RUNS runs, each pinned to one core.
#
#   bash bench/validate.sh [N] [RUNS] [SHAPE]
#
# SHAPE "plain" (default): each block has an interpolated string and a
# reference to the previous block (about 1.3 MB at N=10000). SHAPE "rich":
# each block also has an object with merge(), a for expression and more
# templates (about 2.2 MB at N=10000).
set -euo pipefail
n=${1:-10000}
runs=${2:-5}
shape=${3:-plain}
top=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$top/Cargo.toml"
strata="$top/target/release/strata"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$n" "$shape" > "$dir/main.tf" <<'PY'
import sys
n, shape = int(sys.argv[1]), sys.argv[2]
print('variable "prefix" {\n  type    = string\n  default = "exp"\n}\n')
print('locals {\n  tags = { team = "ml", env = "dev" }\n}\n')
for i in range(n):
    dep = f"terraform_data.r{i-1}.id" if i else '"root"'
    if shape == "plain":
        print(f'''resource "terraform_data" "r{i}" {{
  input            = "${{var.prefix}}-{i}"
  triggers_replace = [{dep}]
}}
''')
        continue
    print(f'''resource "terraform_data" "r{i}" {{
  input = {{
    name   = "${{var.prefix}}-{i}"
    parent = {dep}
    tags   = merge(local.tags, {{ index = "{i}" }})
    shards = [for s in range(4) : "shard-${{s}}"]
  }}
}}
''')
PY
echo "stack: $n resources ($shape), $(du -h "$dir/main.tf" | cut -f1) of HCL"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_runs() {
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null 2>&1 || { echo "command failed: $*" >&2; exit 1; }
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
  done | median
}
s=$(cd "$dir" && time_runs taskset -c 0 "$strata" validate)
echo "strata validate:    median ${s} ms over $runs runs (one core)"
if command -v terraform >/dev/null; then
  export TF_CLI_CONFIG_FILE=/dev/null
  (cd "$dir" && terraform init -input=false > /dev/null 2>&1) || true
  t=$(cd "$dir" && time_runs taskset -c 0 terraform validate)
  echo "terraform validate: median ${t} ms over $runs runs (one core)"
  awk -v s="$s" -v t="$t" 'BEGIN { if (s > 0) printf "ratio: terraform/strata = %.1fx\n", t / s }'
fi
