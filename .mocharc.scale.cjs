// The scale-out suite (npm run test:scale): three gateway hosts (2 workers each) on a pool of two
// memcached servers behind HAProxy, under steady load; the same reporter as the fast suite.
module.exports = {
  spec: ['test/dist/scale/**/*.test.js'],
  reporter: require.resolve('./scripts/totals-reporter.cjs'),
  timeout: 90000,
  exit: true,
};
