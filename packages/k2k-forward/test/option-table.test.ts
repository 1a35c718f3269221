import { join } from 'node:path';
import { expect } from 'chai';
import { defaultText } from '@k2k/common';
import { outOfBounds, readmeTableMismatches } from '@k2k/testing';
import { FORWARD_TUNABLES } from '../src/option-table.js';
import { parseForwardOptions } from '../src/options.js';

const REQUIRED = { serviceType: 'volumev3', authUrl: 'http://127.0.0.1:5000/v3' };

describe('k2kForward option table', () => {
  it("is the README's option table: each tunable's default and meaning", () => {
    expect(readmeTableMismatches(join(__dirname, '..', '..', 'README.md'), FORWARD_TUNABLES, defaultText)).to.deep.equal([]);
  });

  it('gives each tunable its default', () => {
    const parsed = parseForwardOptions(REQUIRED);
    const { local, interface: iface, ...plain } = FORWARD_TUNABLES;
    for (const [name, tunable] of Object.entries(plain)) expect(parsed[name as keyof typeof plain], name).to.equal(tunable.default);
    expect(parsed.local).to.deep.equal({ kind: local.default });
    expect(parsed.interface).to.equal(iface.default);
  });

  it('refuses an integer out of its bounds, naming it', () => {
    for (const [name, value] of outOfBounds(FORWARD_TUNABLES)) {
      expect(() => parseForwardOptions({ ...REQUIRED, [name]: value }), name).to.throw(new RegExp(`^k2kForward\\.${name}: must be an integer`));
    }
  });

  it('lowers probeTimeoutMs to timeoutMs, and refuses it above', () => {
    expect(parseForwardOptions({ ...REQUIRED, timeoutMs: 2000 }).probeTimeoutMs).to.equal(2000);
    expect(parseForwardOptions({ ...REQUIRED, timeoutMs: 2000, probeTimeoutMs: 1500 }).probeTimeoutMs).to.equal(1500);
    expect(() => parseForwardOptions({ ...REQUIRED, timeoutMs: 2000, probeTimeoutMs: 2001 })).to.throw(/^k2kForward\.probeTimeoutMs: must be an integer from 1 to 2000/);
  });

  it('names the tunable a misspelled key meant, and takes a placement function', () => {
    expect(() => parseForwardOptions({ ...REQUIRED, learnListLimt: 5 } as never)).to.throw(/^k2kForward\.learnListLimt: unknown option; did you mean "learnListLimit"/);
    expect(() => parseForwardOptions({ ...REQUIRED, placement: 'random' } as never)).to.throw(/^k2kForward\.placement: must be one of "local", .* or a function, got "random"/);
    const choose = () => undefined;
    expect(parseForwardOptions({ ...REQUIRED, placement: choose as never }).placement).to.equal(choose);
  });
});
