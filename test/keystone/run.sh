#!/usr/bin/env bash
# The real-Keystone suite: brings up the real IdP + SP pair (up.sh; installs Debian's keystone and
# friends on a fresh machine), runs the Keystone contract and the keystone-auth and k2k-forward
# flows against it, and stops it again. Last line: "N passed, N failed".
#   npm run test:keystone            (builds first)
#   K2K_KEYSTONE_ENV=/tmp/k2k-keystone/env bash test/keystone/run.sh   (a pair already up: no setup)
set -uo pipefail
cd "$(dirname "$0")/../.."
BASE=/tmp/k2k-keystone
if [ -z "${K2K_KEYSTONE_ENV:-}" ]; then
  started=$(date +%s)
  if ! test/keystone/up.sh "$BASE"; then
    echo "real Keystone setup failed"
    echo "0 passed, 1 failed"
    exit 1
  fi
  trap 'test/keystone/down.sh "$BASE" >/dev/null 2>&1' EXIT
  echo "real Keystone setup took $(( $(date +%s) - started )) s"
  export K2K_KEYSTONE_ENV=$BASE/env
fi
npx mocha --config .mocharc.keystone.cjs
