#!/usr/bin/env bash
# Install the system packages spec-ledger's tests need (idempotent; quiet when all present).
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
command -v prlimit >/dev/null 2>&1 || need+=(util-linux)
# PostgreSQL server + client for the team-ledger integration tests (scripts/postgres-test.sh)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
# headless browser for the HTML report / diff page tests
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "installing system packages: ${need[*]}" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
