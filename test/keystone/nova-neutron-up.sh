#!/usr/bin/env bash
# Brings up REAL Nova and Neutron from Debian 12's packages at both clouds of the Keystone pair,
# next to the real Glance and Cinder services-up.sh started, on loopback, for the compute and
# network stock-client tests (compute-network.test.ts). Per cloud:
#   Placement  placement-api under uwsgi (one process, 4 threads)            IdP :18778, SP :28778
#   Nova       nova-api (eventlet, 1 worker), nova-conductor, nova-scheduler,
#              nova-compute with the fake virt driver (8 vCPU / 8000 MB, instances in memory)  :18774, :28774 (/v2.1)
#   Neutron    neutron-server, ML2 (vxlan tenant networks), no agent, no service plugin,
#              k2k_bind_all_ml2.py binding every port                                  :19696, :29696
# Nova's RPC and Neutron's run on services-up.sh's RabbitMQ, in that cloud's vhost (Cinder's: the
# exchanges and topics are the services' own). Nova reaches its cloud's real Glance, Cinder,
# Placement and Neutron by endpoint override: the catalogs' volumev3 and image are the fakes.
# Databases: the Keystones' PostgreSQL cluster, role k2k_services, k2k_{nova_api,nova,nova_cell0,
# placement,neutron}_{idp,sp}, recreated on every run. Catalog: Nova and Neutron under their
# official types, compute and network (no fake service has them, and the engine's Nova and Neutron
# semantics go by them), public and internal, in both clouds; a public flavor k2k.tiny in each Nova.
#
# Usage: test/keystone/nova-neutron-up.sh [BASE_DIR]   (the pair's, default /tmp/k2k-keystone; as root)
# Needs BASE_DIR/env (up.sh) and BASE_DIR/services/env (services-up.sh); writes BASE_DIR/nova-neutron/env.
# nova-neutron-down.sh (and down.sh) stop everything it started.
# Ports: IDP_/SP_NOVA_PORT, IDP_/SP_PLACEMENT_PORT, IDP_/SP_NEUTRON_PORT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${1:-/tmp/k2k-keystone}
N=$BASE/nova-neutron
IDP_NOVA_PORT=${IDP_NOVA_PORT:-18774}; IDP_PLACEMENT_PORT=${IDP_PLACEMENT_PORT:-18778}; IDP_NEUTRON_PORT=${IDP_NEUTRON_PORT:-19696}
SP_NOVA_PORT=${SP_NOVA_PORT:-28774};   SP_PLACEMENT_PORT=${SP_PLACEMENT_PORT:-28778};   SP_NEUTRON_PORT=${SP_NEUTRON_PORT:-29696}
COMPUTE_SERVICE_TYPE=compute; NETWORK_SERVICE_TYPE=network; FLAVOR=k2k.tiny
SERVICE_USER_NAME=k2k-nova-service; SERVICE_USER_PASSWORD=k2knovaservicepw
PY=/usr/bin/python3
PACKAGES="nova-api nova-conductor nova-scheduler nova-compute nova-compute-ironic placement-api neutron-server"
[ -f "$BASE/env" ] || { echo "no $BASE/env: bring the Keystone pair up first (test/keystone/up.sh)" >&2; exit 1; }
[ -f "$BASE/services/env" ] || { echo "no $BASE/services/env: bring Glance and Cinder up first (test/keystone/services-up.sh)" >&2; exit 1; }
set -a; . "$BASE/env"; . "$BASE/services/env"; set +a
RABBIT_PORT=${RABBIT_PORT:-25772}   # services/env names it (services-up.sh); older ones did not
. "$HERE/services-lib.sh"   # install_packages, refuse_busy_ports, start, wait_http, rss_mib, authtoken
t0=$(date +%s)
ts() { echo "[$(( $(date +%s) - t0 )) s] $*"; }

# 1. Packages. nova-compute needs a hypervisor package: nova-compute-ironic is the lightest (no
# libvirt, no qemu) and is unused, the services get compute_driver = fake.FakeDriver.
missing=
for cmd in nova-api nova-conductor nova-scheduler nova-compute nova-manage placement-manage neutron-server neutron-db-manage; do
  command -v $cmd >/dev/null || missing=1
