#!/usr/bin/env bash
# Front-end assets that come from the npm registry (vendored into static folders at build time, never a CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
  [ -x scripts/vendor-assets.sh ] && bash scripts/vendor-assets.sh
else
  echo "npm not found: browser accessibility checks and vendored JS runtimes will be skipped" >&2
fi
# Message catalogs are compiled here so that the tests and the app use the same .mo files.
if [ -d lti_tool/translations ]; then
  .venv/bin/pybabel -q compile -d lti_tool/translations
fi
