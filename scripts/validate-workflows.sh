#!/usr/bin/env bash
# Validates action.yml, this repository's workflows and the example workflows in examples/ with
# action-validator (the @action-validator/cli devDependency), one file at a time; then holds this
# repository's own workflows to the pin and permission rules of scripts/workflows/policy.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
validator=node_modules/.bin/action-validator
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# action-validator 0.6.0 carries SchemaStore's github-action schema of its day, which knows
# runs.using node12, node16 and node20 only; GitHub runs node24 actions (and the contract says
# node24). Validate a copy with node20 in its place, so everything else in action.yml is checked;
# drop this when the schema knows node24.
sed -E 's/^(  using: )node24([[:space:]]*)$/\1node20\2/' action.yml >"$scratch/action.yml"
if ! grep -qE '^  using: node20' "$scratch/action.yml"; then
  echo "action.yml: runs.using is no longer node24; revisit the substitution in $0" >&2
  exit 1
fi
echo "action.yml (runs.using node24 checked as node20)"
"$validator" "$scratch/action.yml"

status=0
for workflow in .github/workflows/*.yml .github/workflows/*.yaml examples/*.yml examples/*.yaml; do
  [ -e "$workflow" ] || continue
  echo "$workflow"
  # Glob validation is not built into the npm package; it says so on stderr for every paths filter.
  "$validator" "$workflow" 2> >(grep -v '^WARNING: Glob validation is not yet supported' >&2) || status=1
done

# The examples are for users, who pin this action as they choose: only ours are held to the rules.
shopt -s nullglob
ours=(.github/workflows/*.yml .github/workflows/*.yaml)
node_modules/.bin/tsx scripts/workflows/check.ts "${ours[@]}" || status=1
exit "$status"
