#!/usr/bin/env bash
# Creates or updates the plan comment of a pull request: the comments
# whose first line is `<!-- strata:part N/M -->` are edited in place (one
# per part), extra parts are added and left-over ones deleted, so a pull
# request always has one current plan comment. Uses the `gh` CLI.
#
#   post-comment.sh PR_NUMBER OUTDIR
set -euo pipefail
pr=${1:?pull request number}
out=${2:?directory build-comment.sh wrote}
repo=${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is set by GitHub Actions}
mapfile -t existing < <(gh api --paginate "repos/$repo/issues/$pr/comments" \
  --jq '.[] | select(.body | startswith("<!-- strata:part ")) | .id')
parts=("$out"/part-*.md)
for i in "${!parts[@]}"; do
  body=$(cat "$out/part-$((i + 1)).md")
  if [ "$i" -lt "${#existing[@]}" ]; then
    gh api -X PATCH "repos/$repo/issues/comments/${existing[$i]}" -f body="$body" >/dev/null
  else
    gh api -X POST "repos/$repo/issues/$pr/comments" -f body="$body" >/dev/null
  fi
done
for ((i = ${#parts[@]}; i < ${#existing[@]}; i++)); do
  gh api -X DELETE "repos/$repo/issues/comments/${existing[$i]}" >/dev/null
done
