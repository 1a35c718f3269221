import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { freePort, startFederation, startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
import { createGateway, type Gateway } from '../src/app/gateway.js';
import { createLogger } from '../src/app/logger.js';
import { startGatewayProcess } from '../src/serve/start-gateway.js';
import { configFor } from './fixtures.js';

describe('the gateway (in-process)', () => {
  let federation: Federation;
  let gateway: Gateway;
  const logs: string[] = [];

  before(async () => {
    federation = await startFederation();
    const sink = new Writable({ write: (chunk, _encoding, done) => (logs.push(String(chunk)), done()) });
    gateway = createGateway(configFor(federation, { service_providers: ['sp1'], routing: { learn: true } }), createLogger('debug', sink));
  });

  after(async () => {
    await gateway.close();
    await federation.close();
  });

  it('authenticates, then forwards each mount locally or to a service provider', async () => {
    const token = federation.idp.issueToken('alice', 'demo');
    const path = `/volume/v3/${federation.env.idpProjectId}/volumes`;
    await request(gateway.app).get(path).expect(401);
    await request(gateway.app).get(path).set('x-auth-token', token).expect(200);
    const remote = await request(gateway.app).get(path).set('x-auth-token', token).set('SERVICE-PROVIDER', 'sp1').expect(200);
    expect(remote.headers['x-k2k-service-provider']).to.equal('sp1');
    await request(gateway.app).get('/image/v2/images').set('x-auth-token', token).set('SERVICE-PROVIDER', 'sp1').expect(200);
  });

  it('allows only the configured service providers', async () => {
    const token = federation.idp.issueToken('alice', 'demo');
    const refused = await request(gateway.app).get(`/volume/v3/${federation.env.idpProjectId}/volumes`).set('x-auth-token', token).set('SERVICE-PROVIDER', 'sp2').expect(400);
    expect(refused.body.error.message).to.equal('Unknown service provider "sp2" (known: sp1).');
  });

  it('answers /healthz and /metrics itself, with a request id', async () => {
    const health = await request(gateway.app).get('/healthz').expect(200);
    expect(health.body).to.deep.equal({ status: 'ok' });
    expect(health.headers['x-openstack-request-id']).to.match(/^req-/);
    const metrics = await request(gateway.app).get('/metrics').expect(200);
    expect(metrics.text).to.match(/^k2k_requests_total\{mount="\/volume",service_provider="sp1",method="GET",code="200"\} \d+$/m);
    expect(metrics.text).to.match(/^k2k_exchanges_total\{service_provider="sp1",outcome="ok"\} 1$/m);
    expect(metrics.text).to.match(/^k2k_cache_hits_total\{cache="token_validation"\} \d+$/m);
    expect(metrics.text).to.match(/^k2k_keystone_calls_total\{call="validate",outcome="ok"\} [1-9]\d*$/m);
    expect(metrics.text).to.match(/^k2k_keystone_calls_total\{call="service-token",outcome="ok"\} 1$/m);
    expect(metrics.text).to.include('k2k_keystone_call_duration_seconds_bucket{le="0.005",call="validate"}');
    expect(metrics.text).to.include('k2k_request_duration_seconds_bucket');
    expect(metrics.text).to.match(/^k2k_process_cpu_user_seconds_total \d/m); // process metrics
    await request(gateway.app).get('/metrics').expect(200);
    const again = (await request(gateway.app).get('/metrics').expect(200)).text;
    expect(again).to.not.match(/k2k_requests_total\{mount="none"/); // scrapes and health checks are not requests
  });

  it('finds an unknown id at the allowed service provider, and counts the search in its metrics', async () => {
    const token = federation.idp.issueToken('alice', 'demo');
    const sp1 = federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'searched' });
    const found = await request(gateway.app).get(`/volume/v3/${federation.env.idpProjectId}/volumes/${volume.id}`).set('x-auth-token', token).expect(200);
    expect(found.headers['x-k2k-service-provider']).to.equal('sp1');
    const metrics = (await request(gateway.app).get('/metrics').expect(200)).text;
    expect(metrics).to.match(/^k2k_searches_total\{outcome="remote"\} 1$/m);
    expect(metrics).to.match(/^k2k_search_probes_total\{service_provider="sp1",outcome="found"\} 1$/m);
    expect(metrics).to.match(/^k2k_locations_total\{action="learned",resource_type="volumes"\} 1$/m);
    expect(metrics).to.not.match(/service_provider="sp2"/); // not allowed by service_providers: never probed
  });

  it("fronts a catalog type of the operator's own as the official API service_apis names (search finds its volume at an SP)", async () => {
    for (const cloud of federation.clouds) {
      cloud.keystone.catalog.addService('volume-gold', 'cinder-gold', [{ interface: 'public', regionId: 'RegionOne', url: `${cloud.volume.publicUrl}/v3/%(project_id)s` }]);
    }
    const gold = (apis: Record<string, string>) =>
      createGateway(
        configFor(federation, { local: { endpoints: { 'volume-gold': federation.env.idpVolumeEndpoint } }, mounts: { '/gold': 'volume-gold' }, service_apis: apis }),
        createLogger('silent'),
      );
    const [asCinder, unknown] = [gold({ 'volume-gold': 'block-storage' }), gold({})];
    try {
      const token = federation.idp.issueToken('alice', 'demo');
      const sp1 = federation.cloud('sp1');
      const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'gold' });
      const path = `/gold/v3/${federation.env.idpProjectId}/volumes/${volume.id}`;
      const found = await request(asCinder.app).get(path).set('x-auth-token', token).expect(200);
      expect(found.headers['x-k2k-service-provider']).to.equal('sp1');
      await request(unknown.app).get(path).set('x-auth-token', token).expect(404); // no resource types of its own: not searched
    } finally {
      await Promise.all([asCinder.close(), unknown.close()]);
    }
  });

  it('logs JSON lines without any token', async () => {
    const token = federation.idp.issueToken('alice', 'demo');
    await request(gateway.app).get(`/volume/v3/${federation.env.idpProjectId}/volumes`).set('x-auth-token', token).set('SERVICE-PROVIDER', 'sp1').expect(200);
    const records = logs.map((line) => JSON.parse(line) as { msg: string; status?: number; level: string; time: string; userId?: string; projectId?: string; serviceProvider?: string });
    const line = records.find((record) => record.msg === 'request' && record.status === 200 && record.serviceProvider === 'sp1');
    expect(line).to.include({ level: 'info', projectId: federation.env.idpProjectId });
    expect(line?.userId).to.be.a('string');
    expect(line?.time).to.match(/^\d{4}-\d\d-\d\dT/);
    for (const line of logs) expect(line).to.not.include('gAAAAAB');
  });

  it('drains: /healthz answers 503', async () => {
    gateway.drain();
    await request(gateway.app).get('/healthz').expect(503);
  });
});

