#!/usr/bin/env bash
# Runs Tempest's volume and image API tests (tempest.api.volume, tempest.api.image,
# cinder_tempest_plugin.api) against the real Keystone pair's real Cinder and Glance, one target:
#   direct          the IdP cloud's real Cinder and Glance, as its catalog lists them
#                   (k2k-real-volume, k2k-real-image); DIRECT_CLOUD=sp: the SP cloud's, users made
#                   at the SP's Keystone
#   gateway-local   the k2k gateway (the k2k-gateway command, two workers, memcached; learned locations,
#                   search and merged lists on) in front of the IdP's real Cinder and Glance,
#                   registered in the IdP's catalog under types of its own (k2k-gateway-volume,
#                   k2k-gateway-image) for the run
#   gateway-sp1     the same gateway's virtual region sp1 (`virtual_regions`, registered in the
#                   IdP's catalog by `k2k-gateway catalog register`, removed by `catalog remove`):
#                   the SP's real Cinder and Glance, as IdP users; each user's IdP project has a
#                   namesake at the SP, where the region scopes it; the admin accounts are admins
#                   there through the SP's mapping (IdP admins also land in federated_admins)
# Needs test/keystone/up.sh and services-up.sh (the pair and its services running), install.sh,
# and a built tree (npx tsc -b). Creates the run's users and projects (4 members, 2 admins) and
# removes them afterwards with whatever Tempest left in their projects, and the gateway's catalog
# entries, however the run ends.
# Usage: test/keystone/tempest/run.sh TARGET [REGEX]
#   REGEX  default: all three suites; e.g. 'tempest.api.volume.test_volumes_get' to try one file
# Environment: TEMPEST_CONCURRENCY (2), TEMPEST_VOLUME_MIN_MICROVERSION (3.0),
# TEMPEST_VOLUME_MAX_MICROVERSION (the server's), K2K_KEYSTONE_ENV (/tmp/k2k-keystone/env).
# Writes its workspace to $TEMPEST_DIR (default /tmp/k2k-tempest/NAME), the summary to
# results/NAME.txt and one line per test to results/NAME.tsv (in $RESULTS_DIR, else beside this
# script, or with REGEX in the workspace); NAME is
# $RESULTS_NAME, default TARGET (e.g. RESULTS_NAME=direct-sp DIRECT_CLOUD=sp).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
TARGET=${1:?usage: run.sh direct|gateway-local|gateway-sp1 [REGEX]}
REGEX=${2:-'^(tempest\.api\.(volume|image)|cinder_tempest_plugin\.api)\.'}
KEYSTONE_ENV=${K2K_KEYSTONE_ENV:-/tmp/k2k-keystone/env}
SERVICES_ENV=$(dirname "$KEYSTONE_ENV")/services/env
CONCURRENCY=${TEMPEST_CONCURRENCY:-2}
PY=/usr/bin/python3
set -a; . "$KEYSTONE_ENV"; . "$SERVICES_ENV"; set +a
export GATEWAY_VOLUME_TYPE=k2k-gateway-volume GATEWAY_IMAGE_TYPE=k2k-gateway-image REGION=${REGION:-RegionOne}
IDENTITY_REGION=$REGION   # REGION becomes sp1 for the virtual region's services
MIN_MICROVERSION=${TEMPEST_VOLUME_MIN_MICROVERSION:-3.0}

case "$TARGET" in
  direct)
    if [ "${DIRECT_CLOUD:-idp}" = sp ]; then
      AUTH_URL=$SP_AUTH_URL; VOLUME_URL=$SP_REAL_VOLUME_ENDPOINT; IMAGE_URL=$SP_REAL_IMAGE_ENDPOINT
    else
      AUTH_URL=$IDP_AUTH_URL; VOLUME_URL=$IDP_REAL_VOLUME_ENDPOINT; IMAGE_URL=$IDP_REAL_IMAGE_ENDPOINT
    fi
    VOLUME_TYPE=$REAL_VOLUME_SERVICE_TYPE; IMAGE_TYPE=$REAL_IMAGE_SERVICE_TYPE ;;
  gateway-local)
    AUTH_URL=$IDP_AUTH_URL; VOLUME_URL=$IDP_REAL_VOLUME_ENDPOINT; IMAGE_URL=$IDP_REAL_IMAGE_ENDPOINT
    VOLUME_TYPE=$GATEWAY_VOLUME_TYPE; IMAGE_TYPE=$GATEWAY_IMAGE_TYPE ;;
  gateway-sp1)
    AUTH_URL=$IDP_AUTH_URL; VOLUME_URL=$IDP_REAL_VOLUME_ENDPOINT; IMAGE_URL=$IDP_REAL_IMAGE_ENDPOINT
    VOLUME_TYPE=$REAL_VOLUME_SERVICE_TYPE; IMAGE_TYPE=$REAL_IMAGE_SERVICE_TYPE ;;
  *) echo "unknown target $TARGET (direct, gateway-local, gateway-sp1)" >&2; exit 2 ;;
