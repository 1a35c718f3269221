import { expect } from 'chai';
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONFIG_DOCS_COMMAND, JSON_SCHEMA_FILE, jsonSchemaText, readmeWithKeys } from '../scripts/config-docs.js';
import { parseConfig } from '../src/config/config.js';

const GATEWAY = join(__dirname, '..', '..');
const README = readFileSync(join(GATEWAY, 'README.md'), 'utf8');
const JSON_SCHEMA = JSON.parse(readFileSync(join(GATEWAY, JSON_SCHEMA_FILE), 'utf8')) as object;

/** The README's YAML blocks (some indented in a list), parsed. */
function readmeYamlBlocks(): Record<string, unknown>[] {
  return [...README.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```/gm)].map(([, indent, body]) =>
    parseYaml(body.replace(new RegExp(`^${indent}`, 'gm'), '')) as Record<string, unknown>,
  );
}

const MINIMAL = {
  keystone: { auth_url: 'http://127.0.0.1:5000/v3', service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
  local: { endpoints: { volumev3: 'http://127.0.0.1:8776/v3/%(project_id)s' } },
  mounts: { '/volume': 'volumev3' },
};
const STORE = { backend: 'memcached', servers: ['127.0.0.1:11211'], secret_key: 'a-long-enough-secret' };
const refusal = (extra: Record<string, unknown>): string => {
  try {
    parseConfig({ ...MINIMAL, ...extra });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(extra)}`);
};