describe('the gateway on a shared store without a secret', () => {
  it('logs a warning at start when store.insecure_plaintext runs it without a secret', async () => {
    const federation = await startFederation();
    const logs: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (logs.push(String(chunk)), done()) });
    // the memcached server is never contacted: nothing is cached before the gateway closes
    const store = { backend: 'memcached', servers: ['127.0.0.1:9'], insecure_plaintext: true };
    const gateway = createGateway(configFor(federation, { store }), createLogger('info', sink));
    try {
      const warnings = logs.map((line) => JSON.parse(line) as { level: string; msg: string }).filter((record) => record.level === 'warn');
      expect(warnings.map((record) => record.msg)).to.deep.equal([
        'memcached store without a secret (insecurePlaintext: true): cached tokens are stored unprotected, readable and usable by anyone who can reach the servers',
      ]);
    } finally {
      await gateway.close();
      await federation.close();
    }
  });
});

describe('the gateway process (2 workers sharing memcached)', function () {
  this.timeout(30_000);
  let federation: Federation;
  let memcached: MemcachedServer;
  let dir: string;

  before(async () => {
    [federation, memcached] = await Promise.all([startFederation({ serviceProviders: ['sp1'] }), startMemcached()]);
    dir = mkdtempSync(join(tmpdir(), 'k2k-gateway-'));
  });

  after(async () => {
    await Promise.all([federation.close(), memcached.kill()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from both workers, aggregates metrics, and finishes in-flight requests on SIGTERM', async () => {
    const file = join(dir, 'gateway.json');
    const config = {
      listen: { host: '127.0.0.1', port: await freePort() },
      workers: 2,
      keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
      local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint } },
      mounts: { '/volume': 'volumev3' },
      store: { backend: 'memcached', servers: [memcached.location], secret_key: 'gateway-test-secret' },
      drain: { grace_seconds: 0 }, // the listener closes at SIGTERM: the request in flight must still finish
      log_level: 'silent',
    };
    writeFileSync(file, JSON.stringify(config));
    const gateway = await startGatewayProcess(file);
    try {
      const token = federation.idp.issueToken('alice', 'demo');
      const path = `${gateway.url}/volume/v3/${federation.env.idpProjectId}/volumes`;
      const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(path, { headers: { 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' } })));
      expect(answers.map((a) => a.status)).to.deep.equal(Array(10).fill(200));
      await Promise.all(answers.map((a) => a.body?.cancel()));
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).to.match(/^k2k_requests_total\{mount="\/volume",service_provider="sp1",method="GET",code="200"\} 10$/m);

      federation.cloud('sp1').volume.faults.set({ latencyMs: 500 });
      const inFlight = fetch(path, { headers: { 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stopped = gateway.stop();
      expect((await inFlight).status).to.equal(200);
      expect(await stopped).to.equal(0);
    } finally {
      await gateway.stop();
    }
  });

  it('refuses to start with a bad config, naming the key', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ mounts: {} }));
    const error = await startGatewayProcess(file).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.include('exited with code 2');
  });
});
