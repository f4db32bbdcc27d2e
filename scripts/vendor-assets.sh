#!/usr/bin/env bash
# Copy browser runtimes from node_modules (installed by `npm ci`) into static folders, at build time only.
# The vendored copies are not committed (see .gitignore); nothing is fetched when the tool or the tests run.
set -euo pipefail
cd "$(dirname "$0")/.."

vendor() {  # vendor PACKAGE DEST FILE...
  local package=$1 dest=$2; shift 2
  mkdir -p "$dest"
  for file in "$@"; do cp "node_modules/$package/$file" "$dest/"; done
  cp "node_modules/$package/package.json" "$dest/package.json"
}

# SCORM 1.2 / 2004 runtime (LMS side): the LTI player of imported packages and the browser tests of exports.
vendor scorm-again lti_tool/static/vendor/scorm-again dist/scorm12.min.js dist/scorm2004.min.js \
  dist/cross-frame-api.min.js dist/cross-frame-lms.min.js
