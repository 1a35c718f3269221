import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../src/config.js';

const VALID = {
  listen: { host: '127.0.0.1', port: 5001 },
  workers: 2,
  keystone: { auth_url: 'http://127.0.0.1:5000/v3', service_auth: { username: 'k2k', password: 'secret', user_domain_name: 'Default', project_name: 'service', project_domain_name: 'Default' } },
  local: { name: 'default', endpoints: { volumev3: 'http://127.0.0.1:8776/v3/%(project_id)s', image: 'http://127.0.0.1:9292' } },
  service_providers: 'auto',
  mounts: { '/volume': 'volumev3', '/image': 'image' },
  store: { backend: 'memcached', servers: ['127.0.0.1:11211'], secret_key: 'a-long-enough-secret', security_strategy: 'ENCRYPT' },
  routing: { learn: true, search_by_broadcast: true, aggregation: true },
};

describe('gateway config', () => {
  it("reads DESIGN.md's example, in YAML and in JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2k-config-'));
    try {
      const yaml = `listen: {host: 127.0.0.1, port: 5001}
workers: 2
keystone:
  auth_url: http://127.0.0.1:5000/v3
  service_auth: {username: k2k, password: secret, user_domain_name: Default,
                 project_name: service, project_domain_name: Default}
local:
  name: default
  endpoints: {volumev3: "http://127.0.0.1:8776/v3/%(project_id)s", image: "http://127.0.0.1:9292"}
service_providers: auto
mounts: {/volume: volumev3, /image: image}
store: {backend: memcached, servers: ["127.0.0.1:11211"], secret_key: "a-long-enough-secret", security_strategy: ENCRYPT}
routing: {learn: true, search_by_broadcast: true, aggregation: true}
`;
      writeFileSync(join(dir, 'gateway.yaml'), yaml);
      writeFileSync(join(dir, 'gateway.json'), JSON.stringify(VALID));
      const fromYaml = loadConfig(join(dir, 'gateway.yaml'));
      expect(fromYaml).to.deep.equal(loadConfig(join(dir, 'gateway.json')));
      expect(fromYaml).to.deep.include({ workers: 2, serviceProviders: 'auto', mounts: { '/volume': 'volumev3', '/image': 'image' } });
      expect(fromYaml.keystone.serviceAuth).to.deep.equal({ username: 'k2k', password: 'secret', userDomainName: 'Default', projectName: 'service', projectDomainName: 'Default' });
      expect(fromYaml.store).to.deep.equal({ backend: 'memcached', servers: ['127.0.0.1:11211'], secretKey: 'a-long-enough-secret', securityStrategy: 'ENCRYPT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad config with a message naming the key', () => {
    const bad = (change: (config: Record<string, unknown>) => void) => {
      const config = JSON.parse(JSON.stringify(VALID)) as Record<string, unknown>;
      change(config);
      return () => parseConfig(config);
    };
    expect(bad((c) => (c.mount = c.mounts))).to.throw(/config\.mount: unknown option; did you mean "mounts"/);
    expect(bad((c) => ((c.keystone as Record<string, unknown>).auth_url = undefined))).to.throw(/^keystone\.auth_url: must be a non-empty string/);
    expect(bad((c) => (c.mounts = { '/volume': 'compute' }))).to.throw(/mounts\.\/volume: local\.endpoints has no compute endpoint/);
    expect(bad((c) => (c.mounts = { volume: 'volumev3' }))).to.throw(/mounts\.volume: a mount path starts with "\/"/);
    expect(bad((c) => (c.mounts = { '/healthz': 'volumev3' }))).to.throw(/gateway's own/);
    expect(bad((c) => (c.store = { backend: 'memory' }))).to.throw(/store\.backend: the memory store is per process: with 2 workers use memcached/);
    expect(bad((c) => (c.store = { backend: 'memcached' }))).to.throw(/store\.servers: must list the memcached servers/);
    expect(bad((c) => (c.workers = 0))).to.throw(/workers: must be an integer from 1 to 64/);
    expect(bad((c) => (c.service_providers = []))).to.throw(/service_providers: must be auto or a list/);
    expect(bad((c) => (c.routing = { lern: true }))).to.throw(/routing\.lern: unknown option; did you mean "learn"/);
  });

  it('names the file when it cannot be read or parsed', () => {
    expect(() => loadConfig('/nonexistent/gateway.yaml')).to.throw(/--config: cannot read \/nonexistent\/gateway\.yaml/);
    const dir = mkdtempSync(join(tmpdir(), 'k2k-config-'));
    try {
      writeFileSync(join(dir, 'broken.json'), '{"listen": ');
      expect(() => loadConfig(join(dir, 'broken.json'))).to.throw(/broken\.json is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
