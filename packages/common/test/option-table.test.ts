import { expect } from 'chai';
import { defaultText, readTunables, type OptionTable } from '../src/index.js';

const TABLE = {
  timeoutMs: { kind: 'integer', default: 60_000, min: 1, description: 'an upstream silent this long is answered 504' },
  // Listed before the tunable bounding it: the order of the table does not matter.
  probeTimeoutMs: { kind: 'integer', default: 5000, min: 1, atMost: 'timeoutMs', description: 'each search probe; at most `timeoutMs`' },
  serviceTokenRoles: { kind: 'list', default: ['service'], description: 'an `X-Service-Token` counts only with one of these roles' },
} as const satisfies OptionTable;
const BOUNDED_FIRST = { probeTimeoutMs: TABLE.probeTimeoutMs, timeoutMs: TABLE.timeoutMs } as const satisfies OptionTable;

describe('option table', () => {
  it("fills a list tunable in with a copy of its default, or takes the option's strings", () => {
    const read = readTunables({}, TABLE, 'auth');
    expect(read.serviceTokenRoles).to.deep.equal(['service']);
    expect(read.serviceTokenRoles).to.not.equal(TABLE.serviceTokenRoles.default);
    expect(readTunables({ serviceTokenRoles: ['service', 'admin'] }, TABLE, 'auth').serviceTokenRoles).to.deep.equal(['service', 'admin']);
    expect(readTunables({ serviceTokenRoles: [] }, TABLE, 'auth').serviceTokenRoles).to.deep.equal([]);
  });

  it('refuses a list tunable that is no list of non-empty strings, naming it', () => {
    expect(() => readTunables({ serviceTokenRoles: 'service' }, TABLE, 'auth')).to.throw(/^auth\.serviceTokenRoles: must be a list of strings, got "service"$/);
    expect(() => readTunables({ serviceTokenRoles: ['service', ''] }, TABLE, 'auth')).to.throw(/^auth\.serviceTokenRoles\[1\]: must be a non-empty string/);
  });

  it("lowers a bounded tunable's default to the tunable bounding it, and refuses more than that", () => {
    for (const table of [TABLE, BOUNDED_FIRST]) {
      expect(readTunables({}, table, 'forward')).to.deep.include({ timeoutMs: 60_000, probeTimeoutMs: 5000 });
      expect(readTunables({ timeoutMs: 2000 }, table, 'forward')).to.deep.include({ timeoutMs: 2000, probeTimeoutMs: 2000 });
      expect(readTunables({ timeoutMs: 2000, probeTimeoutMs: 1500 }, table, 'forward').probeTimeoutMs).to.equal(1500);
      expect(() => readTunables({ timeoutMs: 2000, probeTimeoutMs: 2001 }, table, 'forward')).to.throw(/^forward\.probeTimeoutMs: must be an integer from 1 to 2000, got 2001$/);
    }
  });

  it('shows a list default and a bounded default as a README table does', () => {
    expect(defaultText(TABLE.serviceTokenRoles)).to.equal("`['service']`");
    expect(defaultText(TABLE.probeTimeoutMs)).to.equal('5000 (or `timeoutMs` if lower)');
    expect(defaultText(TABLE.timeoutMs)).to.equal('60000');
  });
});
