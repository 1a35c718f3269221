#!/usr/bin/env node
// The k2k-gateway command: `k2k-gateway --config FILE` runs src/cli/main.ts (cluster workers re-run this
// file). A launcher outside dist/ because npm links a package's bins when it installs, which in this
// repository is before the first build, and skips a bin whose file does not exist yet.
require('../dist/src/cli/main.js');
