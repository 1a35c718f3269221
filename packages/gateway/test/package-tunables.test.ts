import { expect } from 'chai';
import { snakeCase, type OptionTable } from '@k2k/common';
import { FORWARD_TUNABLES } from '@k2k/k2k-forward';
import { AUTH_TUNABLES } from '@k2k/keystone-auth';
import { parseConfig } from '../src/config/config.js';
import { ConfigFileSchema } from '../src/config/config-schema.js';
import { AUTH_KEYS, FORWARD_KEYS } from '../src/config/package-tunables.js';

const MINIMAL = {
  keystone: { auth_url: 'http://127.0.0.1:5000/v3', service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
  local: { endpoints: { volumev3: 'http://127.0.0.1:8776/v3/%(project_id)s' } },
  mounts: { '/volume': 'volumev3' },
};
const SECTIONS = ConfigFileSchema.properties as unknown as Record<string, { properties: Record<string, Record<string, unknown>> }>;
const keysOf = (table: OptionTable, keys: Record<string, readonly string[]>) =>
  Object.entries(keys).flatMap(([section, names]) => names.map((name) => ({ section, name, key: snakeCase(name), tunable: table[name] })));
const changed = (value: unknown) => (typeof value === 'boolean' ? !value : (value as number) + 1);

for (const { what, table, keys, read } of [
  { what: "k2kForward's", table: FORWARD_TUNABLES, keys: FORWARD_KEYS, read: (file: object) => parseConfig(file).forwardTunables },
  { what: "keystoneAuth's", table: AUTH_TUNABLES, keys: AUTH_KEYS, read: (file: object) => parseConfig(file).authTunables },
]) {
  describe(`the config file's keys for ${what} tunables`, () => {
    const listed = keysOf(table, keys);

    it("are the package's option table's: bounds, default and description", () => {
      for (const { section, key, tunable } of listed) {
        const schema = SECTIONS[section].properties[key];
        expect(schema, `${section}.${key}`).to.deep.include({ default: tunable.default, description: tunable.description });
        if (tunable.kind !== 'integer') continue;
        expect(schema.minimum, `${section}.${key}`).to.equal(tunable.min);
        expect(schema.maximum, `${section}.${key}`).to.equal(tunable.max);
      }
    });

    it('reach the package under its option names, defaulted or as the file gives them', () => {
      expect(read(MINIMAL)).to.deep.equal(Object.fromEntries(listed.map(({ name, tunable }) => [name, tunable.default])));
      const file: Record<string, Record<string, unknown>> = {};
      for (const { section, key, tunable } of listed) file[section] = { ...(section === 'keystone' ? MINIMAL.keystone : {}), ...file[section], [key]: changed(tunable.default) };
      expect(read({ ...MINIMAL, ...file })).to.deep.equal(Object.fromEntries(listed.map(({ name, tunable }) => [name, changed(tunable.default)])));
    });
  });
}
