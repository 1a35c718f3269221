import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeKeystone, shapeOf, startFederation, type Federation, type ProbedExchange } from '../src/index.js';

/** Recorded from real Keystone by test/keystone/capture-fixtures.ts. */
const REAL: ProbedExchange[] = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'real-keystone', 'exchanges.json'), 'utf8'));

/** Header values that name hosts, ports or installation-specific ids are compared by pattern. */
function comparable(name: string, value: string): string {
  if (name === 'set-cookie') return value.replace(/^(_shibsession_)[0-9a-f]+$/, '$1<application>');
  return value.replace(/http:\/\/127\.0\.0\.1:\d+/g, '<host>');
}

describe('the simulator answers like real Keystone (fixtures/real-keystone)', () => {
  let federation: Federation;
  let simulated: Map<string, ProbedExchange>;

  before(async () => {
    federation = await startFederation();
    simulated = new Map((await probeKeystone(federation.env)).map((exchange) => [exchange.name, exchange]));
  });

  after(() => federation.close());

  for (const real of REAL) {
    it(`${real.name}: ${real.method} ${real.path} -> ${real.status}`, () => {
      const mine = simulated.get(real.name);
      expect(mine, 'the probe made this call').to.not.equal(undefined);
      expect(mine?.status, 'status').to.equal(real.status);
      const headers = (exchange: ProbedExchange) => Object.fromEntries(Object.entries(exchange.headers).map(([name, value]) => [name, comparable(name, value)]));
      expect(headers(mine as ProbedExchange), 'headers').to.deep.equal(headers(real));
      expect(shapeOf(mine?.body), 'body shape').to.deep.equal(shapeOf(real.body));
      const error = (real.body as { error?: unknown }).error;
      if (error) expect((mine?.body as { error?: unknown }).error, 'error body').to.deep.equal(error);
    });
  }
});
