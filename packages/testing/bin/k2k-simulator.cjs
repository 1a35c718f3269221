#!/usr/bin/env node
// The k2k-simulator command (src/cli.ts). A launcher outside dist/ because npm links a package's bins
// when it installs, which in this repository is before the first build, and skips a bin whose file
// does not exist yet; this one always exists, so `npx k2k-simulator` works after `npm ci && npm run build`.
require('../dist/src/cli.js');
