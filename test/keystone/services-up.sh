#!/usr/bin/env bash
# Brings up REAL OpenStack services from Debian 12's packages next to the Keystone pair up.sh
# started, one set per cloud, on loopback, for the stock-client tests (stock-clients.test.ts):
#   Glance  glance-api (file store, one process)                              IdP :19392, SP :29392
#   Cinder  cinder-api + cinder-scheduler + cinder-volume (k2k_noop_volume_driver.py)  :18876, :28876
#   RabbitMQ for Cinder's RPC: one node, a vhost per cloud                          :25772 (dist :25773)
# The ports are below Linux's ephemeral range (32768-60999): a busy machine's outgoing connections
# take ports from that range, and a service that finds its port so taken cannot bind it.
# keystonemiddleware validates tokens with the matching real Keystone. Databases: the PostgreSQL
# cluster the Keystones use (role k2k_services, one database per service and cloud).
#
# The catalogs already list volumev3 and image at the ports of the FAKE services the other tests
# start (real-services.ts), so the real ones run on ports of their own and are registered in both
# catalogs under service types of their own (k2k-real-volume, k2k-real-image): the existing tests
# keep their services, and a gateway mounts the real ones by those types.
#
# Usage: test/keystone/services-up.sh [BASE_DIR]   (the pair's, default /tmp/k2k-keystone; as root)
# Reads BASE_DIR/env, writes BASE_DIR/services/env; services-down.sh (and down.sh) stop everything.
# Ports: IDP_/SP_REAL_VOLUME_PORT, IDP_/SP_REAL_IMAGE_PORT, RABBIT_PORT, RABBIT_DIST_PORT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${1:-/tmp/k2k-keystone}
S=$BASE/services
IDP_REAL_VOLUME_PORT=${IDP_REAL_VOLUME_PORT:-18876}; IDP_REAL_IMAGE_PORT=${IDP_REAL_IMAGE_PORT:-19392}
SP_REAL_VOLUME_PORT=${SP_REAL_VOLUME_PORT:-28876};   SP_REAL_IMAGE_PORT=${SP_REAL_IMAGE_PORT:-29392}
RABBIT_PORT=${RABBIT_PORT:-25772}; RABBIT_DIST_PORT=${RABBIT_DIST_PORT:-25773}
VOLUME_SERVICE_TYPE=k2k-real-volume; IMAGE_SERVICE_TYPE=k2k-real-image
PY=/usr/bin/python3
PACKAGES="glance-api cinder-api cinder-scheduler cinder-volume rabbitmq-server python3-openstackclient python3-cinderclient python3-glanceclient"
[ -f "$BASE/env" ] || { echo "no $BASE/env: bring the Keystone pair up first (test/keystone/up.sh)" >&2; exit 1; }
set -a; . "$BASE/env"; set +a
. "$HERE/services-lib.sh"   # install_packages, refuse_busy_ports, start, wait_http, rss_mib, authtoken
t0=$(date +%s)

# 1. Packages. --no-install-recommends: the recommends add ~100 packages (matplotlib, gdal...).
missing=
for cmd in glance-api cinder-api cinder-scheduler cinder-volume openstack cinder glance /usr/lib/rabbitmq/bin/rabbitmq-server; do
  command -v $cmd >/dev/null || missing=1
done
[ -z "$missing" ] || install_packages $PACKAGES
t1=$(date +%s)

"$HERE/services-down.sh" "$BASE" >/dev/null 2>&1 || true
refuse_busy_ports $IDP_REAL_VOLUME_PORT $IDP_REAL_IMAGE_PORT $SP_REAL_VOLUME_PORT $SP_REAL_IMAGE_PORT $RABBIT_PORT $RABBIT_DIST_PORT
rm -rf "$S"; mkdir -p "$S/python"
# From here on, a failure stops whatever was started (the logs stay in $S).
trap 'rc=$?; [ $rc = 0 ] || { echo "services-up.sh failed: logs in $S" >&2; "$HERE/services-down.sh" "$BASE" >/dev/null 2>&1; }' EXIT
cp "$HERE/k2k_noop_volume_driver.py" "$S/python/"

# 2. PostgreSQL (up.sh started the cluster): our role and databases, fresh.
su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname='k2k_services'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE USER k2k_services PASSWORD 'k2kservicespw'\"" >/dev/null
for db in k2k_glance_idp k2k_glance_sp k2k_cinder_idp k2k_cinder_sp; do
  su postgres -c "dropdb --if-exists $db >/dev/null 2>&1; createdb -O k2k_services $db"
