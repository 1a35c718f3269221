import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../src/config/config.js';

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
virtual_regions: auto
`;
      writeFileSync(join(dir, 'gateway.yaml'), yaml);
      writeFileSync(join(dir, 'gateway.json'), JSON.stringify({ ...VALID, virtual_regions: 'auto' }));
      const fromYaml = loadConfig(join(dir, 'gateway.yaml'));
      expect(fromYaml).to.deep.equal(loadConfig(join(dir, 'gateway.json')));
      expect(fromYaml).to.deep.include({ workers: 2, serviceProviders: 'auto', mounts: { '/volume': 'volumev3', '/image': 'image' }, virtualRegions: 'auto' });
      expect(fromYaml.keystone.serviceAuth).to.deep.equal({ username: 'k2k', password: 'secret', userDomainName: 'Default', projectName: 'service', projectDomainName: 'Default' });
      expect(fromYaml.store).to.deep.equal({
        backend: 'memcached',
        servers: ['127.0.0.1:11211'],
        secretKey: 'a-long-enough-secret',
        securityStrategy: 'ENCRYPT',
        insecurePlaintext: false,
        timeoutMs: 500,
        deadServerRetryMs: 5000,
        poolSize: 10,
        idleMs: 30_000,
      });
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
    expect(bad((c) => ((c.keystone as Record<string, unknown>).auth_url = undefined))).to.throw(/^keystone\.auth_url: required \(must be a non-empty string\)/);
    expect(bad((c) => (c.mounts = { '/volume': 'compute' }))).to.throw(/mounts\.\/volume: local\.endpoints has no compute endpoint/);
    expect(bad((c) => (c.mounts = { volume: 'volumev3' }))).to.throw(/mounts\.volume: a mount path starts with "\/"/);
    expect(bad((c) => (c.mounts = { '/healthz': 'volumev3' }))).to.throw(/gateway's own/);
    expect(bad((c) => (c.store = { backend: 'memory' }))).to.throw(/store\.backend: the memory store is per process: with 2 workers use memcached/);
    expect(bad((c) => (c.store = { backend: 'memcached' }))).to.throw(/^store\.servers: required \(must list the memcached servers/);
    expect(bad((c) => (c.workers = 0))).to.throw(/workers: must be an integer from 1 to 64/);
    expect(bad((c) => (c.service_providers = []))).to.throw(/service_providers: must be auto or a list/);
    expect(bad((c) => (c.routing = { lern: true }))).to.throw(/routing\.lern: unknown option; did you mean "learn"/);
    expect(bad((c) => (c.routing = { resource_types: { compute: ['servers'] } }))).to.throw(/^routing\.resource_types\.compute: no mount serves compute/);
    expect(bad((c) => (c.service_apis = { 'volume-gold': 'block-storage' }))).to.throw(/^service_apis\.volume-gold: no mount serves volume-gold/);
    expect(bad((c) => (c.service_apis = { volumev3: 'image' }))).to.throw(/^service_apis\.volumev3: volumev3 is an official service type \(or alias\): its API is its own/);
    expect(bad((c) => ((c.mounts = { '/gold': 'volume-gold' }), (c.local = { name: 'idp', endpoints: { 'volume-gold': 'http://127.0.0.1:8776/v3/%(project_id)s' } }), (c.service_apis = { 'volume-gold': 'cinder' })))).to.throw(
      /^service_apis\.volume-gold: must be an official service type such as block-storage/,
    );
    expect(bad((c) => (c.routing = { resource_types: { volumev3: 'volumes' } }))).to.throw(/^routing\.resource_types\.volumev3: must be a list of resource types/);
    expect(bad((c) => (c.routing = { absent_ttl_seconds: -1 }))).to.throw(/^routing\.absent_ttl_seconds: must be an integer/);
    expect(bad((c) => (c.upstream = { timeout_seconds: 0 }))).to.throw(/^upstream\.timeout_seconds: must be an integer/);
    expect(bad((c) => ((c.upstream = { timeout_seconds: 2 }), (c.routing = { probe_timeout_ms: 5000 })))).to.throw(/^routing\.probe_timeout_ms: must not exceed upstream\.timeout_seconds \(2000 ms\)/);
    expect(bad((c) => (c.routing = { placement: 'random' }))).to.throw(/^routing\.placement: must be one of "local", "spread", "headroom", "fastest", "cheapest"/);
    expect(bad((c) => (c.region_metadata = { sp1: { cost: -1 } }))).to.throw(/^region_metadata\.sp1\.cost: must be a number >= 0/);
    expect(bad((c) => (c.region_metadata = { sp1: { sla: 100.5 } }))).to.throw(/^region_metadata\.sp1\.sla: must be a number from 0 to 100/);
    expect(bad((c) => (c.region_metadata = { sp1: { labels: { tier: 1 } } }))).to.throw(/^region_metadata\.sp1\.labels\.tier: must be a non-empty string/);
    expect(bad((c) => (c.region_metadata = { sp1: { price: 1 } }))).to.throw(/^region_metadata\.sp1\.price: unknown option/);
  });

  it('reads tls.ca_file when it loads the config, refusing a file it cannot read or that holds no certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2k-ca-config-'));
    try {
      const notPem = join(dir, 'not.pem');
      writeFileSync(notPem, 'hello');
      expect(() => parseConfig({ ...VALID, tls: { ca_file: join(dir, 'missing.pem') } })).to.throw(/^tls\.ca_file: cannot read .*missing\.pem/);
      expect(() => parseConfig({ ...VALID, tls: { ca_file: notPem } })).to.throw(/^tls\.ca_file: holds no PEM certificate/);
      expect(parseConfig(VALID).ca).to.equal(undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('learns and searches by default, with OpenStack resource types unless told otherwise', () => {
    const { routing, forwardTunables } = parseConfig({ ...VALID, routing: undefined });
    expect(routing).to.deep.equal({
      searchByBroadcast: true,
      aggregation: true,
      resourceTypes: {},
      aggregateResourceTypes: {},
      probeTimeoutMs: undefined,
      placement: 'local',
      sharedStorage: [],
    });
    expect(forwardTunables).to.deep.include({ learn: true, learnListLimit: 1000 });
    const configured = parseConfig({ ...VALID, routing: { learn: false, resource_types: { volumev3: ['volumes'] }, probe_timeout_ms: 800 } });
    expect(configured.routing).to.deep.include({ resourceTypes: { volumev3: ['volumes'] }, probeTimeoutMs: 800 });
    expect(configured.forwardTunables).to.deep.include({ learn: false });
  });

  it('requires a store secret for memcached and tiered, or an explicit opt-out', () => {
    const withStore = (store: Record<string, unknown>) => () => parseConfig({ ...VALID, store });
    for (const backend of ['memcached', 'tiered']) {
      expect(withStore({ backend, servers: ['127.0.0.1:11211'] })).to.throw(new RegExp(`^store\\.secret_key: required for the ${backend} backend.*store\\.insecure_plaintext: true`));
      expect(withStore({ backend, servers: ['127.0.0.1:11211'], insecure_plaintext: true })().store).to.deep.include({ backend, insecurePlaintext: true, secretKey: undefined });
    }
    expect(withStore({ backend: 'memcached', servers: ['h:1'], secret_key: 'short' })).to.throw(/^store\.secret_key: must be at least 16 characters/);
    expect(withStore({ backend: 'memcached', servers: ['h:1'], secret_key: 'a-long-enough-secret', insecure_plaintext: true })).to.throw(/^store\.insecure_plaintext: cannot be used with store\.secret_key/);
    expect(withStore({ backend: 'memcached', servers: ['h:1'], insecure_plaintext: 'yes' })).to.throw(/^store\.insecure_plaintext: must be true or false/);
    expect(() => parseConfig({ ...VALID, workers: 1, store: { backend: 'memory', insecure_plaintext: true } })).to.throw(/^store\.insecure_plaintext: only with backend memcached or tiered/);
  });

  it('reads the server timeouts, the drain and the admin listener, with defaults', () => {
    const defaults = parseConfig(VALID);
    expect(defaults.listen).to.deep.equal({ host: '127.0.0.1', port: 5001, requestTimeoutSeconds: 0, headersTimeoutSeconds: 60, keepAliveTimeoutSeconds: 5 });
    expect(defaults.drain).to.deep.equal({ graceSeconds: 5, timeoutSeconds: 25 });
    expect(defaults.adminListen).to.equal(undefined);
    const set = parseConfig({
      ...VALID,
      listen: { port: 5001, request_timeout_seconds: 3600, headers_timeout_seconds: 30, keep_alive_timeout_seconds: 75 },
      drain: { grace_seconds: 0, timeout_seconds: 10 },
      admin_listen: { port: 9101 },
    });
    expect(set.listen).to.deep.include({ requestTimeoutSeconds: 3600, headersTimeoutSeconds: 30, keepAliveTimeoutSeconds: 75 });
    expect(set.drain).to.deep.equal({ graceSeconds: 0, timeoutSeconds: 10 });
    expect(set.adminListen).to.deep.equal({ host: '127.0.0.1', port: 9101 });
  });

  it('refuses bad timeouts, drain and admin listener, naming the key', () => {
    const bad = (extra: Record<string, unknown>) => () => parseConfig({ ...VALID, ...extra });
    expect(bad({ listen: { request_timeout_seconds: -1 } })).to.throw(/^listen\.request_timeout_seconds: must be an integer from 0 to 86400/);
    expect(bad({ listen: { headers_timeout_seconds: 0 } })).to.throw(/^listen\.headers_timeout_seconds: must be an integer from 1/);
    expect(bad({ listen: { request_timeout_seconds: 10, headers_timeout_seconds: 20 } })).to.throw(/^listen\.headers_timeout_seconds: must not exceed listen\.request_timeout_seconds \(10\)/);
    expect(bad({ listen: { keep_alive_timeout_seconds: 1.5 } })).to.throw(/^listen\.keep_alive_timeout_seconds: must be an integer/);
    expect(bad({ listen: { request_timeout_second: 10 } })).to.throw(/^listen\.request_timeout_second: unknown option; did you mean "request_timeout_seconds"/);
    expect(bad({ drain: { grace_seconds: 'soon' } })).to.throw(/^drain\.grace_seconds: must be an integer/);
    expect(bad({ drain: { timeout_seconds: 1e9 } })).to.throw(/^drain\.timeout_seconds: must be an integer from 0 to 86400/);
    expect(bad({ drain: { grace: 1 } })).to.throw(/^drain\.grace: unknown option/);
    expect(bad({ admin_listen: {} })).to.throw(/^admin_listen\.port: required \(must be an integer from 0 to 65535\)/);
    expect(bad({ admin_listen: { port: 5001 } })).to.throw(/^admin_listen\.port: must differ from listen\.port \(5001\)/);
    expect(bad({ admin_listen: { port: 9101, path: '/' } })).to.throw(/^admin_listen\.path: unknown option/);
  });

  it('checks keystone.auth_url at load, so a bad one never reaches a worker', () => {
    const withUrl = (auth_url: string) => () => parseConfig({ ...VALID, keystone: { ...VALID.keystone, auth_url } });
    expect(withUrl('127.0.0.1:5000/v3')).to.throw(/^keystone\.auth_url: must be (a URL|an http or https URL)/);
    expect(withUrl('not a url')).to.throw(/^keystone\.auth_url: must be a URL/);
    expect(withUrl('ftp://127.0.0.1/v3')).to.throw(/^keystone\.auth_url: must be an http or https URL/);
    expect(withUrl('http://127.0.0.1:5000')).to.throw(/^keystone\.auth_url: must be Keystone's v3 URL ending in \/v3/);
    expect(withUrl('http://127.0.0.1:5000/v3/')().keystone.authUrl).to.equal('http://127.0.0.1:5000/v3');
  });

  it('reads public_url, the base of the links in answers, without its trailing slash', () => {
    expect(parseConfig(VALID).publicUrl).to.equal(undefined);
    expect(parseConfig({ ...VALID, public_url: 'https://gw.example.com/k2k/' }).publicUrl).to.equal('https://gw.example.com/k2k');
    for (const public_url of ['gw.example.com', 'ftp://gw.example.com', 'https://gw.example.com/?x=1', 'https://user:pw@gw.example.com']) {
      expect(() => parseConfig({ ...VALID, public_url }), public_url).to.throw(/^public_url: must be/);
    }
  });

  it('reads virtual_regions: none by default, auto, or a list whose names default to <sp> or <sp>.<region>', () => {
    expect(parseConfig(VALID).virtualRegions).to.deep.equal([]);
    expect(parseConfig({ ...VALID, virtual_regions: 'auto' }).virtualRegions).to.equal('auto');
    const listed = parseConfig({
      ...VALID,
      virtual_regions: [
        { sp: 'sp1' },
        { sp: 'sp1', region: 'RegionTwo' },
        { sp: 'sp2', name: 'sp2-demo2', project_name: 'demo2' },
        { sp: 'two', region: 'RegionTwo', token: 'passthrough' },
      ],
    }).virtualRegions;
    expect(listed).to.deep.equal([
      { name: 'sp1', serviceProvider: 'sp1', token: 'k2k' },
      { name: 'sp1.RegionTwo', serviceProvider: 'sp1', region: 'RegionTwo', token: 'k2k' },
      { name: 'sp2-demo2', serviceProvider: 'sp2', project: { name: 'demo2', domain: 'Default' }, token: 'k2k' },
      { name: 'two.RegionTwo', serviceProvider: 'two', region: 'RegionTwo', token: 'passthrough' },
    ]);
  });

  it('reads routing.shared_storage, cloud pairs by local.name or SP id, refusing what is no pair of known clouds', () => {
    expect(parseConfig({ ...VALID, routing: { shared_storage: [['default', 'sp1']] } }).routing.sharedStorage).to.deep.equal([['default', 'sp1']]);
    const bad = (shared_storage: unknown, extra: Record<string, unknown> = {}) => () => parseConfig({ ...VALID, ...extra, routing: { shared_storage } });
    expect(bad([['default']])).to.throw(/^routing\.shared_storage\[0\]: must be a pair of clouds, e\.g\. \[default, sp1\]/);
    expect(bad('default,sp1')).to.throw(/^routing\.shared_storage: must be a list/);
    expect(bad([['sp1', 'sp1']])).to.throw(/^routing\.shared_storage\[0\]: names sp1 twice/);
    expect(bad([['default', 'sp3']], { service_providers: ['sp1'] })).to.throw(/^routing\.shared_storage\[0\]\[1\]: "sp3" is neither local\.name \("default"\) nor in service_providers \(sp1\)/);
  });

  it('refuses bad virtual_regions, naming the key', () => {
    const bad = (virtual_regions: unknown, extra: Record<string, unknown> = {}) => () => parseConfig({ ...VALID, ...extra, virtual_regions });
    expect(bad('all')).to.throw(/^virtual_regions: must be auto or a list/);
    expect(bad([{ name: 'x' }])).to.throw(/^virtual_regions\[0\]\.sp: required \(must be a non-empty string\)/);
    expect(bad([{ sp: 'sp1', regoin: 'r' }])).to.throw(/^virtual_regions\[0\]\.regoin: unknown option; did you mean "region"/);
    expect(bad([{ sp: 'sp1' }, { sp: 'sp1' }])).to.throw(/^virtual_regions\[1\]\.name: "sp1" is already the name of another virtual region/);
    expect(bad([{ sp: 'sp1', name: 'volume' }])).to.throw(/^virtual_regions\[0\]\.name: "volume" is the first segment of mount \/volume/);
    expect(bad([{ sp: 'sp1', name: 'metrics' }])).to.throw(/^virtual_regions\[0\]\.name: "metrics" is the gateway's own/);
    expect(bad([{ sp: 'sp1', name: 'a/b' }])).to.throw(/^virtual_regions\[0\]\.name: must be letters, digits/);
    expect(bad([{ sp: 'default' }])).to.throw(/^virtual_regions\[0\]\.sp: names the local cloud/);
    expect(bad([{ sp: 'sp3' }], { service_providers: ['sp1'] })).to.throw(/^virtual_regions\[0\]\.sp: "sp3" is not in service_providers \(sp1\)/);
    expect(bad([{ sp: 'sp1', token: 'mine' }])).to.throw(/^virtual_regions\[0\]\.token: must be one of "k2k", "passthrough"/);
    expect(bad([{ sp: 'sp1', project_domain_name: 'Default' }])).to.throw(/^virtual_regions\[0\]\.project_domain_name: needs project_name/);
    expect(bad([{ sp: 'two', token: 'passthrough' }])).to.throw(/^virtual_regions\[0\]\.region: required with token: passthrough/);
    expect(bad([{ sp: 'two', region: 'R2', token: 'passthrough', project_name: 'demo' }])).to.throw(/^virtual_regions\[0\]\.project_name: not with token: passthrough/);
    expect(bad([{ sp: 'two', region: 'R2', name: 'R2', token: 'passthrough' }])).to.throw(/^virtual_regions\[0\]\.name: must differ from its region \(R2\)/);
  });

  it('reads keystone.admin_auth for the catalog commands, as service_auth', () => {
    expect(parseConfig(VALID).keystone.adminAuth).to.equal(undefined);
    const admin = parseConfig({ ...VALID, keystone: { ...VALID.keystone, admin_auth: { username: 'admin', password: 'adminpw', project_name: 'admin' } } }).keystone.adminAuth;
    expect(admin).to.deep.equal({ username: 'admin', password: 'adminpw', userDomainName: 'Default', projectName: 'admin', projectDomainName: 'Default' });
    expect(() => parseConfig({ ...VALID, keystone: { ...VALID.keystone, admin_auth: { username: 'admin' } } })).to.throw(/^keystone\.admin_auth\.password: required \(must be a non-empty string\)/);
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
