import { expect } from 'chai';
import { snakeCase } from '@k2k/common';
import { FORWARD_TUNABLES } from '@k2k/k2k-forward';
import { parseConfig } from '../src/config/config.js';
import { ConfigFileSchema } from '../src/config/config-schema.js';
import { FORWARD_KEYS } from '../src/config/forward-tunables.js';

const MINIMAL = {
  keystone: { auth_url: 'http://127.0.0.1:5000/v3', service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
  local: { endpoints: { volumev3: 'http://127.0.0.1:8776/v3/%(project_id)s' } },
  mounts: { '/volume': 'volumev3' },
};
const KEYS = Object.entries(FORWARD_KEYS).flatMap(([section, names]) => names.map((name) => ({ section, name, key: snakeCase(name), tunable: FORWARD_TUNABLES[name] })));

describe("the config file's k2kForward tunables", () => {
  it("are k2kForward's table's: bounds, default and description", () => {
    for (const { section, key, tunable } of KEYS) {
      const schema = (ConfigFileSchema.properties as unknown as Record<string, { properties: Record<string, Record<string, unknown>> }>)[section].properties[key];
      expect(schema, `${section}.${key}`).to.deep.include({ default: tunable.default, description: tunable.description });
      if (tunable.kind !== 'integer') continue;
      expect(schema.minimum, `${section}.${key}`).to.equal(tunable.min);
      expect(schema.maximum, `${section}.${key}`).to.equal('max' in tunable ? tunable.max : undefined);
    }
  });

  it('reach k2kForward under their own name, defaulted or as the file gives them', () => {
    const defaults = Object.fromEntries(KEYS.map(({ name, tunable }) => [name, tunable.default]));
    expect(parseConfig(MINIMAL).forwardTunables).to.deep.equal(defaults);
    const changed = (value: number | boolean) => (typeof value === 'boolean' ? !value : value + 1);
    const file: Record<string, Record<string, unknown>> = { upstream: {}, routing: {} };
    for (const { section, key, tunable } of KEYS) file[section][key] = changed(tunable.default);
    expect(parseConfig({ ...MINIMAL, ...file }).forwardTunables).to.deep.equal(Object.fromEntries(KEYS.map(({ name, tunable }) => [name, changed(tunable.default)])));
  });
});
