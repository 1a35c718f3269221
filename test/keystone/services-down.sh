#!/usr/bin/env bash
# Stops what services-up.sh started, by pid file: each pid is a process group (a service and the
# workers it forked). TERM to all, up to 15 s, then KILL what is left. Then removes the catalog
# registrations when the Keystones still answer. down.sh calls this first.
# Usage: test/keystone/services-down.sh [BASE_DIR]   (default /tmp/k2k-keystone)
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${1:-/tmp/k2k-keystone}
S=$BASE/services
[ -d "$S" ] || exit 0

. "$HERE/services-lib.sh"   # stop_groups

# The OpenStack services first (Cinder's leave cleanly while RabbitMQ is still there), then RabbitMQ,
# then epmd when services-up.sh started it.
stop_groups "$S"/cinder-{idp,sp}/cinder-{api,scheduler,volume}.pid "$S"/glance-{idp,sp}/glance-api.pid
stop_groups "$S/rabbit/server.pid"
stop_groups "$S/rabbit/epmd.pid"

if [ -f "$S/registered" ] && [ -f "$BASE/env" ]; then
  ( set -a; . "$BASE/env"; set +a
    export VOLUME_SERVICE_TYPE=k2k-real-volume IMAGE_SERVICE_TYPE=k2k-real-image
    curl -sf -m 5 -o /dev/null "$IDP_AUTH_URL" && curl -sf -m 5 -o /dev/null "$SP_AUTH_URL" \
      && timeout 60 /usr/bin/python3 "$HERE/services.py" unregister volume image ) >/dev/null 2>&1
  rm -f "$S/registered"
fi
rm -f "$S/env"
exit 0