done
[ -z "$missing" ] || install_packages $PACKAGES
t1=$(date +%s)
ts "packages"

"$HERE/nova-neutron-down.sh" "$BASE" >/dev/null 2>&1 || true
refuse_busy_ports $IDP_NOVA_PORT $IDP_PLACEMENT_PORT $IDP_NEUTRON_PORT $SP_NOVA_PORT $SP_PLACEMENT_PORT $SP_NEUTRON_PORT
rm -rf "$N"; mkdir -p "$N/python/k2k_bind_all_ml2-0.1.dist-info"
# From here on, a failure stops whatever was started (the logs stay in $N).
trap 'rc=$?; [ $rc = 0 ] || { echo "nova-neutron-up.sh failed: logs in $N" >&2; "$HERE/nova-neutron-down.sh" "$BASE" >/dev/null 2>&1; }' EXIT
# ML2 finds mechanism drivers by entry point only: a dist-info on PYTHONPATH declares ours.
cp "$HERE/k2k_bind_all_ml2.py" "$N/python/"
printf 'Metadata-Version: 2.1\nName: k2k-bind-all-ml2\nVersion: 0.1\n' > "$N/python/k2k_bind_all_ml2-0.1.dist-info/METADATA"
printf '[neutron.ml2.mechanism_drivers]\nbindall = k2k_bind_all_ml2:BindAllDriver\n' > "$N/python/k2k_bind_all_ml2-0.1.dist-info/entry_points.txt"

# 2. PostgreSQL (up.sh started the cluster): our databases, fresh.
su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname='k2k_services'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE USER k2k_services PASSWORD 'k2kservicespw'\"" >/dev/null
for side in idp sp; do
  for db in nova_api nova nova_cell0 placement neutron; do
    su postgres -c "dropdb --if-exists k2k_${db}_$side >/dev/null 2>&1; createdb -O k2k_services k2k_${db}_$side"
  done
done
DB=postgresql://k2k_services:k2kservicespw@127.0.0.1

# Nova's service user, in both clouds (see [service_user] below).
export SERVICE_USER_NAME SERVICE_USER_PASSWORD
echo made > $N/service-user   # nova-neutron-down.sh removes the user when this is here
$PY "$HERE/services.py" service-user

# ksa SECTION KEYSTONE_V3_URL ENDPOINT: a keystoneauth client section of nova.conf (Nova's calls to
# Placement and Neutron as the cloud's admin), its endpoint given rather than looked up.
ksa() {
  cat <<EOC
[$1]
auth_type = password
auth_url = $2
username = $ADMIN_USER
password = $ADMIN_PASSWORD
user_domain_name = Default
project_name = admin
project_domain_name = Default
valid_interfaces = public
endpoint_override = $3
EOC
}

# 3. Configuration, and every schema at once: per cloud Placement's, Neutron's (about 20 s of
# alembic) and Nova's chain (api_db, cell0, main db, cell1 mapped to the cloud's vhost).
syncs=()
for side in idp sp; do
  if [ $side = idp ]; then ks=$IDP_AUTH_URL; nport=$IDP_NOVA_PORT; pport=$IDP_PLACEMENT_PORT; qport=$IDP_NEUTRON_PORT
    image=$IDP_REAL_IMAGE_ENDPOINT; volume=$IDP_REAL_VOLUME_ENDPOINT
  else ks=$SP_AUTH_URL; nport=$SP_NOVA_PORT; pport=$SP_PLACEMENT_PORT; qport=$SP_NEUTRON_PORT
    image=$SP_REAL_IMAGE_ENDPOINT; volume=$SP_REAL_VOLUME_ENDPOINT; fi
  transport=rabbit://k2k:k2kpw@127.0.0.1:$RABBIT_PORT/$side
  p=$N/placement-$side; mkdir -p $p
  cat > $p/placement.conf <<EOC
