#!/usr/bin/env bash
# Front-end assets that come from the npm registry (vendored into static folders at build time, never a CDN).
# The message catalogues are compiled by the Makefile (make catalogs) and by setup.py's build step.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
  bash scripts/vendor-assets.sh
else
  echo "npm not found: imported SCORM packages cannot play (no scorm-again runtime), browser accessibility" \
       "checks will be skipped; install npm and run: bash scripts/install-assets.sh" >&2
fi
