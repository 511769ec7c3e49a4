#!/usr/bin/env bash
# Two strata binaries side by side on the same generated stack: N
# terraform_data resources in 10 layers, each reading three ids of the
# layer above (the `layers` shape of plan_apply.sh). Runs alternate
# between the binaries so both see the same machine noise; medians are
# printed.
#
#   bash bench/compare.sh BASE_BINARY NEW_BINARY [N] [RUNS]
#
# Build a base with e.g.
#   git worktree add /tmp/base REV && (cd /tmp/base && cargo build --release -p strata-cli)
#
# Per binary: `apply -auto-approve` from an empty state, then a no-op
# `plan` of that state; wall seconds and peak RSS of each, and the state's
# size. Then, once per binary, a `plan -destroy` and a plan targeting one
# resource of that state (each given at most TIMEOUT seconds, default 120).
set -euo pipefail
base=${1:?base binary}
new=${2:?new binary}
n=${3:-10000}
runs=${4:-3}
timeout=${TIMEOUT:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" > "$work/main.tf" <<'PY'
import sys
n = int(sys.argv[1])
per_layer = max(1, n // 10)
for i in range(n):
    layer = i // per_layer
    if layer == 0:
        value = f'"r{i}"'
    else:
        above = [(layer - 1) * per_layer + (i + k) % per_layer for k in range(3)]
        value = "[" + ", ".join(f"terraform_data.r{a}.id" for a in above) + "]"
    print(f'resource "terraform_data" "r{i}" {{\n  input = {value}\n}}\n')
PY
for tool in base new; do
  mkdir -p "$work/$tool"
  cp "$work/main.tf" "$work/$tool/"
done

measure() { # out-file binary args... (in the current directory)
  /usr/bin/time -o "$1.t" -f "%e %M" "${@:2}" > /dev/null 2> "$1.err" || {
    echo "failed: ${*:2}" >&2
    cat "$1.err" >&2
    exit 1
  }
  cat "$1.t" >> "$1"
}

for run in $(seq 1 "$runs"); do
  for tool in base new; do
    bin=$base
    [ "$tool" = new ] && bin=$new
    cd "$work/$tool"
    rm -f strata.tfstate strata.tfstate.backup
    rm -rf strata.tfstate.history
    measure "$work/$tool.apply" "$bin" apply -auto-approve
    measure "$work/$tool.plan" "$bin" plan
    stat -c %s strata.tfstate > "$work/$tool.state"
  done
done

median() { # file column
  awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

once() { # binary args... (in the current directory): wall seconds, or ">T"
  /usr/bin/time -o "$work/once.t" -f "%e" timeout "$timeout" "$@" > /dev/null 2>&1 &&
    cat "$work/once.t" || echo ">$timeout"
}
for tool in base new; do
  bin=$base
  [ "$tool" = new ] && bin=$new
  cd "$work/$tool"
  printf "%-6s plan -destroy %s s, plan -target=terraform_data.r%d %s s\n" "$tool" \
    "$(once "$bin" plan -destroy -lock=false)" "$((n / 2))" \
    "$(once "$bin" plan -lock=false "-target=terraform_data.r$((n / 2))")" >> "$work/once"
done

printf "N=%s, %s runs each, medians\n" "$n" "$runs"
printf "%-6s %10s %12s %12s %14s %12s\n" binary "apply s" "apply MB" "no-op plan s" "plan MB" "state MB"
for tool in base new; do
  printf "%-6s %10s %12d %12s %14d %12.1f\n" "$tool" \
    "$(median "$work/$tool.apply" 1)" "$(($(median "$work/$tool.apply" 2) / 1024))" \
    "$(median "$work/$tool.plan" 1)" "$(($(median "$work/$tool.plan" 2) / 1024))" \
    "$(awk '{ print $1 / 1048576 }' "$work/$tool.state")"
done
cat "$work/once"
