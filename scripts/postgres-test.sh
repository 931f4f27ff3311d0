#!/usr/bin/env bash
# Start (or find) a throwaway PostgreSQL cluster on 127.0.0.1 for the integration tests and
# benchmarks, and print its URL. Idempotent: a second call prints the running cluster's URL.
#
#   LEDGER_PG_DIR   cluster directory (default ${TMPDIR:-/tmp}/spec-ledger-pg-<uid>)
#   stop            as the first argument: stop the cluster and remove its directory
#
# Loopback only, trust authentication (no password exists, so none is written anywhere);
# run as the `postgres` user when invoked as root, since the server refuses to run as root.
set -euo pipefail

DIR="${LEDGER_PG_DIR:-${TMPDIR:-/tmp}/spec-ledger-pg-$(id -u)}"
DATA="$DIR/data"

bindir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$found" ] || [ ! -x "$found/initdb" ]; then
    echo "postgres-test.sh: initdb not found; install PostgreSQL (bash scripts/system-deps.sh)" >&2
    exit 3
  fi
  echo "$found"
}

BIN=$(bindir)
if [ "$(id -u)" -eq 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

mkdir -p "$DIR"
[ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
exec 9>"$DIR.lock"
flock 9  # two test sessions starting at once: the second waits, then finds the cluster running

if [ "${1:-}" = "stop" ]; then
  if [ -f "$DATA/PG_VERSION" ]; then as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 9>&- || true; fi
  rm -rf "$DIR"
  exit 0
fi

if [ -f "$DATA/PG_VERSION" ] && [ -f "$DIR/port" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  echo "postgresql://postgres@127.0.0.1:$(cat "$DIR/port")/postgres"
  exit 0
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  rm -rf "$DATA"
  as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start -o \
  "-p $port -c listen_addresses=127.0.0.1 -k $DIR -c max_connections=200 -c shared_buffers=256MB" \
  >/dev/null 9>&-  # the server must not inherit (and hold) the lock
echo "$port" >"$DIR/port"
echo "postgresql://postgres@127.0.0.1:$port/postgres"
