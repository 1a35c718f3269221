#!/usr/bin/env bash
# Makes a fresh Debian machine ready to run k2k: memcached (the shared store the tests and the
# demo start on loopback), the npm workspace, and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v memcached >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq memcached >/dev/null
fi

# npm ci on a fresh clone, and again whenever package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run build --silent