done

# 3. Configuration, and every database schema at once (each sync is a few seconds of Python).
syncs=()
for side in idp sp; do
  # The SP's Cinder pages lists by 2 (osapi_max_limit; Cinder's default is 1000), so that a stock
  # `cinder list --limit N` follows its next links through the gateway (virtual-regions.test.ts).
  if [ $side = idp ]; then ks=$IDP_AUTH_URL; gport=$IDP_REAL_IMAGE_PORT; vport=$IDP_REAL_VOLUME_PORT; max_limit=1000
  else ks=$SP_AUTH_URL; gport=$SP_REAL_IMAGE_PORT; vport=$SP_REAL_VOLUME_PORT; max_limit=2; fi
  g=$S/glance-$side; mkdir -p $g/images $g/staging $g/tasks $g/lock
  # workers = 0: one process serves (green threads) instead of a parent and forked workers
  cat > $g/glance-api.conf <<EOC
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $gport
workers = 0
log_file = $g/glance-api.log
enabled_backends = fs:file
[database]
connection = postgresql://k2k_services:k2kservicespw@127.0.0.1/k2k_glance_$side
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $g/images
# required with enabled_backends, even when nothing is imported
[os_glance_staging_store]
filesystem_store_datadir = $g/staging
[os_glance_tasks_store]
filesystem_store_datadir = $g/tasks
[oslo_concurrency]
lock_path = $g/lock
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
$(authtoken "$ks")
EOC
  c=$S/cinder-$side; mkdir -p $c/state $c/lock
  # a vhost per cloud: with one, a cloud's API could cast to the other cloud's scheduler
  cat > $c/cinder.conf <<EOC
[DEFAULT]
host = k2k-$side
my_ip = 127.0.0.1
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = $vport
osapi_volume_workers = 1
osapi_max_limit = $max_limit
auth_strategy = keystone
api_paste_config = /etc/cinder/api-paste.ini
state_path = $c/state
log_file = $c/cinder.log
transport_url = rabbit://k2k:k2kpw@127.0.0.1:$RABBIT_PORT/$side
glance_api_servers = http://127.0.0.1:$gport
enabled_backends = noop
[database]
connection = postgresql://k2k_services:k2kservicespw@127.0.0.1/k2k_cinder_$side
[oslo_concurrency]
lock_path = $c/lock
[noop]
volume_driver = k2k_noop_volume_driver.NoopVolumeDriver
volume_backend_name = noop
target_helper = fake
$(authtoken "$ks")
EOC
  # the metadata definitions (Tempest's metadefs tests read them) come with the package, loaded as devstack does
  { glance-manage --config-file $g/glance-api.conf db_sync && glance-manage --config-file $g/glance-api.conf db_load_metadefs; } > $g/db_sync.log 2>&1 & syncs+=($!)
  cinder-manage --config-file $c/cinder.conf db sync > $c/db_sync.log 2>&1 & syncs+=($!)
done

# 4. RabbitMQ meanwhile: a node of its own (name, ports, files, cookie in its HOME), loopback only.
# Its user, vhosts and permissions come from a definitions file it loads as it boots, before it
# takes connections: a Cinder service that met a vhost without its permissions would die.
R=$S/rabbit; mkdir -p $R/mnesia $R/log; echo '[].' > $R/enabled_plugins
hash=$($PY -c 'import base64, hashlib, os; s = os.urandom(4); print(base64.b64encode(s + hashlib.sha256(s + b"k2kpw").digest()).decode())')
cat > $R/definitions.json <<EOC
{"users": [{"name": "k2k", "password_hash": "$hash", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""}],
 "vhosts": [{"name": "idp"}, {"name": "sp"}],
 "permissions": [{"user": "k2k", "vhost": "idp", "configure": ".*", "write": ".*", "read": ".*"},
                 {"user": "k2k", "vhost": "sp", "configure": ".*", "write": ".*", "read": ".*"}]}
