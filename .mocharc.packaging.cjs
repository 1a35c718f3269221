// The packaging suite (npm run test:packaging): packs every publishable package and installs the
// tarballs into fresh consumer projects outside the repository; the same reporter as the fast suite.
module.exports = {
  spec: ['test/dist/packaging/**/*.test.js'],
  reporter: require.resolve('./scripts/totals-reporter.cjs'),
  timeout: 180000,
  exit: true,
};