esac
export AUTH_URL VOLUME_URL IMAGE_URL
# setup.py at the SP's Keystone and services (gateway-sp1: what the virtual region reaches)
at_sp() { AUTH_URL=$SP_AUTH_URL VOLUME_URL=$SP_REAL_VOLUME_ENDPOINT IMAGE_URL=$SP_REAL_IMAGE_ENDPOINT "$@"; }

command -v tempest >/dev/null && $PY -c 'import cinder_tempest_plugin' 2>/dev/null \
  || { echo "Tempest is not installed: run $HERE/install.sh first" >&2; exit 1; }

NAME=${RESULTS_NAME:-$TARGET}
W=${TEMPEST_DIR:-/tmp/k2k-tempest/$NAME}
RUN=$(echo "$NAME" | tr -cd 'a-z')-$(date +%s)
rm -rf "$W"; mkdir -p "$W"
GATEWAY_PID=; MEMCACHED_PID=
cleanup() {
  set +e
  if [ -n "$GATEWAY_PID" ]; then kill -TERM -- "-$GATEWAY_PID" 2>/dev/null; wait "$GATEWAY_PID" 2>/dev/null; fi
  [ -n "$MEMCACHED_PID" ] && kill "$MEMCACHED_PID" 2>/dev/null
  [ "$TARGET" = gateway-local ] && $PY "$HERE/setup.py" unregister-gateway
  [ "$TARGET" = gateway-sp1 ] && [ -f "$W/gateway.json" ] && node "$GATEWAY_BIN" catalog remove --config "$W/gateway.json" >&2
  # at the SP: what the virtual region made there; for any gateway, the shadow users K2K made there
  [ "$TARGET" != direct ] && at_sp $PY "$HERE/setup.py" remove "$RUN"
  $PY "$HERE/setup.py" remove "$RUN"
}
trap cleanup EXIT

# the k2k-gateway command (packages/gateway since the packages were restructured; samples/gateway before)
GATEWAY_BIN=
for bin in packages/gateway/bin/k2k-gateway.cjs samples/gateway/bin/k2k-gateway.cjs; do
  if [ -f "$ROOT/$bin" ]; then GATEWAY_BIN=$ROOT/$bin; break; fi
done
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

VOLUME_ROOT=$(echo "$VOLUME_URL" | sed -E 's#^(https?://[^/]+).*#\1/#')
if [ "$TARGET" != direct ]; then
  [ -n "$GATEWAY_BIN" ] || { echo "no k2k-gateway command under $ROOT/packages/gateway or samples/gateway" >&2; exit 1; }
  MEMCACHED_PORT=$(free_port)
  memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64 -u nobody & MEMCACHED_PID=$!
  GATEWAY_PORT=$(free_port)
  GATEWAY=http://127.0.0.1:$GATEWAY_PORT
  ADMIN_AUTH=; VIRTUAL_REGIONS=
  if [ "$TARGET" = gateway-sp1 ]; then
    # what `k2k-gateway catalog register` logs in as (the IdP's admin), and the region
    ADMIN_AUTH=", \"admin_auth\": {\"username\": \"$ADMIN_USER\", \"password\": \"$ADMIN_PASSWORD\", \"project_name\": \"admin\"}"
    VIRTUAL_REGIONS="\"virtual_regions\": [{\"sp\": \"$SP_ID\"}],"
  fi
  # The gateway as stock-clients.test.ts starts it: the real services' catalog types are not
  # OpenStack's own, so service_apis says which API each speaks (Cinder's, Glance's).
  # local.endpoints keeps the services' real URLs: the catalog entries below are for clients, the
  # gateway never reads them.
  cat > "$W/gateway.json" <<EOF
{
  "listen": {"host": "127.0.0.1", "port": $GATEWAY_PORT},
  "workers": 2,
  "drain": {"grace_seconds": 0, "timeout_seconds": 5},
  "local": {"endpoints": {"$REAL_VOLUME_SERVICE_TYPE": "$IDP_REAL_VOLUME_ENDPOINT", "$REAL_IMAGE_SERVICE_TYPE": "$IDP_REAL_IMAGE_ENDPOINT"}},
  "mounts": {"/volume": "$REAL_VOLUME_SERVICE_TYPE", "/image": "$REAL_IMAGE_SERVICE_TYPE"},
  "public_url": "$GATEWAY",
  "keystone": {"auth_url": "$IDP_AUTH_URL", "service_auth": {"username": "$SERVICE_USER", "password": "$SERVICE_PASSWORD", "project_name": "$SERVICE_PROJECT"}$ADMIN_AUTH},
  $VIRTUAL_REGIONS
  "store": {"backend": "memcached", "servers": ["127.0.0.1:$MEMCACHED_PORT"], "secret_key": "tempest-harness-store-secret"},
  "service_apis": {"$REAL_VOLUME_SERVICE_TYPE": "block-storage", "$REAL_IMAGE_SERVICE_TYPE": "image"},
  "routing": {"learn": true, "search_by_broadcast": true, "aggregation": true}
}
EOF
  setsid node "$GATEWAY_BIN" --config "$W/gateway.json" > "$W/gateway.log" 2> "$W/gateway.err" &
  GATEWAY_PID=$!
  for i in $(seq 1 120); do
    curl -s -o /dev/null "$GATEWAY/volume/" && break
    kill -0 "$GATEWAY_PID" 2>/dev/null || { cat "$W/gateway.err" >&2; exit 1; }
    [ "$i" -lt 120 ] || { echo "the gateway did not answer within 60 s" >&2; exit 1; }
    sleep 0.5
  done
  if [ "$TARGET" = gateway-local ]; then
    $PY "$HERE/setup.py" register-gateway "$GATEWAY"
    VOLUME_ROOT=$GATEWAY/volume/
  else
    node "$GATEWAY_BIN" catalog register --config "$W/gateway.json" >&2
    VOLUME_ROOT=$GATEWAY/$SP_ID/volume/
    REGION=$SP_ID
  fi
