'use strict';
// Mocha's spec reporter, plus a last line in the plain form CI reads: "N passed, N failed".
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    // Spec registered its epilogue on the same event first, so this line comes after it.
    runner.once(EVENT_RUN_END, () => {
      process.stdout.write(`${this.stats.passes} passed, ${this.stats.failures} failed\n`);
    });
  }
}

module.exports = TotalsReporter;
