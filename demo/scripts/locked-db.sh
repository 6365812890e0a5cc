#!/bin/sh
# The reporting database is busy: classified by the workspace rule as transient (DEMO-DB-LOCKED).
echo "Generating the weekly report…"
echo "Error: SQLITE_BUSY: database is locked" >&2
exit 1