[DEFAULT]
log_file = $p/placement.log
[api]
auth_strategy = keystone
[placement_database]
connection = $DB/k2k_placement_$side
$(authtoken "$ks")
EOC
  n=$N/nova-$side; mkdir -p $n/state $n/lock $n/log
  # nova-compute gets the same file without the databases (it reaches them through the conductor,
  # and logs an error with a traceback when it can see them).
  cat > $n/nova-compute.conf <<EOC
[DEFAULT]
host = k2k-$side-compute
my_ip = 127.0.0.1
state_path = $n/state
log_dir = $n/log
transport_url = $transport
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $nport
osapi_compute_workers = 1
# no periodic refresh of instances' network info from Neutron
heal_instance_info_cache_interval = -1
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api]
auth_strategy = keystone
[conductor]
workers = 1
[scheduler]
workers = 1
[oslo_concurrency]
lock_path = $n/lock
[vnc]
enabled = false
[glance]
endpoint_override = $image
valid_interfaces = public
# the catalogs' volumev3 is a fake: the real Cinder by template (the request's project)
[cinder]
endpoint_template = $volume
auth_type = password
auth_url = $ks
username = $ADMIN_USER
password = $ADMIN_PASSWORD
user_domain_name = Default
project_name = admin
project_domain_name = Default
# Nova sends a service token with the user's (its role `service`): Cinder refuses to delete an
# attachment Nova made without one (ConflictNovaUsingAttachment, 409), and a server delete then
# leaves its volumes in-use.
[service_user]
send_service_user_token = true
auth_type = password
auth_url = $ks
username = $SERVICE_USER_NAME
password = $SERVICE_USER_PASSWORD
user_domain_name = Default
project_name = admin
project_domain_name = Default
$(ksa placement "$ks" "http://127.0.0.1:$pport")
$(ksa neutron "$ks" "http://127.0.0.1:$qport")
$(authtoken "$ks")
EOC
  { cat $n/nova-compute.conf; printf '[api_database]\nconnection = %s\n[database]\nconnection = %s\n' "$DB/k2k_nova_api_$side" "$DB/k2k_nova_$side"; } > $n/nova.conf
  q=$N/neutron-$side; mkdir -p $q/state $q/lock
  # api_workers = 0: the API in the parent (an RPC worker is still forked); the port's status and
  # data changes are not sent to Nova (no agent would make them, and no Nova waits for them).
  # service_plugins = router: routers and floating IPs over the API (no L3 agent schedules them).
  cat > $q/neutron.conf <<EOC
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $qport
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
api_paste_config = /etc/neutron/api-paste.ini
api_workers = 0
rpc_workers = 0
rpc_state_report_workers = 0
state_path = $q/state
log_file = $q/neutron-server.log
transport_url = $transport
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
[database]
connection = $DB/k2k_neutron_$side
[oslo_concurrency]
lock_path = $q/lock
$(authtoken "$ks")
EOC
  cat > $q/ml2_conf.ini <<EOC
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = bindall
extension_drivers =
[ml2_type_vxlan]
vni_ranges = 1:1000
[ml2_type_flat]
flat_networks = *
EOC
  placement-manage --config-file $p/placement.conf db sync > $p/db_sync.log 2>&1 & syncs+=($!)
  neutron-db-manage --config-file $q/neutron.conf --config-file $q/ml2_conf.ini upgrade heads > $q/db_sync.log 2>&1 & syncs+=($!)
  ( nm="nova-manage --config-file $n/nova.conf"
    $nm api_db sync && $nm cell_v2 map_cell0 --database_connection $DB/k2k_nova_cell0_$side \
      && $nm db sync && $nm cell_v2 create_cell --name cell1 ) > $n/db_sync.log 2>&1 & syncs+=($!)
