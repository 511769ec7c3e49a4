#!/usr/bin/env bash
# Fills the fuzzers' corpora from the repository's own test corpora, then
# runs each target for a while:  bash engine/lang/fuzz/seed.sh [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
seconds=${1:-120}
mkdir -p "$here/corpus/parse" "$here/corpus/evaluate"
cp "$top"/engine/cli/tests/fmt_corpus/* "$here/corpus/parse/"
cp "$top"/engine/cli/tests/diagnostics/cases/*.tf "$here/corpus/parse/"
i=0
while IFS= read -r line; do
  i=$((i + 1))
  printf '%s' "$line" > "$here/corpus/evaluate/seed_$i"
done < "$top/engine/cli/tests/differential/expressions.txt"
cd "$here/.."
for target in parse evaluate; do
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -max_len=4096 -timeout=10
done
