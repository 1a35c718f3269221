// The real-Keystone suite (test/keystone/run.sh): the same reporter, against real servers.
module.exports = {
  spec: ['test/dist/keystone/**/*.test.js'],
  reporter: require.resolve('./scripts/totals-reporter.cjs'),
  timeout: 60000,
  exit: true,
};