done
for pid in "${syncs[@]}"; do
  wait "$pid" || { echo "a database sync failed: see $N/*/db_sync.log" >&2; tail -n 5 $N/*/db_sync.log >&2; exit 1; }
done
t2=$(date +%s)
ts "databases and schemas"

# 4. The services; both catalogs meanwhile; then wait until they answer, until each nova-compute
# is up (and the flavor is there), and map its host into cell1.
for side in idp sp; do
  if [ $side = idp ]; then pport=$IDP_PLACEMENT_PORT; else pport=$SP_PLACEMENT_PORT; fi
  start $N/placement-$side/placement.pid $N/placement-$side/placement.out env OS_PLACEMENT_CONFIG_DIR=$N/placement-$side \
    uwsgi --plugins python3 --http-socket 127.0.0.1:$pport --wsgi-file /usr/bin/placement-api \
    --master --processes 1 --threads 4 --die-on-term --no-orphans --lazy-apps
  for svc in api conductor scheduler; do
    start $N/nova-$side/nova-$svc.pid $N/nova-$side/nova-$svc.out nova-$svc --config-file $N/nova-$side/nova.conf
  done
  start $N/nova-$side/nova-compute.pid $N/nova-$side/nova-compute.out nova-compute --config-file $N/nova-$side/nova-compute.conf
  PYTHONPATH=$N/python start $N/neutron-$side/neutron-server.pid $N/neutron-$side/neutron-server.out \
    neutron-server --config-file $N/neutron-$side/neutron.conf --config-file $N/neutron-$side/ml2_conf.ini
done
export COMPUTE_SERVICE_TYPE NETWORK_SERVICE_TYPE FLAVOR READY_SECONDS=180
export IDP_REAL_COMPUTE_ENDPOINT="http://127.0.0.1:$IDP_NOVA_PORT/v2.1" IDP_REAL_NETWORK_ENDPOINT="http://127.0.0.1:$IDP_NEUTRON_PORT"
export SP_REAL_COMPUTE_ENDPOINT="http://127.0.0.1:$SP_NOVA_PORT/v2.1" SP_REAL_NETWORK_ENDPOINT="http://127.0.0.1:$SP_NEUTRON_PORT"
echo registered > $N/registered   # nova-neutron-down.sh removes the registrations when this is here
$PY "$HERE/services.py" register compute network
for port in $IDP_PLACEMENT_PORT $SP_PLACEMENT_PORT $IDP_NOVA_PORT $SP_NOVA_PORT $IDP_NEUTRON_PORT $SP_NEUTRON_PORT; do
  wait_http "http://127.0.0.1:$port/" 120
done
ts "registered; the APIs answer"
$PY "$HERE/services.py" ready-compute
ts "nova-compute up, flavor $FLAVOR"
# discover_hosts --strict succeeds only when it mapped a host: the compute node row can trail the service.
discovers=()
for side in idp sp; do
  ( for _ in $(seq 1 30); do
      nova-manage --config-file $N/nova-$side/nova.conf cell_v2 discover_hosts --strict --verbose >> $N/nova-$side/discover.log 2>&1 && exit 0
      sleep 1
    done; exit 1 ) & discovers+=($!)
done
for pid in "${discovers[@]}"; do
  wait "$pid" || { echo "nova-manage cell_v2 discover_hosts mapped no host: see $N/nova-*/discover.log" >&2; exit 1; }
done
t3=$(date +%s)

rss=$(rss_mib $N/*/*.pid)
cat > "$N/env" <<EOC
COMPUTE_SERVICE_TYPE='$COMPUTE_SERVICE_TYPE'
NETWORK_SERVICE_TYPE='$NETWORK_SERVICE_TYPE'
FLAVOR='$FLAVOR'
IDP_REAL_COMPUTE_ENDPOINT='$IDP_REAL_COMPUTE_ENDPOINT'
IDP_REAL_NETWORK_ENDPOINT='$IDP_REAL_NETWORK_ENDPOINT'
SP_REAL_COMPUTE_ENDPOINT='$SP_REAL_COMPUTE_ENDPOINT'
SP_REAL_NETWORK_ENDPOINT='$SP_REAL_NETWORK_ENDPOINT'
NOVA_NEUTRON_SECONDS_INSTALL='$((t1 - t0))'
NOVA_NEUTRON_SECONDS_SCHEMAS='$((t2 - t1))'
NOVA_NEUTRON_SECONDS_UP='$((t3 - t1))'
NOVA_NEUTRON_RSS_MIB='$rss'
EOC
echo "real Nova + Neutron up at both clouds (install $((t1 - t0)) s, up $((t3 - t1)) s of which schemas $((t2 - t1)) s, $rss MiB resident); env in $N/env"
