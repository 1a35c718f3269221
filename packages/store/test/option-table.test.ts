import { join } from 'node:path';
import { expect } from 'chai';
import { defaultText } from '@k2k/common';
import { outOfBounds, readmeTableMismatches } from '@k2k/testing';
import { STORE_TUNABLES } from '../src/option-table.js';
import { parseStoreOptions } from '../src/options.js';

const { all, memory, memcached, protection, tiered } = STORE_TUNABLES;
const TIERED = { backend: 'tiered' as const, servers: ['127.0.0.1:11211'], secret: 'a-long-enough-secret' };

describe('createStore option table', () => {
  it("is the README's option table: each tunable's default and meaning", () => {
    const flat = { ...all, ...memory, ...memcached, ...protection, ...tiered };
    expect(readmeTableMismatches(join(__dirname, '..', '..', 'README.md'), flat, defaultText)).to.deep.equal([]);
  });

  it('gives each tunable its default, by backend', () => {
    const defaults = (table: Record<string, { default: unknown }>) => Object.fromEntries(Object.entries(table).map(([name, tunable]) => [name, tunable.default]));
    expect(parseStoreOptions({})).to.deep.include({ ...defaults(all), ...defaults(memory) });
    expect(parseStoreOptions(TIERED)).to.deep.include({ ...defaults(all), ...defaults(memcached), ...defaults(tiered), ...defaults(protection) });
  });

  it('refuses an integer out of its bounds, naming it', () => {
    for (const [name, value] of [...outOfBounds(memcached), ...outOfBounds(tiered)]) {
      expect(() => parseStoreOptions({ ...TIERED, [name]: value }), name).to.throw(new RegExp(`^store\\.${name}: must be an integer`));
    }
    for (const [name, value] of outOfBounds(memory)) expect(() => parseStoreOptions({ [name]: value }), name).to.throw(new RegExp(`^store\\.${name}: must be an integer`));
  });
});
