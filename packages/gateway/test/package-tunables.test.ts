import { expect } from 'chai';
import { snakeCase, type OptionTable } from '@k2k/common';
import { FORWARD_TUNABLES } from '@k2k/k2k-forward';
import { AUTH_TUNABLES } from '@k2k/keystone-auth';
import { STORE_TUNABLES } from '@k2k/store';
import { parseConfig } from '../src/config/config.js';
import { ConfigFileSchema } from '../src/config/config-schema.js';
import { AUTH_KEYS, FORWARD_KEYS } from '../src/config/package-tunables.js';

const MINIMAL = {
  keystone: { auth_url: 'http://127.0.0.1:5000/v3', service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
  local: { endpoints: { volumev3: 'http://127.0.0.1:8776/v3/%(project_id)s' } },
  mounts: { '/volume': 'volumev3' },
};
type Node = Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
const SECTIONS = ConfigFileSchema.properties as unknown as Record<string, Node>;
const keysOf = (table: OptionTable, keys: Record<string, readonly string[]>) =>
  Object.entries(keys).flatMap(([section, names]) => names.map((name) => ({ section, name, key: snakeCase(name), tunable: table[name] })));
const changed = (value: unknown) => (typeof value === 'boolean' ? !value : Array.isArray(value) ? [...value, 'changed'] : (value as number) + 1);

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

describe("the config file's store keys", () => {
  const { all, memory, memcached, protection, tiered } = STORE_TUNABLES;
  const BACKENDS = { memory: { all, memory }, memcached: { all, memcached, protection }, tiered: { all, memcached, protection, tiered } };
  const formOf = (backend: string) => (SECTIONS.store.anyOf as Node[]).find((form) => form.properties.backend.const === backend) as Node;
  const SERVERS = { servers: ['127.0.0.1:11211'], secret_key: 'a-long-enough-secret' };
  const changedStore = (value: unknown) => (value === 'ENCRYPT' ? 'MAC' : changed(value));

  for (const [backend, groups] of Object.entries(BACKENDS)) {
    const listed = Object.values(groups).flatMap((group: OptionTable) => Object.entries(group).map(([name, tunable]) => ({ name, key: snakeCase(name), tunable })));

    it(`of backend ${backend} are createStore's option table's: default and bounds`, () => {
      const form = formOf(backend);
      for (const { key, tunable } of listed) {
        expect(form.properties[key], key).to.deep.include({ default: tunable.default });
        if (tunable.kind === 'integer') expect(form.properties[key].minimum, key).to.equal(tunable.min);
        if (tunable.kind === 'enum') expect((form.properties[key].anyOf as { const: string }[]).map((value) => value.const), key).to.deep.equal(tunable.values);
      }
    });

    it(`of backend ${backend} reach the store under its option names`, () => {
      const secured = listed.filter(({ name }) => name !== 'insecurePlaintext');
      const store = { backend, ...(backend !== 'memory' && SERVERS), ...Object.fromEntries(secured.map(({ key, tunable }) => [key, changedStore(tunable.default)])) };
      expect(parseConfig({ ...MINIMAL, store }).store).to.deep.include(Object.fromEntries(secured.map(({ name, tunable }) => [name, changedStore(tunable.default)])));
      if (backend === 'memory') return;
      expect(parseConfig({ ...MINIMAL, store: { backend, servers: SERVERS.servers, insecure_plaintext: true } }).store).to.deep.include({ insecurePlaintext: true });
    });
  }
});

describe("the config file's keys in seconds for tunables in milliseconds", () => {
  const KEYS = [
    { section: 'upstream', key: 'timeout_seconds', tunable: FORWARD_TUNABLES.timeoutMs, read: (file: object) => parseConfig(file).upstream.timeoutMs },
    { section: 'upstream', key: 'keystone_timeout_seconds', tunable: FORWARD_TUNABLES.keystoneTimeoutMs, read: (file: object) => parseConfig(file).upstream.keystoneTimeoutMs },
    { section: 'keystone', key: 'timeout_seconds', tunable: AUTH_TUNABLES.timeoutMs, read: (file: object) => parseConfig(file).keystone.timeoutMs },
  ];

  it("default to the package's option table's, in seconds, and reach it in milliseconds", () => {
    for (const { section, key, tunable, read } of KEYS) {
      expect(SECTIONS[section].properties[key].default, `${section}.${key}`).to.equal(tunable.default / 1000);
      expect(read(MINIMAL), `${section}.${key}`).to.equal(tunable.default);
      expect(read({ ...MINIMAL, [section]: { ...(section === 'keystone' ? MINIMAL.keystone : {}), [key]: 7 } }), `${section}.${key}`).to.equal(7000);
    }
  });
});

describe("the config file's routing.probe_timeout_ms", () => {
  const { probeTimeoutMs } = FORWARD_TUNABLES;
  const schema = SECTIONS.routing.properties.probe_timeout_ms;

  it("takes its bound and the default it names from k2kForward's probeTimeoutMs, leaving the default to k2kForward", () => {
    expect(schema.minimum).to.equal(probeTimeoutMs.min);
    expect(schema['x-default-text']).to.equal(`\`${probeTimeoutMs.default}\`, or \`upstream.timeout_seconds\` when shorter`);
    expect(schema).to.not.have.property('default');
    expect(parseConfig(MINIMAL).routing.probeTimeoutMs).to.equal(undefined);
    expect(parseConfig({ ...MINIMAL, routing: { probe_timeout_ms: 800 } }).routing.probeTimeoutMs).to.equal(800);
  });
});
