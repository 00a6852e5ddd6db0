#!/usr/bin/env bash
# Builds dist/ from src/ (npm run bundle) and fails when it differs from the commit: the runner
# executes the committed dist/index.js, so what is committed must be what the sources build.
# Used by .ci/run, CI, the release workflow and npm run release.
set -euo pipefail
npm run bundle
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo "::error::dist/ differs from what src/ builds; run 'npm run bundle' and commit dist/"
  git status --porcelain -- dist
  git diff --stat -- dist
  exit 1
fi
echo "dist/ matches src/"
