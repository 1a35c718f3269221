import { join } from 'node:path';
import { expect } from 'chai';
import { defaultText } from '@k2k/common';
import { outOfBounds, readmeTableMismatches } from '@k2k/testing';
import { AUTH_TUNABLES } from '../src/option-table.js';
import { parseAuthOptions } from '../src/options.js';

const REQUIRED = { authUrl: 'http://127.0.0.1:5000/v3', serviceAuth: { username: 'k2k', password: 'secret', projectName: 'service' } };

describe('keystoneAuth option table', () => {
  it("is the README's option table: each tunable's default and meaning", () => {
    expect(readmeTableMismatches(join(__dirname, '..', '..', 'README.md'), AUTH_TUNABLES, defaultText)).to.deep.equal([]);
  });

  it('gives each tunable its default', () => {
    const parsed = parseAuthOptions(REQUIRED);
    for (const [name, tunable] of Object.entries(AUTH_TUNABLES)) expect(parsed[name as keyof typeof AUTH_TUNABLES], name).to.deep.equal(tunable.default);
  });

  it('refuses an integer out of its bounds, naming it', () => {
    for (const [name, value] of outOfBounds(AUTH_TUNABLES)) {
      expect(() => parseAuthOptions({ ...REQUIRED, [name]: value }), name).to.throw(new RegExp(`^keystoneAuth\\.${name}: must be an integer`));
    }
  });

  it('refuses a list of roles that is no list of names, naming it', () => {
    expect(() => parseAuthOptions({ ...REQUIRED, serviceTokenRoles: 'service' as never })).to.throw(/^keystoneAuth\.serviceTokenRoles: must be a list of strings/);
    expect(() => parseAuthOptions({ ...REQUIRED, serviceTokenRoles: ['service', 7 as never] })).to.throw(/^keystoneAuth\.serviceTokenRoles\[1\]: must be a non-empty string/);
    expect(parseAuthOptions({ ...REQUIRED, serviceTokenRoles: ['service', 'admin'] }).serviceTokenRoles).to.deep.equal(['service', 'admin']);
  });

  it('names the tunable a misspelled key meant', () => {
    expect(() => parseAuthOptions({ ...REQUIRED, cacheTtlSecond: 5 } as never)).to.throw(/^keystoneAuth\.cacheTtlSecond: unknown option; did you mean "cacheTtlSeconds"/);
  });
});
