#!/usr/bin/env bash
# Installs Tempest and Cinder's Tempest plugin from Debian (bookworm: tempest 33.0.0,
# cinder-tempest-plugin 1.7.2), nothing from elsewhere. Idempotent and non-interactive: does
# nothing when both are there. Run as root.
set -euo pipefail
PACKAGES="tempest cinder-tempest-plugin"
if dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | grep -vq 'install ok installed' \
   || [ "$(dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | wc -l)" -ne 2 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
fi
dpkg-query -W -f='${Package} ${Version}\n' $PACKAGES
