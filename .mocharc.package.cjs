// One package's tests, run from that package's folder (`npm test -w packages/<name>`).
module.exports = {
  spec: ['dist/test/**/*.test.js'],
  reporter: require.resolve('./scripts/totals-reporter.cjs'),
  timeout: 20000,
  exit: true,
};
