#!/usr/bin/env bash
# Run ADL's LRS conformance suite against the embedded LRS: a fresh database, the tool under gunicorn on
# 127.0.0.1 (2 workers), then `SUITE=master ... 1.0.3` and `SUITE=backcompat ... 2.0.0` (ADL's branch for an LRS
# serving both versions at one endpoint; docs/lrs.md says why master's 2.0 run is not the reference).
#
#   scripts/lrs-conformance.sh [postgresql|sqlite] [SUITE:VERSION ...]
#
# defaults: postgresql, master:1.0.3 backcompat:2.0.0 (e.g. `sqlite master:2.0.0` runs only master's 2.0 tests).
# PostgreSQL: a throw-away database on MIRCO_TEST_POSTGRES_URL's server (default
# postgresql://postgres@127.0.0.1:5432/test). The suite runner is ../shared/lrs-conformance/run.sh
# (LRS_CONFORMANCE_RUN overrides it). Exit status: 0 only when every run passes every test and the tool logged
# no traceback; 2 when the tool or the runner cannot be started.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BACKEND=${1:-postgresql}; [ $# -gt 0 ] && shift
SUITE_RUNS=${*:-master:1.0.3 backcompat:2.0.0}
RUN=${LRS_CONFORMANCE_RUN:-}
for candidate in "$ROOT/../shared/lrs-conformance/run.sh" "$ROOT/../../shared/lrs-conformance/run.sh"; do
  [ -z "$RUN" ] && [ -x "$candidate" ] && RUN=$candidate
done
[ -n "$RUN" ] && [ -x "$RUN" ] || { echo "conformance runner not found (set LRS_CONFORMANCE_RUN)"; exit 2; }
PG=${MIRCO_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}
KEY=conformance SECRET=conformance-secret
WORK=$(mktemp -d -t lrs-conformance-XXXXXX)
DB_NAME="mirco_conformance_$$"
SERVER=""

cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; fi
  if [ "$BACKEND" = postgresql ]; then psql "$PG" -qc "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

case "$BACKEND" in
  postgresql) psql "$PG" -qc "CREATE DATABASE \"$DB_NAME\"" || exit 2; DB_URL="${PG%/*}/$DB_NAME" ;;
  sqlite) DB_URL="sqlite:///$WORK/instance/mirco.sqlite3" ;;
  *) echo "backend is postgresql or sqlite"; exit 2 ;;
esac
PORT=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PYTHONPATH=$ROOT MIRCO_INSTANCE_PATH=$WORK/instance MIRCO_DATABASE_URL=$DB_URL MIRCO_COURSES_DIRS=$WORK \
  MIRCO_BASE_URL=http://127.0.0.1:$PORT MIRCO_LRS_DEFAULT_KEY=$KEY MIRCO_LRS_DEFAULT_SECRET=$SECRET
mkdir -p "$WORK/instance"
.venv/bin/mirco init >"$WORK/init.log" 2>&1 || { cat "$WORK/init.log"; exit 2; }
.venv/bin/gunicorn -w 2 -k gthread --threads 4 -b "127.0.0.1:$PORT" --log-level warning \
  "lti_tool.app:create_app()" 2>"$WORK/gunicorn.log" &
SERVER=$!
for _ in $(seq 60); do
  curl -sf "http://127.0.0.1:$PORT/xapi/about" >/dev/null && break
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/xapi/about" >/dev/null || { echo "the tool did not start"; cat "$WORK/gunicorn.log"; exit 2; }

rc=0
for run in $SUITE_RUNS; do
  echo "== $BACKEND, suite ${run%%:*}"
  SUITE=${run%%:*} "$RUN" "http://127.0.0.1:$PORT/xapi" "$KEY" "$SECRET" "${run#*:}" || rc=1
done
if grep -q "Traceback" "$WORK/gunicorn.log"; then echo "the tool logged errors:"; grep -A3 Traceback "$WORK/gunicorn.log" | head -40; rc=1; fi
exit $rc
