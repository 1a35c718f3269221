#!/usr/bin/env bash
# Brings up REAL Horizon (Debian 12's openstack-dashboard, Zed) against the IdP's Keystone of the
# pair, for the browser test (horizon.test.ts), and installs the browser it drives (Debian's chromium):
#   Apache  an instance of its own (own config, pid file and logs under BASE_DIR/horizon; the SP
#           Keystone's Apache is not touched), mpm_event, mod_wsgi daemon mode (1 process,
#           8 threads) running Horizon, static files by Alias              http://127.0.0.1:18080/
#   memcached  Horizon's sessions and cache                                 127.0.0.1:18211
# Horizon's settings are Debian's (/etc/openstack-dashboard, its offline-compressed static files in
# /var/lib/openstack-dashboard/static) with a settings module of ours on top (BASE_DIR/horizon/
# k2k_horizon_settings.py): the IdP's Keystone, sessions in our memcached, ALLOWED_HOSTS,
# RegionOne as the region a login starts in. Nothing under /etc is changed.
#
# Usage: test/keystone/horizon-up.sh [BASE_DIR]   (the pair's, default /tmp/k2k-keystone; as root)
# Needs BASE_DIR/env (up.sh); writes BASE_DIR/horizon/env. horizon-down.sh (and down.sh) stop it.
# Ports: HORIZON_PORT, HORIZON_MEMCACHED_PORT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${1:-/tmp/k2k-keystone}
H=$BASE/horizon
HORIZON_PORT=${HORIZON_PORT:-18080}; HORIZON_MEMCACHED_PORT=${HORIZON_MEMCACHED_PORT:-18211}
PY=/usr/bin/python3
# openstack-dashboard without its Recommends (no openstack-dashboard-apache: our Apache config is
# below); python3-pymemcache for Django's PyMemcacheCache; chromium for the test.
PACKAGES="openstack-dashboard libapache2-mod-wsgi-py3 apache2 python3-pymemcache memcached chromium"
[ -f "$BASE/env" ] || { echo "no $BASE/env: bring the Keystone pair up first (test/keystone/up.sh)" >&2; exit 1; }
set -a; . "$BASE/env"; set +a
. "$HERE/services-lib.sh"   # install_packages, refuse_busy_ports, start, wait_http, rss_mib
t0=$(date +%s)

# 1. Packages (openstack-dashboard's postinst compresses the static files offline: about 30 s).
if [ ! -f /usr/share/openstack-dashboard/wsgi.py ] || [ ! -x /usr/bin/chromium ] || ! $PY -c 'import pymemcache' 2>/dev/null; then
  install_packages $PACKAGES
fi
t1=$(date +%s)

"$HERE/horizon-down.sh" "$BASE" >/dev/null 2>&1 || true
refuse_busy_ports $HORIZON_PORT $HORIZON_MEMCACHED_PORT
rm -rf "$H"; mkdir -p "$H"
trap 'rc=$?; [ $rc = 0 ] || { echo "horizon-up.sh failed: logs in $H" >&2; "$HERE/horizon-down.sh" "$BASE" >/dev/null 2>&1; }' EXIT

# 2. memcached, as a process group of its own (start: services-lib.sh).
start "$H/memcached.pid" "$H/memcached.log" memcached -l 127.0.0.1 -p "$HORIZON_MEMCACHED_PORT" -U 0 -m 64 -u nobody

# 3. Horizon's settings: Debian's (openstack_dashboard.settings reads /etc/openstack-dashboard's
# local_settings.py and local_settings.d), then ours. Debian's wsgi.py sets DJANGO_SETTINGS_MODULE
# itself, so Apache runs a wsgi.py of ours.
cat > "$H/k2k_horizon_settings.py" <<EOC
from openstack_dashboard.settings import *  # noqa: F401,F403 (Debian's settings, then ours)

OPENSTACK_KEYSTONE_URL = '$IDP_AUTH_URL'
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
CACHES = {'default': {'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache', 'LOCATION': '127.0.0.1:$HORIZON_MEMCACHED_PORT'}}
SECRET_KEY = '$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')'
# a login starts in the local cloud's region; the region menu offers the others (the virtual ones)
DEFAULT_SERVICE_REGIONS = {'*': '$REGION'}
# every call Horizon makes, with its URL, in the Apache error log (keystoneauth's DEBUG lines)
LOGGING['handlers']['console']['level'] = 'DEBUG'
EOC
cat > "$H/wsgi.py" <<'EOC'
import os
os.environ['DJANGO_SETTINGS_MODULE'] = 'k2k_horizon_settings'
from django.core.wsgi import get_wsgi_application  # noqa: E402
application = get_wsgi_application()
EOC
cat > "$H/httpd.conf" <<EOC
# Apache for Horizon, an instance of its own (the SP Keystone's is another).
ServerRoot /etc/apache2
PidFile $H/httpd.pid
Listen 127.0.0.1:$HORIZON_PORT
ServerName 127.0.0.1
User www-data
Group www-data
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule wsgi_module /usr/lib/apache2/modules/mod_wsgi.so
TypesConfig /etc/mime.types
ErrorLog $H/apache-error.log
LogFormat "%h \"%r\" %>s %D" k2k
CustomLog $H/apache-access.log k2k
WSGIDaemonProcess horizon processes=1 threads=8 user=www-data group=www-data python-path=$H display-name=k2k-horizon
WSGIProcessGroup horizon
WSGIApplicationGroup %{GLOBAL}
WSGIScriptAlias / $H/wsgi.py
Alias /static /var/lib/openstack-dashboard/static
<Directory $H>
  Require all granted
</Directory>
<Directory /var/lib/openstack-dashboard/static>
  Require all granted
</Directory>
EOC
chmod 755 "$H"; chmod 644 "$H"/*.py "$H/httpd.conf"
apache2 -f "$H/httpd.conf" -k start
# The login page: Django loaded, settings read, templates rendered (the first one takes seconds).
wait_http "http://127.0.0.1:$HORIZON_PORT/auth/login/" 120
code=$(curl -s -m 60 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HORIZON_PORT/auth/login/")
[ "$code" = 200 ] || { echo "Horizon's login page answered $code: see $H/apache-error.log" >&2; exit 1; }
t2=$(date +%s)

rss=$(( $(rss_mib "$H/memcached.pid") + $(ps -o rss= --ppid "$(cat "$H/httpd.pid")" -p "$(cat "$H/httpd.pid")" | awk '{ s += $1 } END { print int(s / 1024) }') ))
cat > "$H/env" <<EOC
HORIZON_URL='http://127.0.0.1:$HORIZON_PORT'
HORIZON_LOG='$H/apache-error.log'
CHROMIUM='/usr/bin/chromium'
HORIZON_SECONDS_INSTALL='$((t1 - t0))'
HORIZON_SECONDS_UP='$((t2 - t1))'
HORIZON_RSS_MIB='$rss'
EOC
echo "real Horizon up at http://127.0.0.1:$HORIZON_PORT/ (install $((t1 - t0)) s, up $((t2 - t1)) s, $rss MiB resident); env in $H/env"
