#!/usr/bin/env bash
# API calls and seconds of placing a GPU fleet (plan with its preflight,
# then apply) as candidates and regions grow, every zone out of capacity
# but the last one tried. Uses the moto server at STRATA_TEST_S3, or
# starts one (`.ci/moto`) for the run. Prints a Markdown table.
#
#   bash bench/gpu_acquisition.sh [RUNS]
set -euo pipefail
runs=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -z "${STRATA_TEST_S3:-}" ]; then
  work=$(mktemp -d)
  eval "$(bash .ci/moto "${STRATA_MOTO_VENV:-$HOME/.cache/strata-moto-venv}" "$work" 55010)"
  trap 'eval "$STRATA_TEST_S3_STOP"; rm -rf "$work"' EXIT
fi
cargo build --quiet --release -p strata-provider-gpu --example acquisition_bench
./target/release/examples/acquisition_bench "$STRATA_TEST_S3" "$runs"
