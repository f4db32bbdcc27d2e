#!/usr/bin/env bash
# The whole test suite: every test that touches the database runs on SQLite and on PostgreSQL
# (postgresql://postgres@127.0.0.1:5432/test, or MIRCO_TEST_POSTGRES_URL). Under CI=true a missing
# PostgreSQL or browser fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest "$@"