EOC
cat > $R/rabbitmq.conf <<EOC
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
definitions.import_backend = local_filesystem
definitions.local.path = $R/definitions.json
EOC
cat > $R/env.sh <<EOC
export HOME=$R RABBITMQ_NODENAME=k2k@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$RABBIT_PORT
export RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT RABBITMQ_MNESIA_BASE=$R/mnesia RABBITMQ_LOG_BASE=$R/log RABBITMQ_LOGS=$R/log/rabbit.log
export RABBITMQ_CONFIG_FILE=$R/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$R/enabled_plugins RABBITMQ_PID_FILE=$R/rabbit.pid
export ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOC
(
  . $R/env.sh
  # epmd (Erlang's port mapper, 4369): ours unless one already runs, which is shared and not ours to stop
  if ! ss -Hltn 'sport = :4369' | grep -q .; then start $R/epmd.pid $R/epmd.log epmd -address 127.0.0.1; sleep 0.3; fi
  start $R/server.pid $R/server.log /usr/lib/rabbitmq/bin/rabbitmq-server
)

for pid in "${syncs[@]}"; do
  wait "$pid" || { echo "a database sync failed: see $S/*/db_sync.log" >&2; tail -n 5 $S/*/db_sync.log >&2; exit 1; }
done

# 5. Glance at once; Cinder once RabbitMQ takes connections (by then, it usually does).
for side in idp sp; do
  start $S/glance-$side/glance-api.pid $S/glance-$side/glance-api.out glance-api --config-file $S/glance-$side/glance-api.conf
done
for _ in $(seq 1 120); do ss -Hltn "sport = :$RABBIT_PORT" | grep -q . && break; sleep 0.5; done
ss -Hltn "sport = :$RABBIT_PORT" | grep -q . || { echo "RabbitMQ did not listen within 60 s: see $R/server.log" >&2; exit 1; }
for side in idp sp; do
  for svc in api scheduler volume; do
    PYTHONPATH=$S/python start $S/cinder-$side/cinder-$svc.pid $S/cinder-$side/cinder-$svc.out cinder-$svc --config-file $S/cinder-$side/cinder.conf
  done
done

# 6. Both catalogs, while the services start; then wait until they answer, and until each Cinder
# can place a volume.
export VOLUME_SERVICE_TYPE IMAGE_SERVICE_TYPE READY_SECONDS=180
export IDP_REAL_VOLUME_ENDPOINT="http://127.0.0.1:$IDP_REAL_VOLUME_PORT/v3/%(project_id)s" IDP_REAL_IMAGE_ENDPOINT="http://127.0.0.1:$IDP_REAL_IMAGE_PORT"
export SP_REAL_VOLUME_ENDPOINT="http://127.0.0.1:$SP_REAL_VOLUME_PORT/v3/%(project_id)s" SP_REAL_IMAGE_ENDPOINT="http://127.0.0.1:$SP_REAL_IMAGE_PORT"
echo registered > $S/registered   # services-down.sh removes the registrations when this is here
$PY "$HERE/services.py" register volume image
for port in $IDP_REAL_IMAGE_PORT $SP_REAL_IMAGE_PORT $IDP_REAL_VOLUME_PORT $SP_REAL_VOLUME_PORT; do
  wait_http "http://127.0.0.1:$port/" 120
done
$PY "$HERE/services.py" ready
t2=$(date +%s)

# Resident memory of everything started here (each pid file holds a process group; RabbitMQ's own
# pid file is a process already in server.pid's group).
rss=$(rss_mib $(ls $S/*/*.pid | grep -v '/rabbit\.pid$'))

cat > "$S/env" <<EOC
REAL_VOLUME_SERVICE_TYPE='$VOLUME_SERVICE_TYPE'
REAL_IMAGE_SERVICE_TYPE='$IMAGE_SERVICE_TYPE'
IDP_REAL_VOLUME_ENDPOINT='$IDP_REAL_VOLUME_ENDPOINT'
IDP_REAL_IMAGE_ENDPOINT='$IDP_REAL_IMAGE_ENDPOINT'
SP_REAL_VOLUME_ENDPOINT='$SP_REAL_VOLUME_ENDPOINT'
SP_REAL_IMAGE_ENDPOINT='$SP_REAL_IMAGE_ENDPOINT'
SERVICES_SECONDS_INSTALL='$((t1 - t0))'
SERVICES_SECONDS_UP='$((t2 - t1))'
SERVICES_RSS_MIB='$rss'
RABBIT_PORT='$RABBIT_PORT'
EOC
echo "real Glance + Cinder up at both clouds (install $((t1 - t0)) s, up $((t2 - t1)) s, $rss MiB resident); env in $S/env"
