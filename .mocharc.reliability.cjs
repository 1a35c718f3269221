// The reliability suite (npm run test:reliability): the gateway process (2 workers, memcached) under
// steady load while one fault at a time is injected; the same reporter as the fast suite.
module.exports = {
  spec: ['test/dist/reliability/**/*.test.js'],
  reporter: require.resolve('./scripts/totals-reporter.cjs'),
  timeout: 90000,
  exit: true,
};
