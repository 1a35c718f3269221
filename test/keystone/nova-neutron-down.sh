#!/usr/bin/env bash
# Stops what nova-neutron-up.sh started, by pid file (each a process group), and removes its
# catalog registrations when the Keystones still answer. down.sh calls this first.
# Usage: test/keystone/nova-neutron-down.sh [BASE_DIR]   (default /tmp/k2k-keystone)
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${1:-/tmp/k2k-keystone}
N=$BASE/nova-neutron
[ -d "$N" ] || exit 0
. "$HERE/services-lib.sh"   # stop_groups

# The API services first, then the RPC ones (while RabbitMQ, PostgreSQL and Keystone are still there).
stop_groups "$N"/nova-{idp,sp}/nova-api.pid "$N"/neutron-{idp,sp}/neutron-server.pid "$N"/placement-{idp,sp}/placement.pid
stop_groups "$N"/nova-{idp,sp}/nova-{compute,conductor,scheduler}.pid

# The catalog registrations and Nova's service user, when the Keystones still answer.
if [ -f "$BASE/env" ]; then
  ( set -a; . "$BASE/env"; set +a
    export COMPUTE_SERVICE_TYPE=compute NETWORK_SERVICE_TYPE=network SERVICE_USER_NAME=k2k-nova-service
    curl -sf -m 5 -o /dev/null "$IDP_AUTH_URL" && curl -sf -m 5 -o /dev/null "$SP_AUTH_URL" || exit 0
    [ -f "$N/registered" ] && timeout 60 /usr/bin/python3 "$HERE/services.py" unregister compute network
    [ -f "$N/service-user" ] && timeout 60 /usr/bin/python3 "$HERE/services.py" remove-service-user ) >/dev/null 2>&1
fi
rm -f "$N/registered" "$N/service-user"
rm -f "$N/env"
exit 0