describe('gateway config: one schema (src/config/config-schema.ts)', () => {
  describe('what it generates', () => {
    it(`is the committed ${JSON_SCHEMA_FILE}`, () => {
      const committed = readFileSync(join(GATEWAY, JSON_SCHEMA_FILE), 'utf8');
      expect(committed === jsonSchemaText(), `${JSON_SCHEMA_FILE} is not what src/config/config-schema.ts generates: run \`${CONFIG_DOCS_COMMAND}\``).to.equal(true);
    });

    it("is the README's table of keys", () => {
      expect(README === readmeWithKeys(README), `README.md's "Every key" table is not what src/config/config-schema.ts generates: run \`${CONFIG_DOCS_COMMAND}\``).to.equal(true);
    });
  });

  describe("the editor's JSON Schema", () => {
    const validate = new Ajv({ allErrors: true }).compile(JSON_SCHEMA);

    it("accepts the README's configs, as the gateway does (a fragment laid over the minimal config)", () => {
      const blocks = readmeYamlBlocks();
      expect(blocks).to.have.length.of.at.least(4);
      for (const block of blocks) {
        const config = { ...MINIMAL, ...block };
        expect(validate(config), `${JSON.stringify(block)}: ${JSON.stringify(validate.errors)}`).to.equal(true);
        expect(() => parseConfig(config), JSON.stringify(block)).to.not.throw();
      }
    });

    it('refuses what the gateway refuses for its shape: an unknown key, a missing one, a wrong type, a value out of range', () => {
      expect(validate(MINIMAL)).to.equal(true);
      for (const bad of [
        { ...MINIMAL, mount: MINIMAL.mounts },
        { ...MINIMAL, keystone: { auth_url: MINIMAL.keystone.auth_url } },
        { ...MINIMAL, workers: 'two' },
        { ...MINIMAL, workers: 65 },
        { ...MINIMAL, store: { backend: 'memcached' } },
        { ...MINIMAL, store: { backend: 'memory', insecure_plaintext: true } },
        { ...MINIMAL, sync: { scope: { tag: 't', domain_name: 'Default' } } },
      ]) {
        expect(validate(bad), JSON.stringify(bad)).to.equal(false);
        expect(() => parseConfig(bad), JSON.stringify(bad)).to.throw();
      }
    });

    it('requires only what has no default', () => {
      expect((JSON_SCHEMA as { required: string[] }).required).to.deep.equal(['keystone', 'local', 'mounts']);
    });
  });

  describe('errors, each naming the key', () => {
    it('an unknown key, with the closest known one', () => {
      expect(refusal({ routing: { lern: true } })).to.equal(
        'routing.lern: unknown option; did you mean "learn"? (known: learn, search_by_broadcast, aggregation, aggregated_resource_types, page_limit, list_body_limit_bytes, resource_types, learn_list_limit, location_ttl_seconds, absent_ttl_seconds, probe_timeout_ms, max_searches_per_caller, shared_storage, placement)',
      );
      expect(refusal({ mount: {} })).to.match(/^config\.mount: unknown option; did you mean "mounts"\?/);
      expect(refusal({ keystone: { ...MINIMAL.keystone, cache_ttl_second: 0 } })).to.match(/^keystone\.cache_ttl_second: unknown option; did you mean "cache_ttl_seconds"\?/);
    });

    it('a wrong type or value, with what the key must be', () => {
      expect(refusal({ workers: 'two' })).to.equal('workers: must be an integer from 1 to 64, got "two"');
      expect(refusal({ service_providers: ['sp1', 3] })).to.equal('service_providers[1]: must be a non-empty string, got 3');
      expect(refusal({ service_providers: [] })).to.equal('service_providers: must be auto or a list of service provider ids, got an array');
      expect(refusal({ keystone: { ...MINIMAL.keystone, interface: 'outside' } })).to.equal('keystone.interface: must be public, internal or admin, got "outside"');
      expect(refusal({ store: { ...STORE, servers: ['nohost'] } })).to.equal('store.servers[0]: must be "host:port", e.g. "127.0.0.1:11211", got "nohost"');
      expect(refusal({ log_level: 'loud' })).to.equal('log_level: must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got "loud"');
      expect(refusal({ keystone: { ...MINIMAL.keystone, service_auth: undefined } })).to.match(/^keystone\.service_auth: required \(must be \{username, password, project_name\} or an application credential/);
    });

    it('a store by its backend: the keys of another backend, a backend there is none of', () => {
      expect(refusal({ store: { ...STORE, l1_ttl_seconds: 3 } })).to.equal('store.l1_ttl_seconds: only with backend tiered');
      expect(refusal({ store: { servers: ['127.0.0.1:11211'] } })).to.equal('store.servers: only with backend memcached or tiered');
      expect(refusal({ store: { backend: 'redis' } })).to.equal('store.backend: must be one of "memory", "memcached", "tiered", got "redis"');
      expect(refusal({ store: { ...STORE, backend: 'tiered', l1_ttl_secnds: 3 } })).to.match(/^store\.l1_ttl_secnds: unknown option; did you mean "l1_ttl_seconds"\?/);
    });

    it('never with the value of a secret', () => {
      expect(refusal({ store: { ...STORE, secret_key: 'short-secret' } })).to.equal('store.secret_key: must be at least 16 characters');
      expect(refusal({ keystone: { ...MINIMAL.keystone, service_auth: { username: 'k2k', password: 1234567, project_name: 'service' } } })).to.equal(
        'keystone.service_auth.password: must be a non-empty string',
      );
    });
  });

  it("fills in the defaults, the packages' own", () => {
    const config = parseConfig({ ...MINIMAL, store: STORE });
    expect(config.keystone).to.deep.include({
      timeoutMs: 5000,
      wwwAuthenticateUri: undefined,
      requiredRoles: undefined,
      regionName: undefined,
      interface: 'public',
    });
    expect(config.upstream).to.deep.equal({ timeoutMs: 60_000, keystoneTimeoutMs: 10_000, proxyId: undefined });
    expect(config.store).to.deep.include({ timeoutMs: 500, deadServerRetryMs: 5000, poolSize: 10, idleMs: 30_000 });
    expect(parseConfig({ ...MINIMAL, store: { ...STORE, backend: 'tiered' } }).store).to.deep.include({ l1MaxEntries: 1000, l1TtlSeconds: 5 });
    expect(parseConfig(MINIMAL).store).to.deep.equal({ backend: 'memory', secretKey: undefined, securityStrategy: 'ENCRYPT', maxEntries: 10_000 });
    expect(parseConfig(MINIMAL).forwardTunables.learnListLimit).to.equal(1000);
    expect(parseConfig(MINIMAL).authTunables).to.deep.equal({ cacheTtlSeconds: 300, negativeCacheTtlSeconds: 10, serviceTokenRoles: ['service'] });
  });
});
