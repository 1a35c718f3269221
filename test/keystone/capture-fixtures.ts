/**
 * Records real Keystone's answers to the probe (every call k2k makes, good paths and refusals)
 * into packages/testing/fixtures/real-keystone/exchanges.json, tokens replaced by "<token>".
 * The simulator's conformance test compares its own answers with this record.
 *   test/keystone/up.sh && npm run build && node test/dist/keystone/capture-fixtures.js
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeKeystone } from '@k2k/testing';
import { realFederation } from './real-keystone.js';

const FIXTURE = join(__dirname, '..', '..', '..', 'packages', 'testing', 'fixtures', 'real-keystone', 'exchanges.json');

probeKeystone(realFederation()).then(
  (exchanges) => {
    writeFileSync(FIXTURE, `${JSON.stringify(exchanges, null, 2)}\n`);
    console.log(`${exchanges.length} exchanges written to ${FIXTURE}`);
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
