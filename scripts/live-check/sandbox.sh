#!/usr/bin/env bash
# The live check's first job: is a Marketo sandbox configured? All of its secrets and variables
# set: configured=true. None: one notice that the check is skipped, configured=false, and the
# run stays green. Some but not all: an error naming the missing ones, since that is a mistake.
set -euo pipefail
names=(MARKETO_MUNCHKIN_ID MARKETO_CLIENT_ID MARKETO_CLIENT_SECRET MARKETO_PROGRAM_ID MARKETO_PROGRAM_STATUS)
missing=()
for name in "${names[@]}"; do
  [ -n "${!name:-}" ] || missing+=("$name")
done
if [ "${#missing[@]}" -eq "${#names[@]}" ]; then
  echo "::notice title=Live check skipped::No Marketo sandbox is configured (secrets" \
    "MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET, variables MARKETO_MUNCHKIN_ID," \
    "MARKETO_PROGRAM_ID and MARKETO_PROGRAM_STATUS); CONTRIBUTING.md says how to set one up"
  echo "configured=false" >>"$GITHUB_OUTPUT"
elif [ "${#missing[@]}" -gt 0 ]; then
  echo "::error title=Live check::The Marketo sandbox is half configured: ${missing[*]} not set"
  exit 1
else
  echo "Marketo sandbox configured: instance ${MARKETO_MUNCHKIN_ID}, program ${MARKETO_PROGRAM_ID}"
  echo "configured=true" >>"$GITHUB_OUTPUT"
fi
