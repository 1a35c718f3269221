// The fast suite: every package's and sample's compiled tests plus the cross-package e2e suite and the package shape.
// Tests run from dist/ after `tsc -b`, so they are type-checked and start fast.
module.exports = {
  spec: ['packages/*/dist/test/**/*.test.js', 'samples/*/dist/test/**/*.test.js', 'test/dist/e2e/**/*.test.js', 'test/dist/shape/**/*.test.js'],
  reporter: require.resolve('./scripts/totals-reporter.cjs'),
  timeout: 20000,
  exit: true,
};
