#!/usr/bin/env bash
# The test command: sets up a fresh machine (scripts/setup.sh), then runs the fast suite
# (every package's tests and the e2e suite, on a real memcached the tests start themselves).
# Its last line is the totals: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec npx mocha
