import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createStore, ResourceMap } from '@k2k/store';
import { createTestCa, startFederation, startTlsFront, type Federation } from '@k2k/testing';
import { createGateway, type Gateway } from '../src/app/gateway.js';
import { createLogger } from '../src/app/logger.js';
import { configFor } from './fixtures.js';

/** The config's tunables of keystoneAuth and k2kForward reach them: each seen in what the gateway does. */
describe('gateway config: the keys reach the packages', () => {
  let federation: Federation;
  let gateway: Gateway | undefined;
  let token: string;
  let volumes: string;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    token = federation.idp.issueToken('alice', 'demo');
    volumes = `/volume/v3/${federation.env.idpProjectId}/volumes`;
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  after(() => federation.close());

  const start = (extra: Record<string, unknown>): Gateway => {
    gateway = createGateway(configFor(federation, extra), createLogger('silent', new Writable({ write: (_chunk, _encoding, done) => done() })));
    return gateway;
  };
  const keystone = (extra: Record<string, unknown>) => ({
    keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' }, ...extra },
  });
  const validations = async (app: Gateway['app'], outcome: string): Promise<number> => {
    const metrics = (await request(app).get('/metrics').expect(200)).text;
    return Number(new RegExp(`^k2k_keystone_calls_total\\{call="validate",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
  };

  it('keystone.cache_ttl_seconds: 0 asks Keystone for every request, as negative_cache_ttl_seconds: 0 does for a refused token', async () => {
    const { app } = start(keystone({ cache_ttl_seconds: 0, negative_cache_ttl_seconds: 0 }));
    await request(app).get(volumes).set('x-auth-token', token).expect(200);
    await request(app).get(volumes).set('x-auth-token', token).expect(200);
    await request(app).get(volumes).set('x-auth-token', 'not-a-token').expect(401);
    await request(app).get(volumes).set('x-auth-token', 'not-a-token').expect(401);
    expect(await validations(app, 'ok')).to.equal(2);
    expect(await validations(app, 'refused')).to.equal(2);
  });

  it('keystone.www_authenticate_uri is where a 401 sends the client', async () => {
    const refused = await request(start(keystone({ www_authenticate_uri: 'https://keystone.example.com/v3' })).app).get(volumes).expect(401);
    expect(refused.headers['www-authenticate']).to.equal('Keystone uri="https://keystone.example.com/v3"');
  });

  it('keystone.required_roles refuses a caller without them', async () => {
    await request(start(keystone({ required_roles: { any_of: ['auditor'] } })).app).get(volumes).set('x-auth-token', token).expect(403);
  });

  it("keystone.interface and keystone.region_name pick the SPs' endpoints", async () => {
    const toSp1 = (app: Gateway['app']) => request(app).get(volumes).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(403);
    expect((await toSp1(start(keystone({ interface: 'admin' })).app)).body.error.message).to.match(/has no block-storage endpoint with interface admin/);
    await gateway?.close();
    expect((await toSp1(start(keystone({ region_name: 'Nowhere' })).app)).body.error.message).to.match(/interface public in region Nowhere/);
  });

  it("upstream.proxy_id is this gateway's name in MM-PROXY-LIST", async () => {
    const { app } = start({ upstream: { proxy_id: 'gateway-a' } });
    await request(app).get(volumes).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1', 'MM-PROXY-LIST': 'gateway-b' }).expect(200);
    await request(app).get(volumes).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1', 'MM-PROXY-LIST': 'gateway-a' }).expect(508);
  });

  it('tls.ca_file: the gateway validates tokens at an https Keystone whose certificate that CA signed, and answers 503 without it', async () => {
    const ca = await createTestCa();
    const front = await startTlsFront(federation.idp.url, ca);
    const dir = mkdtempSync(join(tmpdir(), 'k2k-ca-'));
    try {
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, ca.ca);
      const overHttps = keystone({ auth_url: `${front.url}/v3` });
      await request(start({ ...overHttps, tls: { ca_file: caFile } }).app).get(volumes).set('x-auth-token', token).expect(200);
      await gateway?.close();
      await request(start(overHttps).app).get(volumes).set('x-auth-token', token).expect(503);
    } finally {
      await front.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("routing.shared_storage lets a Cinder attachment of sp1's volume name a local server: sent to sp1, not refused (409)", async () => {
    const sp1 = federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'data' });
    const server = '6f0c2b1e-8d4a-4c3b-9e2f-1a0b9c8d7e6f';
    const attachAcross = async (extra: Record<string, unknown>) => {
      // The store the gateway uses: the local server's location as a compute mount would have learned it.
      const store = createStore();
      await new ResourceMap(store).learn({ projectId: federation.env.idpProjectId, serviceType: 'compute', resourceType: 'servers', resourceId: server }, { serviceProvider: null });
      gateway = createGateway(configFor(federation, extra), createLogger('silent', new Writable({ write: (_chunk, _encoding, done) => done() })), { store });
      await request(gateway.app).get(`${volumes}/${volume.id}`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
      sp1.volume.reset();
      const answer = await request(gateway.app).post(`/volume/v3/${federation.env.idpProjectId}/attachments`).set('x-auth-token', token).send({ attachment: { volume_uuid: volume.id, instance_uuid: server } });
      await gateway.close();
      gateway = undefined;
      return { status: answer.status, atSp1: sp1.volume.calls.calls.map((call) => call.method) };
    };
    expect(await attachAcross({})).to.deep.equal({ status: 409, atSp1: [] });
    expect((await attachAcross({ routing: { shared_storage: [['default', 'sp1']] } })).atSp1).to.deep.equal(['POST']);
  });

  it("upstream.json_body_limit_bytes caps a create's body", async () => {
    const { app } = start({ upstream: { json_body_limit_bytes: 1024 } });
    const create = (description: string) => request(app).post(volumes).set('x-auth-token', token).send({ volume: { name: 'big@sp1', size: 1, description } });
    await create('small').expect(202);
    await create('x'.repeat(2000)).expect(413);
  });
});
