#!/usr/bin/env bash
# Stops what up.sh (and services-up.sh, nova-neutron-up.sh, horizon-up.sh) started, by pid file.
# Usage: test/keystone/down.sh [BASE_DIR]
BASE=${1:-/tmp/k2k-keystone}
# Horizon (horizon-up.sh), then the real services, Nova and Neutron (nova-neutron-up.sh) before
# Glance and Cinder (services-up.sh), while RabbitMQ, PostgreSQL and the Keystones are there.
"$(dirname "$0")/horizon-down.sh" "$BASE"
"$(dirname "$0")/nova-neutron-down.sh" "$BASE"
"$(dirname "$0")/services-down.sh" "$BASE"
for name in uwsgi uwsgi-short; do
  [ -f "$BASE/idp/$name.pid" ] && kill -INT "$(cat "$BASE/idp/$name.pid")" 2>/dev/null
done
[ -f "$BASE/sp/httpd.conf" ] && apache2 -f "$BASE/sp/httpd.conf" -k stop 2>/dev/null
[ -f "$BASE/sp/shibd.pid" ] && kill "$(cat "$BASE/sp/shibd.pid")" 2>/dev/null
PG_VERSION=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
[ -n "$PG_VERSION" ] && pg_ctlcluster "$PG_VERSION" main stop 2>/dev/null
# Wait for the ports to be released, so an immediate up.sh can bind them again.
for _ in $(seq 1 40); do
  pgrep -f "$BASE/(idp|sp)/" >/dev/null 2>&1 || break
  sleep 0.25
done
exit 0
