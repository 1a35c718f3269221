#!/usr/bin/env bash
# The real-Keystone suite: brings up the real IdP + SP pair (up.sh; installs Debian's keystone and
# friends on a fresh machine), real Glance + Cinder at both clouds (services-up.sh; installs them
# too), real Nova + Neutron at both clouds (nova-neutron-up.sh; installs them too) and real Horizon
# at the IdP (horizon-up.sh; installs it and Chromium), runs the Keystone contract, the
# keystone-auth and k2k-forward flows, the stock-CLI tests and the Horizon browser test against them,
# then Tempest's volume and image API tests through the gateway (tempest/suite.sh), and stops
# everything again (down.sh, on failure too). Last line: "N passed, N failed".
#   npm run test:keystone            (builds first)
#   K2K_KEYSTONE_ENV=/tmp/k2k-keystone/env bash test/keystone/run.sh   (a pair already up, and
#                                    services-up.sh, nova-neutron-up.sh and horizon-up.sh run on it:
#                                    no setup, no teardown)
set -uo pipefail
cd "$(dirname "$0")/../.."
BASE=/tmp/k2k-keystone
if [ -z "${K2K_KEYSTONE_ENV:-}" ]; then
  # Stops whatever was started (by pid file), however the run ends.
  trap 'test/keystone/down.sh "$BASE" >/dev/null 2>&1' EXIT
  # set_up WHAT SCRIPT [LOGS]: runs test/keystone/SCRIPT on BASE and prints its time; ends the run,
  # counted as one failure, when it fails.
  set_up() {
    local started=$(date +%s)
    if ! "test/keystone/$2" "$BASE"; then
      echo "real $1 setup failed${3:+ (logs in $BASE/$3)}"
      echo "0 passed, 1 failed"
      exit 1
    fi
    echo "real $1 setup took $(( $(date +%s) - started )) s"
  }
  set_up Keystone up.sh
  set_up 'Glance and Cinder' services-up.sh services
  set_up 'Nova and Neutron' nova-neutron-up.sh nova-neutron
  set_up Horizon horizon-up.sh horizon
  export K2K_KEYSTONE_ENV=$BASE/env
fi
# The mocha suite, then Tempest (tempest/suite.sh; K2K_TEMPEST=0 leaves it out): the totals of
# both; a part that printed none counts as one failure.
passed=0; failed=0
part() {
  local log totals
  log=$(mktemp)
  "$@" | tee "$log"
  totals=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$totals" ]; then failed=$((failed + 1)); return; fi
  read -r p _ f _ <<< "$totals"
  passed=$((passed + p)); failed=$((failed + f))
}
part npx mocha --config .mocharc.keystone.cjs
if [ "${K2K_TEMPEST:-1}" != 0 ]; then
  echo "=== Tempest through the gateway (test/keystone/tempest/suite.sh)"
  part test/keystone/tempest/suite.sh
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
