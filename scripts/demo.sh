#!/usr/bin/env bash
# The main job, on a fresh machine: sets up (scripts/setup.sh), then starts simulated clouds (an
# IdP and two service providers with volume and image services), the K2K gateway on them with two
# workers sharing memcached, and walks through the scenario, printing each step.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec node samples/demo/dist/src/demo.js
