#!/usr/bin/env bash
# Sets up a fresh machine for Rebound: the Debian packages the test VS Code (code-server) and the
# browser tests need, then the npm packages (better-sqlite3 compiles from source, about a minute).
# The test VS Code itself is installed on first use into ~/.cache/rebound-test and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
# A real PostgreSQL server for the migration suites (and pg_dump/pg_restore for its snapshots).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing Debian packages: ${need[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
  else
    echo "[setup] please install: ${need[*]} (no apt-get on this machine)" >&2
    exit 1
  fi
fi

if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
   && [ -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
  echo "[setup] npm packages are up to date"
else
  echo "[setup] installing npm packages (node $(node --version), npm $(npm --version))"
  npm ci --no-audit --no-fund
fi
