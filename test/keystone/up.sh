#!/usr/bin/env bash
# Brings up two real Keystones (Debian's keystone package) federated with K2K, on loopback, for
# k2k's real-Keystone suite:
#   IdP  uwsgi, signs SAML2 assertions with xmlsec1           http://127.0.0.1:$IDP_PORT/v3
#   SP   Apache + mod_wsgi + Shibboleth (mod_shib, shibd)     http://127.0.0.1:$SP_PORT/v3
#   a second IdP process on the same database and keys, issuing short-lived tokens (expired-token tests)
# Both on PostgreSQL: SQLite under a WSGI server fails writes with "database is locked".
# The ports are below Linux's ephemeral range (32768-60999): a busy machine's outgoing connections
# take ports from that range, and a server that finds its port so taken cannot bind it.
# Usage: test/keystone/up.sh [BASE_DIR]   (default /tmp/k2k-keystone; run as root)
# Writes BASE_DIR/env (KEY='value' lines, read by readFederationEnvFile in @k2k/testing).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${1:-/tmp/k2k-keystone}
IDP_PORT=${IDP_PORT:-15000}
SP_PORT=${SP_PORT:-15001}
IDP_SHORT_PORT=${IDP_SHORT_PORT:-15002}
SHORT_TOKEN_SECONDS=${SHORT_TOKEN_SECONDS:-3}
# Fake service ports in the catalogs; internal = public + 1 so a test can tell which was chosen.
IDP_VOLUME_PORT=${IDP_VOLUME_PORT:-18776}; IDP_IMAGE_PORT=${IDP_IMAGE_PORT:-19292}
SP_VOLUME_PORT=${SP_VOLUME_PORT:-28776};   SP_IMAGE_PORT=${SP_IMAGE_PORT:-29292}
IDP=http://127.0.0.1:$IDP_PORT; SP=http://127.0.0.1:$SP_PORT
PY=/usr/bin/python3   # Debian's python: keystone and keystoneauth1 live there, not in other pythons on PATH
PACKAGES="keystone python3-openstackclient xmlsec1 apache2 libapache2-mod-wsgi-py3 libapache2-mod-shib postgresql python3-psycopg2 uwsgi-plugin-python3"
t0=$(date +%s)

if ! command -v keystone-manage >/dev/null || ! command -v shibd >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PACKAGES >/dev/null
fi
t1=$(date +%s)

"$HERE/down.sh" "$BASE" >/dev/null 2>&1 || true

# PostgreSQL: Debian's default cluster, one database per Keystone.
PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
pg_ctlcluster "$PG_VERSION" main status >/dev/null 2>&1 || pg_ctlcluster "$PG_VERSION" main start
for _ in $(seq 1 60); do su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break; sleep 0.5; done
su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname='keystone'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE USER keystone PASSWORD 'kspw'\"" >/dev/null
for db in k2k_keystone_idp k2k_keystone_sp; do
  su postgres -c "dropdb --if-exists $db >/dev/null 2>&1; createdb -O keystone $db"
done

rm -rf "$BASE"; mkdir -p "$BASE/idp" "$BASE/sp"; chmod 755 "$BASE"
keystone_conf() { # side database expiration
  cat <<EOC
[DEFAULT]
log_file = $BASE/$1/keystone.log
[database]
connection = postgresql://keystone:kspw@127.0.0.1/$2
[token]
provider = fernet
expiration = $3
[fernet_tokens]
key_repository = $BASE/$1/fernet-keys
[fernet_receipts]
key_repository = $BASE/$1/fernet-keys
[credential]
key_repository = $BASE/$1/credential-keys
EOC
}
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
  -keyout "$BASE/idp/saml.key" -out "$BASE/idp/saml.crt" 2>/dev/null
saml_conf() {
  cat <<EOC
[saml]
certfile = $BASE/idp/saml.crt
keyfile = $BASE/idp/saml.key
idp_entity_id = $IDP/v3/OS-FEDERATION/saml2/idp
idp_sso_endpoint = $IDP/v3/OS-FEDERATION/saml2/sso
idp_metadata_path = $BASE/idp/idp_metadata.xml
EOC
}
{ keystone_conf idp k2k_keystone_idp 3600; saml_conf; } > "$BASE/idp/keystone.conf"
{ keystone_conf idp k2k_keystone_idp "$SHORT_TOKEN_SECONDS"; saml_conf; } > "$BASE/idp/keystone-short.conf"
{ keystone_conf sp k2k_keystone_sp 3600
  printf '[auth]\nmethods = password,token,saml2,mapped\n[federation]\nremote_id_attribute = Shib-Identity-Provider\n'; } > "$BASE/sp/keystone.conf"

for side in idp sp; do
  conf="$BASE/$side/keystone.conf"; port=$IDP_PORT; [ $side = sp ] && port=$SP_PORT
  mkdir -p "$BASE/$side/fernet-keys" "$BASE/$side/credential-keys"
  keystone-manage --config-file "$conf" db_sync >/dev/null 2>&1
  keystone-manage --config-file "$conf" fernet_setup --keystone-user root --keystone-group root >/dev/null 2>&1
  keystone-manage --config-file "$conf" credential_setup --keystone-user root --keystone-group root >/dev/null 2>&1
  keystone-manage --config-file "$conf" bootstrap --bootstrap-password adminpw \
    --bootstrap-public-url "http://127.0.0.1:$port/v3" --bootstrap-region-id RegionOne >/dev/null 2>&1
