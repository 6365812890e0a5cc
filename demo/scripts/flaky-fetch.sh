#!/bin/sh
# Fails twice with a connection reset, then succeeds: a transient failure Rebound retries.
state="${TMPDIR:-/tmp}/rebound-demo-fetch-$(id -u)"
n=$(cat "$state" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$state"
echo "Fetching packages from the registry (attempt $n)…"
if [ $((n % 3)) -ne 0 ]; then
  echo "npm ERR! code ECONNRESET" >&2
  echo "npm ERR! network read ECONNRESET while fetching https://registry.example/left-pad" >&2
  exit 1
fi
echo "added 214 packages in 3s"