fi

MAX_MICROVERSION=${TEMPEST_VOLUME_MAX_MICROVERSION:-$($PY "$HERE/setup.py" max-microversion "$VOLUME_ROOT")}
if [ "$TARGET" = gateway-sp1 ]; then
  $PY "$HERE/setup.py" accounts "$RUN" "$W/accounts.yaml"
  at_sp $PY "$HERE/setup.py" mirror "$RUN"
  IMAGE_REF=$(at_sp $PY "$HERE/setup.py" image "$RUN")
else
  $PY "$HERE/setup.py" accounts "$RUN" "$W/accounts.yaml"
  IMAGE_REF=$($PY "$HERE/setup.py" image "$RUN")
fi

# in $W: tempest init logs to tempest.log in the current directory
(cd "$W" && tempest init --workspace-path "$W/workspace.yaml" "$W/ws" >/dev/null)
cat > "$W/ws/etc/tempest.conf" <<EOF
[DEFAULT]
log_dir = $W/ws/logs
log_file = tempest.log

[auth]
use_dynamic_credentials = false
test_accounts_file = $W/accounts.yaml
default_credentials_domain_name = Default
create_isolated_networks = false

[identity]
uri_v3 = $AUTH_URL
auth_version = v3
region = $IDENTITY_REGION
v3_endpoint_type = public

[identity-feature-enabled]
api_v2 = false

[service_available]
cinder = true
glance = true
nova = false
neutron = false
swift = false
heat = false
horizon = false

[compute]
# no Nova: the image volumes are made from (devstack's cirros)
image_ref = $IMAGE_REF
image_ref_alt = $IMAGE_REF

[volume]
catalog_type = $VOLUME_TYPE
region = $REGION
endpoint_type = publicURL
# devstack's defaults: the lowest microversion 3.0, the highest the server's
min_microversion = $MIN_MICROVERSION
max_microversion = $MAX_MICROVERSION
backend_names = noop
vendor_name = k2k test harness
storage_protocol = iSCSI
build_timeout = 120

[volume-feature-enabled]
backup = false
api_v2 = false
api_v3 = true
manage_volume = false
manage_snapshot = false
extend_attached_volume = false
volume_revert = false

[image]
catalog_type = $IMAGE_TYPE
region = $REGION
endpoint_type = publicURL
build_timeout = 120

[image-feature-enabled]
api_v1 = false
api_v2 = true
import_image = false
EOF

echo "tempest: $TARGET, volume microversions $MIN_MICROVERSION-$MAX_MICROVERSION, concurrency $CONCURRENCY, workspace $W/ws" >&2
t0=$(date +%s)
set +e
(cd "$W/ws" && tempest run --config-file "$W/ws/etc/tempest.conf" --concurrency "$CONCURRENCY" --regex "$REGEX" > "$W/tempest-run.out" 2>&1)
rc=$?
set -e
t1=$(date +%s)
(cd "$W/ws" && stestr last --subunit > "$W/results.subunit")
# a whole run's results beside this script; a run of some tests only, in its workspace
OUT=${RESULTS_DIR:-$HERE/results}; [ -n "${2:-}" ] && [ -z "${RESULTS_DIR:-}" ] && OUT=$W
$PY "$HERE/summarize.py" "$W/results.subunit" "$NAME" "$((t1 - t0))" "$OUT"
if [ -n "$GATEWAY_PID" ]; then
  # what the gateway cost: its processes' CPU (supervisor and workers) against the requests it logged
  ticks=0
  for pid in $(pgrep -g "$GATEWAY_PID"); do ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  requests=$(grep -c '"msg":"request"' "$W/gateway.log" || true)
  awk -v n="$NAME" -v r="$requests" -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    printf "%s: the gateway served %d requests with %.1f s of CPU, %.1f ms each\n", n, r, t / hz, r ? 1000 * t / hz / r : 0 }' \
    | tee "$OUT/$NAME-gateway.txt"
fi
echo "tempest run exited $rc after $((t1 - t0)) s; output in $W/tempest-run.out" >&2
