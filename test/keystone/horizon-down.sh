#!/usr/bin/env bash
# Stops what horizon-up.sh started: its Apache instance (by its own config and pid file) and its
# memcached (by pid file). down.sh calls this first.
# Usage: test/keystone/horizon-down.sh [BASE_DIR]   (default /tmp/k2k-keystone)
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${1:-/tmp/k2k-keystone}
H=$BASE/horizon
[ -d "$H" ] || exit 0
. "$HERE/services-lib.sh"   # stop_groups
if [ -f "$H/httpd.pid" ]; then
  apache2 -f "$H/httpd.conf" -k stop 2>/dev/null
  for _ in $(seq 1 40); do [ -f "$H/httpd.pid" ] || break; sleep 0.25; done
fi
stop_groups "$H/memcached.pid"
rm -f "$H/env"
exit 0
