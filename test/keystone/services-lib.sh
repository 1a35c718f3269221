# Sourced by services-up.sh, nova-neutron-up.sh and their -down.sh: installing the packages,
# starting a service as a process group of its own with a pid file, waiting for it, stopping such
# groups, measuring them; the keystonemiddleware section every real service's configuration has.

# install_packages PACKAGE...: apt-get install --no-install-recommends, noninteractive (every debconf
# question of these OpenStack packages defaults to "no": no database configured, nothing
# registered). Without a policy-rc.d the packages' scripts would start system-wide services on
# their default ports: a temporary one forbids that. Other installs may hold dpkg's lock: waited for.
install_packages() {
  local policy=/usr/sbin/policy-rc.d own_policy= status=0
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' > $policy; chmod 755 $policy; own_policy=1
  fi
  apt-get -o DPkg::Lock::Timeout=600 update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null || status=1
  [ -n "$own_policy" ] && rm -f $policy
  return $status
}

# refuse_busy_ports PORT...: fails naming the first port something already listens on.
refuse_busy_ports() {
  local p
  for p in "$@"; do
    if ss -Hltn "sport = :$p" | grep -q .; then echo "port $p is in use; choose others (see the header of $0)" >&2; return 1; fi
  done
}

# start PIDFILE LOG CMD...: CMD in a session of its own, so that its pid is its process group
# (a service and the workers it forks); stop_groups stops that group.
start() { local pf=$1 log=$2; shift 2; setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pf" "$@" >"$log" 2>&1 </dev/null & }

# wait_http URL SECONDS: until it answers with anything below 500.
wait_http() {
  local code=000
  for _ in $(seq 1 $(($2 * 2))); do
    code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$1" || true)
    [ "$code" != 000 ] && [ "$code" -lt 500 ] && return 0
    sleep 0.5
  done
  echo "$1 did not answer within $2 s (last: $code)" >&2; return 1
}

# stop_groups PIDFILE...: TERM to each group, up to 15 s, then KILL what is left; the pid files go.
stop_groups() {
  local pf g groups=()
  for pf in "$@"; do
    [ -f "$pf" ] || continue
    g=$(cat "$pf"); rm -f "$pf"
    [[ $g =~ ^[0-9]+$ ]] && [ "$g" -gt 1 ] && groups+=("$g")
  done
  [ ${#groups[@]} = 0 ] && return 0
  for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  for _ in $(seq 1 30); do
    local alive=0
    for g in "${groups[@]}"; do kill -0 -- "-$g" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.5
  done
  for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
  return 0
}

# rss_mib PIDFILE...: resident memory of those process groups together, MiB.
rss_mib() {
  local pf kb=0
  for pf in "$@"; do
    [ -f "$pf" ] || continue
    kb=$((kb + $(ps -o rss= -g "$(cat "$pf")" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')))
  done
  echo $((kb / 1024))
}

# authtoken KEYSTONE_V3_URL: keystonemiddleware, validating with the cloud's admin (ADMIN_USER,
# ADMIN_PASSWORD from the pair's env file).
authtoken() {
  cat <<EOC
[keystone_authtoken]
www_authenticate_uri = $1
auth_url = $1
auth_type = password
username = $ADMIN_USER
password = $ADMIN_PASSWORD
user_domain_name = Default
project_name = admin
project_domain_name = Default
# the catalogs list identity as public only; keystonemiddleware looks for internal by default
interface = public
EOC
}
