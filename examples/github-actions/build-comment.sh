#!/usr/bin/env bash
# Builds the pull-request comment for every stack under the current
# directory (or those changed since a git ref), and keeps each stack's
# plan for the apply after merge. Needs only `strata` on PATH: run it
# locally to see the comment a pull request would get.
#
#   build-comment.sh [--changed-since REF] OUTDIR
#
# Writes OUTDIR/comment.md (all parts), OUTDIR/part-N.md (one file per
# comment) and OUTDIR/plans/*.plan. Exits 1 when a plan failed or a policy
# denied one; the comment is written either way.
set -uo pipefail
changed=()
if [ "${1:-}" = "--changed-since" ]; then
  changed=(--changed-since "$2")
  shift 2
fi
out=${1:?usage: build-comment.sh [--changed-since REF] OUTDIR}
mkdir -p "$out/plans"
policy=()
[ -d policies ] && policy=(--policy policies)
strata plan --all "${changed[@]}" "${policy[@]}" --out "$out/plans" --markdown-out "$out/comment.md"
status=$?
rm -f "$out"/part-*.md
awk -v out="$out" '/^<!-- strata:part [0-9]+\/[0-9]+ -->$/ { n++ } n { print > (out "/part-" n ".md") }' "$out/comment.md"
echo "comment: $(ls "$out"/part-*.md | wc -l) part(s) in $out"
exit $status