done
keystone-manage --config-file "$BASE/idp/keystone.conf" saml_idp_metadata > "$BASE/idp/idp_metadata.xml" 2>/dev/null

# The IdP under uwsgi. --lazy-apps: load keystone in each worker, not in a master that forks
# (broken database handles). Connection: close, because uwsgi's http-socket drops kept-alive
# connections and clients then see resets.
start_idp() { # name port config
  setsid uwsgi --plugin python3 --http-socket "127.0.0.1:$2" --wsgi-file /usr/bin/keystone-wsgi-public \
    --processes 2 --threads 4 --lazy-apps --master --add-header "Connection: close" \
    --pidfile "$BASE/idp/$1.pid" --daemonize "$BASE/idp/$1.log" --env OS_KEYSTONE_CONFIG_FILES="$3"
}
start_idp uwsgi "$IDP_PORT" "$BASE/idp/keystone.conf"
start_idp uwsgi-short "$IDP_SHORT_PORT" "$BASE/idp/keystone-short.conf"

# The SP: shibd consumes the ECP assertion for Apache's mod_shib; keystone runs under mod_wsgi.
sed -e "s|@BASE@|$BASE|g" -e "s|@SP@|$SP|g" "$HERE/shibboleth2.xml.in" > "$BASE/sp/shibboleth2.xml"
cp "$HERE/attribute-map.xml" "$BASE/sp/attribute-map.xml"
sed -e "s|@BASE@|$BASE|g" -e "s|@SP_PORT@|$SP_PORT|g" "$HERE/httpd.conf.in" > "$BASE/sp/httpd.conf"
cat > "$BASE/sp/wsgi.py" <<EOC
import os
os.environ['OS_KEYSTONE_CONFIG_FILES'] = '$BASE/sp/keystone.conf'
from keystone.server.wsgi import initialize_public_application
application = initialize_public_application()
EOC
chown -R www-data:www-data "$BASE/sp"   # Apache refuses to run as root
shibd -c "$BASE/sp/shibboleth2.xml" -p "$BASE/sp/shibd.pid" -w 30
apache2 -f "$BASE/sp/httpd.conf" -k start
# One deadline for the three (each loads keystone in its own processes, all at once on a small
# machine); one that never answers has its log and whatever holds its port printed.
deadline=$(( $(date +%s) + 240 ))
for server in "$IDP_PORT $BASE/idp/uwsgi.log" "$IDP_SHORT_PORT $BASE/idp/uwsgi-short.log" "$SP_PORT $BASE/sp/apache-error.log"; do
  read -r port log <<<"$server"
  until curl -sf -o /dev/null "http://127.0.0.1:$port/v3"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "no answer from http://127.0.0.1:$port/v3; listening there: $(ss -Hltnp "sport = :$port" 2>/dev/null)" >&2
      echo "--- the last lines of $log:" >&2; tail -n 30 "$log" >&2 2>/dev/null
      exit 1
    fi
    sleep 0.5
  done
done

# Users, projects, the SP registration at the IdP, the IdP + mapping + protocol at the SP, catalogs.
IDP_URL=$IDP SP_URL=$SP IDP_VOLUME_PORT=$IDP_VOLUME_PORT IDP_IMAGE_PORT=$IDP_IMAGE_PORT \
  SP_VOLUME_PORT=$SP_VOLUME_PORT SP_IMAGE_PORT=$SP_IMAGE_PORT \
  $PY "$HERE/register.py" > "$BASE/ids"
. "$BASE/ids"
t2=$(date +%s)

cat > "$BASE/env" <<EOC
IDP_AUTH_URL='$IDP/v3'
IDP_SHORT_TOKEN_AUTH_URL='http://127.0.0.1:$IDP_SHORT_PORT/v3'
SHORT_TOKEN_SECONDS='$SHORT_TOKEN_SECONDS'
SP_AUTH_URL='$SP/v3'
SP_ID='sp1'
SP_URL='$SP/Shibboleth.sso/SAML2/ECP'
SP_FEDERATION_AUTH_URL='$SP/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2/auth'
ADMIN_USER='admin'
ADMIN_PASSWORD='adminpw'
SERVICE_USER='k2k'
SERVICE_PASSWORD='secret'
SERVICE_PROJECT='service'
USER='alice'
USER_PASSWORD='alicepw'
USER_DOMAIN='Default'
IDP_PROJECT='demo'
IDP_PROJECT_ID='$IDP_DEMO'
SP_PROJECT='demo'
SP_PROJECT_ID='$SP_DEMO'
SP_PROJECT2='demo2'
SP_PROJECT2_ID='$SP_DEMO2'
SP_LOCKED_PROJECT='locked'
SP_LOCKED_PROJECT_ID='$SP_LOCKED'
IDP_VOLUME_ENDPOINT='http://127.0.0.1:$IDP_VOLUME_PORT/v3/%(project_id)s'
SP_VOLUME_ENDPOINT='http://127.0.0.1:$SP_VOLUME_PORT/v3/%(project_id)s'
IDP_IMAGE_ENDPOINT='http://127.0.0.1:$IDP_IMAGE_PORT'
SP_IMAGE_ENDPOINT='http://127.0.0.1:$SP_IMAGE_PORT'
REGION='RegionOne'
SETUP_SECONDS_INSTALL='$((t1 - t0))'
SETUP_SECONDS_CONFIGURE='$((t2 - t1))'
EOC
echo "real Keystone K2K pair up: IdP $IDP/v3, SP $SP/v3 (install $((t1 - t0)) s, configure $((t2 - t1)) s); env in $BASE/env"
