import { join } from 'node:path';
import { expect } from 'chai';
import { defaultText } from '@k2k/common';
import { outOfBounds, readmeTableMismatches } from '@k2k/testing';
import { CLIENT_TUNABLES } from '../src/option-table.js';
import { parseClientOptions } from '../src/options.js';

const REQUIRED = { authUrl: 'http://127.0.0.1:5000/v3' };

describe('k2kClient option table', () => {
  it("is the README's option table: each tunable's default and meaning", () => {
    expect(readmeTableMismatches(join(__dirname, '..', '..', 'README.md'), CLIENT_TUNABLES, defaultText)).to.deep.equal([]);
  });

  it('gives each tunable its default', () => {
    const parsed = parseClientOptions(REQUIRED);
    for (const [name, tunable] of Object.entries(CLIENT_TUNABLES)) expect(parsed[name as keyof typeof CLIENT_TUNABLES], name).to.equal(tunable.default);
  });

  it('refuses an integer out of its bounds, naming it', () => {
    for (const [name, value] of outOfBounds(CLIENT_TUNABLES)) {
      expect(() => parseClientOptions({ ...REQUIRED, [name]: value }), name).to.throw(new RegExp(`^k2kClient\\.${name}: must be an integer`));
    }
  });

  it('names the tunable a misspelled key meant', () => {
    expect(() => parseClientOptions({ ...REQUIRED, serach: false } as never)).to.throw(/^k2kClient\.serach: unknown option; did you mean "search"/);
  });
});
